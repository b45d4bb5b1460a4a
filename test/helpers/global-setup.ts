import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What a child process of the tests runs, besides `server/`: the scheduler and the intake the multi-process tests start twice. */
const CHILD_SCRIPTS = ['test/integration/runtime/support/scheduler-process.ts', 'test/integration/routing/support/intake-process.ts'];
/** Read at run time beside the code (views, SOPs, templates, static files) or imported by it (packages). */
const BESIDE = ['views', 'workflows', 'templates', 'public', 'node_modules'];
/** Where Debian's PostgreSQL puts its socket. */
const SOCKET_DIR = '/var/run/postgresql';

/**
 * The machine's server through its Unix socket where it has one, else on 127.0.0.1:5432. Over loopback TCP
 * each query cost the tests and the server more CPU (here 45 against 40 µs in the client for `SELECT 1`, and
 * about half again in the server): the PostgreSQL half of the tests sends a few hundred thousand.
 */
function defaultUrl(): string {
  return existsSync(join(SOCKET_DIR, '.s.PGSQL.5432'))
    ? `postgres://postgres@${encodeURIComponent(SOCKET_DIR)}/test`
    : 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * Runs once before any test file; workers inherit the environment it sets.
 * - Whether PostgreSQL answers. Where it does not, PostgreSQL tests skip with a message, except in CI
 *   (CI=true), where they fail.
 * - A directory and an id for this run: the database templates (test/helpers/templates.ts) are built there
 *   and the PostgreSQL schemas named after it, for global-teardown to remove.
 * - The JavaScript the tests' child processes run (test/helpers/child-scripts.ts).
 * NOTE: jest loads this file outside its module mapper, so it cannot import `./postgres.js` (a .ts file) as
 * the tests and the benchmark do: its own few lines ask the same question.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SOPFLOW_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'sopflow-run-'));
  process.env.SOPFLOW_TEST_RUN_ID = randomBytes(4).toString('hex');
  process.env.SOPFLOW_TEST_BUILD_DIR = await buildChildScripts(join(process.env.SOPFLOW_TEST_RUN_DIR, 'build'));
  const url = process.env.TEST_DATABASE_URL ?? defaultUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.SOPFLOW_TEST_PG_URL = url;
  } catch (error) {
    process.env.SOPFLOW_TEST_PG_DOWN = `${url}: ${(error as Error).message}`;
    process.stderr.write(
      `\n⚠ PostgreSQL is not reachable (${process.env.SOPFLOW_TEST_PG_DOWN}); its tests will be SKIPPED${process.env.CI ? ' — and fail, because CI=true' : ''}.\n\n`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `server/` as JavaScript, transformed by esbuild as tsx would transform it on the fly, in a tree that mirrors
 * the checkout (its folders of views, SOPs and packages linked beside it). A child process started from it
 * skips tsx's loader thread, about half of its start-up.
 */
async function buildChildScripts(out: string): Promise<string> {
  const sources = readdirSync(join(ROOT, 'server'), { recursive: true, encoding: 'utf8' }).map((file) => join('server', file));
  await build({
    absWorkingDir: ROOT,
    entryPoints: [...sources.filter((file) => file.endsWith('.ts')), ...CHILD_SCRIPTS],
    outdir: out,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20.12',
    logLevel: 'warning',
  });
  for (const file of sources.filter((name) => name.endsWith('.json'))) {
    mkdirSync(dirname(join(out, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(out, file));
  }
  for (const name of BESIDE) symlinkSync(join(ROOT, name), join(out, name));
  return out;
}
