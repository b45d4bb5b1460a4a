import { Writable } from 'node:stream';
import { runCli } from '../../server/cli/run.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it; its writes complete at once, so it holds everything when runCli returns. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * `sopflow …` run in this process (runCli), as an operator runs it: the test's environment plus `env` (a test
 * database's, settings). Each run opens and closes its own app, apart from any server the test started.
 */
export async function sopflow(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(args, { stdout: stdout.stream, stderr: stderr.stream, env: { ...process.env, ...env } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
