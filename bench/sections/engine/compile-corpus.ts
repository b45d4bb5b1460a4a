import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { median } from '../../stats.js';

export interface CorpusTiming {
  folder: string;
  files: number;
  compiled: number;
  rejected: number;
  /** Median over files of each file's median compile time. */
  medianMs: number;
  /** The slowest file's median compile time. */
  maxMs: number;
  slowestFile: string;
}

const BPMN_FILE = /\.(bpmn|bpmn20\.xml)$/i;

/** The repository's corpus when it has one, else the shared one; undefined when neither exists. */
export function corpusFolder(root: string): string | undefined {
  return [join(root, 'test/fixtures/corpus'), '/work/shared/corpus/bpmn'].find((folder) => existsSync(folder));
}

/** Times `importBpmn(bytes)` `repeats` times per file: parse, read and compile, or collect the problems. */
export async function timeCorpus(folder: string, repeats = 5, log: (message: string) => void = () => undefined): Promise<CorpusTiming> {
  const files = readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => BPMN_FILE.test(name))
    .sort();
  const medians: number[] = [];
  let compiled = 0;
  let slowest = { file: '', ms: -1 };
  for (const file of files) {
    const bytes = readFileSync(join(folder, file));
    const times: number[] = [];
    let ok = false;
    for (let n = 0; n < repeats; n++) {
      const started = performance.now();
      const { workflow } = await importBpmn(bytes);
      times.push(performance.now() - started);
      ok = workflow !== undefined;
    }
    if (ok) compiled++;
    const ms = median(times);
    medians.push(ms);
    if (ms > slowest.ms) slowest = { file, ms };
  }
  log(`compiled ${compiled} of ${files.length} corpus files ×${repeats}`);
  return {
    folder: relative(process.cwd(), folder) || folder,
    files: files.length,
    compiled,
    rejected: files.length - compiled,
    medianMs: median(medians),
    maxMs: slowest.ms,
    slowestFile: slowest.file,
  };
}
