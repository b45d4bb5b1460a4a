import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '../../../server/config.js';
import type { HttpServerCpu, HttpServerOptions, HttpServerReady, HttpServerRequest } from './http-server.js';
import { L1_PATH } from './ticket-path.js';

export interface HttpRun {
  perSec: number;
  /** CPU time the server process spent per answered request (robust where the CPUs are shared). */
  serverCpuMsPerRequest: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 2xx, connection errors and timeouts: a correct run has none. */
  failures: number;
}

export interface HttpFigures {
  trivial: HttpRun;
  advances: HttpRun;
  createsPerSec: number;
}

export interface HttpLoadPlan {
  connections: number;
  durationSec: number;
  /** Tickets opened in advance; each takes `L1_PATH.length` advancing requests. */
  tickets: number;
  /** The route that does (almost) nothing: the framework's ceiling on this server. */
  trivialPath: string;
}

const SERVER_ENTRY = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const WARM_UP_SEC = 1;

/** The V8 flags of `npm start` (package.json), so the measured server runs as a deployed one does. */
function serverNodeFlags(root: string): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((word) => /^--[\w-]+=/.test(word));
}

/**
 * The real HTTP app in a child process on loopback, loaded with autocannon from this one: first the trivial
 * route, then POST /api/tickets/:id/events, each request advancing a distinct ticket to its next step (all
 * tickets take their first event, then all their second, ...), so no request waits for another one's ticket.
 */
export async function measureHttp(root: string, database: DatabaseConfig, plan: HttpLoadPlan): Promise<HttpFigures> {
  const options: HttpServerOptions = { root, database, tickets: plan.tickets };
  // NOTE: the child inherits this process's `--import tsx`, which is how it runs TypeScript, and gets the
  // node flags `npm start` gives the server. BENCH_CHILD_ARGS adds more, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const execArgv = [...process.execArgv, ...serverNodeFlags(root), ...(process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean)];
  const child = fork(SERVER_ENTRY, [JSON.stringify(options)], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const ready = await firstMessage(child);
    if ('error' in ready) throw new Error(`the bench server did not start: ${ready.error}`);
    const url = `http://127.0.0.1:${ready.port}`;
    const base = { url, connections: plan.connections };
    await autocannon({ ...base, url: url + plan.trivialPath, duration: WARM_UP_SEC });
    let cpuBefore = await serverCpuMs(child);
    const trivial = summary(await autocannon({ ...base, url: url + plan.trivialPath, duration: plan.durationSec }), (await serverCpuMs(child)) - cpuBefore);

    const headers = { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' };
    const bodies = L1_PATH.map((event) => JSON.stringify(event));
    const ids = ready.ticketIds;
    let next = 0;
    cpuBefore = await serverCpuMs(child);
    const advancing = await autocannon({
      ...base,
      duration: plan.durationSec,
      maxOverallRequests: ids.length * L1_PATH.length,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const n = next++;
            return { ...request, method: 'POST', headers, path: `/api/tickets/${ids[n % ids.length]}/events`, body: bodies[Math.floor(n / ids.length) % bodies.length] };
          },
        },
      ],
    });
    const advances = summary(advancing, (await serverCpuMs(child)) - cpuBefore);
    return { trivial, advances, createsPerSec: ready.createsPerSec };
  } finally {
    if (child.exitCode === null) {
      child.send('stop' satisfies HttpServerRequest);
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (child.exitCode === null) child.kill();
    }
  }
}

function summary(result: autocannon.Result, serverCpuMs: number): HttpRun {
  return {
    perSec: result['2xx'] / result.duration,
    serverCpuMsPerRequest: serverCpuMs / Math.max(1, result['2xx'] + result.non2xx),
    requests: result['2xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

function serverCpuMs(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as HttpServerCpu).cpuMs));
    child.send('cpu' satisfies HttpServerRequest);
  });
}

function firstMessage(child: ChildProcess): Promise<HttpServerReady> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as HttpServerReady));
    child.once('exit', (code) => reject(new Error(`the bench server exited with ${code} before it listened`)));
  });
}
