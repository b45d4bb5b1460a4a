import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { WorkflowLibrary } from './workflow-library.js';

/** The folder of the SOPs that ship with SOPflow (`workflows/` of the checkout). */
export const BUILT_IN_DIR = new URL('../../../workflows/', import.meta.url);
export const BUILT_IN_PUBLISHER = 'sopflow (built-in)';

export interface BuiltInLoad {
  /** Keys published now: new, or a later version of a shipped file. */
  published: string[];
  /** Keys whose shipped file was loaded before (as any version): left as they are. */
  unchanged: string[];
}

/**
 * Publishes the shipped SOPs a database does not have yet: on the first start all of them, after an
 * upgrade a shipped file that changed (as the next version). A file already published once is never
 * published again, so a manager's later version of a built-in SOP stays the latest.
 */
export async function loadBuiltInWorkflows(library: WorkflowLibrary, dir: URL = BUILT_IN_DIR): Promise<BuiltInLoad> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.bpmn')).sort();
  // Every checksum ever published, read once: a start compiles only a shipped file the database never had.
  const known = new Map<string, string>();
  for (const { key } of await library.list()) for (const version of await library.versions(key)) known.set(version.checksum, key);
  const result: BuiltInLoad = { published: [], unchanged: [] };
  for (const file of files) {
    const source = await readFile(new URL(file, dir));
    const seen = known.get(createHash('sha256').update(source).digest('hex'));
    if (seen !== undefined) {
      result.unchanged.push(seen);
      continue;
    }
    const { version } = await library.import(source, BUILT_IN_PUBLISHER);
    result.published.push(version.key);
  }
  return result;
}
