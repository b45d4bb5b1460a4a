import { readFileSync } from 'node:fs';

const PACKAGE = new URL('../package.json', import.meta.url);

/**
 * `npm start` as package.json says it (`exec node <flags> <script>`): the node flags, `--import tsx` among them,
 * and the script. Read, not copied, so every server process the bench starts runs as the deployed server does.
 */
export function startCommand(): { flags: string[]; script: string } {
  const start = (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const all = start.split(/\s+/);
  const words = all.slice(all.indexOf('node') + 1);
  const script = words.find((word) => word.endsWith('.ts'));
  if (!script) throw new Error(`the start script "${start}" names no .ts entry point`);
  return { flags: words.filter((word) => word !== script), script };
}
