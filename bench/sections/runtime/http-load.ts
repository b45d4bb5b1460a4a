import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '../../../server/shared/config.js';
import type { HttpServerCpu, HttpServerOptions, HttpServerReady, HttpServerRequest } from './http-server.js';
import { startCommand } from '../../start-command.js';
import { L1_PATH } from './ticket-path.js';

/** One stretch of load on one route. */
export interface HttpRun {
  perSec: number;
  /** CPU time the server process spent per answered request (robust where the CPUs are shared). */
  serverCpuMsPerRequest: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** The latency of every 2xx answer, so percentiles can be taken over several rounds together. */
  latenciesMs: number[];
  /** Answers other than 2xx, connection errors and timeouts: a correct run has none. */
  failures: number;
}

/** A round: the trivial route, then advances, back to back, so both meet the same machine. */
export interface HttpRound {
  trivial: HttpRun;
  advances: HttpRun;
}

export interface HttpFigures {
  rounds: HttpRound[];
  createsPerSec: number;
}

export interface HttpLoadPlan {
  connections: number;
  rounds: number;
  /** Seconds of load on each route in each round. */
  roundSec: number;
  /** Tickets opened in advance for each round: more than a round can start, each taking `L1_PATH.length` advances. */
  ticketsPerRound: number;
  /** The route that does (almost) nothing: the framework's ceiling on this server. */
  trivialPath: string;
}

const SERVER_ENTRY = fileURLToPath(new URL('./http-server.ts', import.meta.url));
/** Rounds run first and not counted: V8 compiles the advance path's code over the first few thousand requests. */
const WARM_UP_ROUNDS = 2;

/**
 * The real HTTP app in a child process on loopback, loaded with autocannon from this one, in rounds of the
 * trivial route then advances: the machine's speed drifts by tens of percent over seconds here, and a ratio is
 * only fair between neighbours. The first rounds warm the server up and are not counted.
 */
export async function measureHttp(root: string, database: DatabaseConfig, plan: HttpLoadPlan): Promise<HttpFigures> {
  const rounds = WARM_UP_ROUNDS + plan.rounds;
  const options: HttpServerOptions = { root, database, tickets: rounds * plan.ticketsPerRound };
  // NOTE: the child runs with the node flags `npm start` gives the server (`--import tsx` among them). BENCH_CHILD_ARGS
  // adds more, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const execArgv = [...startCommand().flags, ...(process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean)];
  const child = fork(SERVER_ENTRY, [JSON.stringify(options)], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const ready = await firstMessage(child);
    if ('error' in ready) throw new Error(`the bench server did not start: ${ready.error}`);
    const base = { url: `http://127.0.0.1:${ready.port}`, connections: plan.connections };
    const trivial = (durationSec: number) => start({ ...base, url: base.url + plan.trivialPath, duration: durationSec });
    const advance = advanceLoad(base, ready.token);

    const measuredRounds: HttpRound[] = [];
    for (let round = 0; round < rounds; round++) {
      const ids = ready.ticketIds.slice(round * plan.ticketsPerRound, (round + 1) * plan.ticketsPerRound);
      const measuredRound = { trivial: await measure(child, () => trivial(plan.roundSec)), advances: await measure(child, () => advance(ids, plan.roundSec)) };
      if (round >= WARM_UP_ROUNDS) measuredRounds.push(measuredRound);
    }
    return { rounds: measuredRounds, createsPerSec: ready.createsPerSec };
  } finally {
    if (child.exitCode === null) {
      child.send('stop' satisfies HttpServerRequest);
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (child.exitCode === null) child.kill();
    }
  }
}

/**
 * POST /api/tickets/:id/events for `durationSec`, each connection as an agent taking the next ticket of
 * `ids` along its whole path, one request after the other: no request waits for another connection's
 * ticket, none is sent before its ticket's previous step is answered, and every step is measured alike.
 */
function advanceLoad(base: { url: string; connections: number }, token: string): (ids: readonly number[], durationSec: number) => Load {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return (ids, durationSec) => {
    let taken = 0;
    return start({
      ...base,
      duration: durationSec,
      // autocannon gives each connection a fresh context whenever it starts the list of requests again.
      requests: L1_PATH.map((event, step) => ({
        method: 'POST',
        setupRequest: (request, context: { ticket?: number }) => {
          if (step === 0) {
            if (taken === ids.length) throw new Error(`the ${ids.length} tickets of the round ran out: open more`);
            context.ticket = ids[taken++];
          }
          return { ...request, method: 'POST', headers, path: `/api/tickets/${context.ticket}/events`, body: JSON.stringify(event) };
        },
      })),
    });
  };
}

/** A load running, and its result once it is over. */
interface Load {
  instance: autocannon.Instance;
  result: Promise<autocannon.Result>;
}

function start(options: autocannon.Options): Load {
  let instance!: autocannon.Instance;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (error, done) => (error ? reject(error as Error) : resolve(done)));
  });
  return { instance, result };
}

async function measure(child: ChildProcess, load: () => Load): Promise<HttpRun> {
  const cpuBefore = await serverCpuMs(child);
  const latenciesMs: number[] = [];
  const running = load();
  running.instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
  });
  const result = await running.result;
  const serverCpu = (await serverCpuMs(child)) - cpuBefore;
  return {
    perSec: result['2xx'] / result.duration,
    serverCpuMsPerRequest: serverCpu / Math.max(1, result['2xx'] + result.non2xx),
    requests: result['2xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    latenciesMs,
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
