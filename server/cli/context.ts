import { readFile } from 'node:fs/promises';
import { AppError } from '../shared/errors.js';
import type { Clock } from '../shared/clock.js';
import { loadConfig, type Config } from '../shared/config.js';
import type { Sopflow } from '../sopflow.js';

type Output = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Where one run of the command writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
}

/** What a command's action needs of its run. */
export interface Cli {
  io: CliIo;
  out(line: string): void;
  err(line: string): void;
  /** The configuration of this run's environment, read when a command needs it so a bad setting is its error. */
  config(): Config;
}

export function cliOf(io: CliIo): Cli {
  return {
    io,
    out: (line) => io.stdout.write(`${line}\n`),
    err: (line) => io.stderr.write(`${line}\n`),
    config: () => loadConfig(io.env),
  };
}

/** A repeatable option's values, in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

export async function readSource(file: string): Promise<Buffer> {
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new AppError('not_found', `cannot read ${file}: ${error.code ?? String(error)}`);
  });
}

/** Runs one command against the configured database (migrated on open), and closes it afterwards. */
export async function withSopflow<T>(cli: Cli, work: (app: Sopflow) => Promise<T>, clock?: Clock): Promise<T> {
  const { openSopflow } = await import('../sopflow.js');
  // A command on its own clock is a simulation: its timers are its own, not a running server's.
  const app = await openSopflow(cli.config(), clock ? { clock, simulation: true } : {});
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
