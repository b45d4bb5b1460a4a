import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A child process of the tests (the server, a scheduler) starts from the JavaScript global-setup built from
 * the sources this run, not through tsx: the same code, in about half the start-up time. The CLI runs in the
 * tests' own process (helpers/cli.ts). The shipped entry points themselves, `bin/sopflow.js` and `npm start`
 * (tsx), keep tests of their own (cli.test.ts, server-process.test.ts).
 *
 * @example
 * spawn(process.execPath, [childScript('server/main.ts')], …)
 */
export function childScript(source: string): string {
  const built = process.env.SOPFLOW_TEST_BUILD_DIR;
  if (!built) throw new Error('no SOPFLOW_TEST_BUILD_DIR: the child scripts are built by jest’s global-setup');
  return join(built, source.replace(/\.ts$/, '.js'));
}

/**
 * The workbook reader thread's module from the same build, for the tests' servers (`OpenOptions.workbookWorker`):
 * a thread then starts in about 0.1 s of CPU instead of 0.4 s with tsx, and the tests start dozens. The
 * readers' own tests (workbook-reader.test.ts) start theirs as the server does, through tsx.
 */
export function prebuiltWorkbookWorker(): URL {
  return pathToFileURL(childScript('server/services/execution-tables/excel/workbook-worker.ts'));
}

/**
 * A worker process on a test database that opens it, says so with one line, waits for `go` on stdin, does its
 * work and reports one JSON line (the scheduler and intake processes of the multi-process tests).
 */
export function goProcess<R>(script: string, database: { env: Record<string, string> }, env: Record<string, string>, name: string) {
  const { NODE_OPTIONS: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...inherited, ...database.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const read = (): Promise<string> => once(lines, 'line').then(([line]) => String(line));
  const exited = once(child, 'exit');
  return {
    ready: read(),
    async run(): Promise<R> {
      const report = read();
      child.stdin.end('go\n');
      const [code] = (await exited) as [number | null];
      if (code !== 0) throw new Error(`${name} exited with ${code}`);
      return JSON.parse(await report) as R;
    },
  };
}
