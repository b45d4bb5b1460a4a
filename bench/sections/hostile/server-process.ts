/**
 * The real server, `server/main.ts` as `npm start` runs it (the start script's node flags), in a process of
 * its own on an ephemeral port with default settings but the database: a SQLite file the bench prepared.
 * It can be killed and started again on the same file when a hostile input killed or froze it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startCommand } from '../../start-command.js';

const START_TIMEOUT_MS = 60_000;
const STDERR_TAIL = 2_000;

export class ServerProcess {
  private child: ChildProcess | undefined;
  private stderrTail = '';
  /** Why the current process ended, once it has. */
  exit: string | undefined;
  base = '';
  pid = 0;
  starts = 0;

  constructor(
    private readonly root: string,
    private readonly sqliteFile: string,
    private readonly env: Record<string, string>,
  ) {}

  get alive(): boolean {
    return this.child !== undefined && this.exit === undefined;
  }

  /** Starts the server and resolves once it logged the address it listens on. */
  async start(): Promise<void> {
    const { flags, script } = startCommand();
    this.exit = undefined;
    this.stderrTail = '';
    const child = spawn(process.execPath, [...flags, script], {
      cwd: this.root,
      env: { ...process.env, ...this.env, PORT: '0', DATABASE_URL: `sqlite:${this.sqliteFile}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    });
    child.on('exit', (code, signal) => {
      this.exit = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    const lines = createInterface({ input: child.stdout! });
    // Request logs keep coming: every line is read (so the pipe never fills) and dropped.
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      lines.on('line', (line) => {
        const url = /"url":"http:\/\/[^":]+:(\d+)"/.exec(line);
        if (url) {
          clearTimeout(timer);
          resolve(Number(url[1]));
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the server exited on start (${this.exit}): ${this.why()}`));
      });
    });
    this.pid = child.pid!;
    this.base = `http://127.0.0.1:${port}`;
  }

  /** The end of what the process wrote on stderr: where node says why it died. */
  why(): string {
    const lines = this.stderrTail.trim().split('\n').filter(Boolean);
    return (lines.find((line) => /FATAL ERROR|out of memory|RangeError|Error:/.test(line)) ?? lines.at(-1) ?? '').trim().slice(0, 160);
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exit !== undefined) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM (the server's graceful stop), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exit !== undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Resident memory of the server process in bytes, from /proc; undefined once it is gone. */
  rss(): number | undefined {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}
