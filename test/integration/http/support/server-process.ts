import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { childScript } from '../../../helpers/child-scripts.js';
import type { TestDatabase } from '../../../helpers/databases.js';
import { openTestSopflow } from '../../../helpers/sopflow.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** `server/main.ts` running in its own process, as `npm start` runs it (or prebuilt: helpers/child-scripts.ts). */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** The server's own process id, as it logs it (the child is npm when started through `npm start`). */
  pid: number;
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** Resolves at the first log line whose message matches. */
  logged(message: RegExp): Promise<void>;
}

/** Prepares a database for a server process: the customer inquiry SOP, and an agent's API token. */
export async function prepareDatabase(database: TestDatabase): Promise<{ token: string }> {
  const app = await openTestSopflow(database, { workflows: ['customer-inquiry'] });
  try {
    await app.users.add({ email: 'agent@sopflow.test', role: 'agent' });
    return { token: (await app.users.createToken('agent@sopflow.test')).token };
  } finally {
    await app.close();
  }
}

/** Starts the server on a port the system picks, and waits until it says where it listens. */
export async function startServerProcess(
  database: TestDatabase,
  { throughNpm = false, env: extra = {} as Record<string, string> } = {},
): Promise<ServerProcess> {
  const { NODE_OPTIONS: _, ...env } = process.env;
  // `npm start` runs the shipped command (tsx); otherwise the same sources, prebuilt (helpers/child-scripts.ts).
  const [command, args] = throughNpm ? ['npm', ['start', '--silent']] : [process.execPath, [childScript('server/main.ts')]];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...env, ...database.env, PORT: '0', LOG_LEVEL: 'info', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals);
  const lines: Array<{ msg?: string; url?: string; pid?: number }> = [];
  const waiting: Array<{ message: RegExp; resolve: () => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      const parsed = JSON.parse(line) as { msg?: string; url?: string; pid?: number };
      lines.push(parsed);
      for (const wait of waiting) if (wait.message.test(parsed.msg ?? '')) wait.resolve();
    }
  });
  const logged = (message: RegExp) =>
    lines.some((line) => message.test(line.msg ?? ''))
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiting.push({ message, resolve });
          void exited.then((code) => reject(new Error(`the server exited (${code}) before logging ${message}: ${stderr}`)));
        });
  await logged(/is listening/);
  const { url, pid } = lines.find((line) => line.url)! as { url: string; pid: number };
  return { url, pid, child, exited, logged };
}
