// `npm test`: the type check, the linter and the formatting check run beside jest instead of before it. Jest
// waits on PostgreSQL, child processes and the browser for much of its run; the checks fill that time, at a
// lower priority so the tests come first. Every step runs to its end; any failure fails the whole. Arguments
// go to jest (`npm test -- test/unit`).
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };

/** Runs one step; a check's output is kept for the end, jest's goes straight to the terminal. */
function step(name, command, args, { live = false, extraEnv = {}, nice = 0 } = {}) {
  const started = Date.now();
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  if (nice) setPriority(child.pid, nice);
  let output = '';
  if (!live) for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 }));
  });
}

const results = await Promise.all([
  // Young-generation semispaces as the server's: the tests allocate fast, and fewer scavenges save a tenth of their CPU.
  step('jest', 'jest', process.argv.slice(2), { live: true, extraEnv: { NODE_OPTIONS: '--experimental-vm-modules --max-semi-space-size=32' } }),
  step('tsc+eslint', process.execPath, [join(root, 'test', 'type-check-and-lint.mjs')], { nice: 10 }),
  step('prettier', 'prettier', ['--check', '.', '--log-level', 'warn'], { nice: 10 }),
]);
for (const { name, code, output } of results)
  if (code !== 0 || output.trim()) process.stderr.write(`\n── ${name} ${code === 0 ? 'passed' : 'FAILED'} ──\n${output}`);
process.stderr.write(`\n${results.map(({ name, code, seconds }) => `${name} ${code === 0 ? 'ok' : 'FAILED'} ${seconds.toFixed(0)} s`).join(' · ')}\n`);
process.exit(results.some(({ code }) => code !== 0) ? 1 : 0);
