/**
 * `npm run bench [-- --json] [-- --only engine[,other]]`: runs the benchmark sections and prints their
 * figures as a table, or with `--json` as exactly one JSON object on stdout (progress goes to stderr).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toJson, toTable } from './report.js';
import type { BenchContext, Figure } from './section.js';
import { sections } from './sections/index.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
  },
});

const wanted = (values.only ?? [])
  .flatMap((v) => v.split(','))
  .map((v) => v.trim())
  .filter(Boolean);
const unknown = wanted.filter((name) => !sections.some((s) => s.name === name));
if (unknown.length) {
  process.stderr.write(`unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

// NOTE: with --json, stdout must carry nothing but the result, whatever a library under test prints.
const stdoutWrite = process.stdout.write.bind(process.stdout);
if (values.json) console.log = console.info = console.error;

const context: BenchContext = {
  root: fileURLToPath(new URL('..', import.meta.url)),
  log: (message) => process.stderr.write(`${message}\n`),
};

const figures: Figure[] = [];
for (const section of sections) {
  if (wanted.length && !wanted.includes(section.name)) continue;
  context.log(`== ${section.name}: ${section.title}`);
  const started = performance.now();
  figures.push(...(await section.run(context)));
  context.log(`== ${section.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

stdoutWrite(`${values.json ? toJson(figures) : toTable(figures)}\n`);
