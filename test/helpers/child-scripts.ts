import { join } from 'node:path';

/**
 * A child process of the tests (the CLI, the server, a scheduler) starts from the JavaScript global-setup
 * built from the sources this run, not through tsx: the same code, in about half the start-up time, which
 * the tests that start dozens of processes feel. The shipped entry points themselves, `bin/sopflow.js` and
 * `npm start` (tsx), keep tests of their own (cli.test.ts, server-process.test.ts).
 *
 * @example
 * spawn(process.execPath, [childScript('server/main.ts')], …)
 */
export function childScript(source: string): string {
  const built = process.env.SOPFLOW_TEST_BUILD_DIR;
  if (!built) throw new Error('no SOPFLOW_TEST_BUILD_DIR: the child scripts are built by jest’s global-setup');
  return join(built, source.replace(/\.ts$/, '.js'));
}
