/**
 * The runtime section: SOPflow's durable ticket runtime on SQLite and on PostgreSQL in the same run. The
 * ceiling (raw commits of one UPDATE + one INSERT through the fastest binding, same durability), SOPflow
 * advances sequentially and from 32 concurrent callers, the real HTTP app under 50 connections beside its
 * trivial route, and 100,000 pending timers of which 10,000 fall due at once.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { atLeast, atMost, type BenchContext, type BenchSection, type Figure } from '../section.js';
import type { DatabaseConfig } from '../../server/shared/config.js';
import type { Sopflow } from '../../server/sopflow.js';
import { median, percentile } from '../stats.js';
import { createTickets, driveTickets, type Rate } from './runtime/advance-throughput.js';
// The PostgreSQL helpers are the tests' own: the bench uses the same server unless SOPFLOW_BENCH_PG_URL names another.
import { DEFAULT_PG_URL, dropSchema, postgresUnreachable } from '../../test/helpers/postgres.js';
import { BenchDatabases, freshSchemaName } from './runtime/bench-databases.js';
import { measureHttp, type HttpFigures, type HttpRun } from './runtime/http-load.js';
import { postgresDurability, postgresRawCommits, sqliteRawCommits } from './runtime/raw-commits.js';
import { PinnableClock, timerStorm, type TimerStormResult } from './runtime/timer-storm.js';
import { L1_PATH, openBenchSopflow, SOP_KEY } from './runtime/ticket-path.js';

const RAW_COMMIT_MS = 2_000;
/** The product's PostgreSQL pool size: the ceiling with as many connections committing side by side. */
const PG_POOL_CLIENTS = 10;
const TICKETS = 5_000;
const CONCURRENT_CALLERS = 32;
const CREATING_CALLERS = 32;
/** The sequential caller drives its own, smaller set of tickets: at one commit per advance it would take minutes. */
const SEQUENTIAL_TICKETS = 400;
// NOTE: time boxes keep the section within ~3 minutes on a slow disk or a loaded machine; the figure notes
// say how much of the planned work a box cut off.
const SEQUENTIAL_LIMIT_MS = 4_000;
const CONCURRENT_LIMIT_MS = 10_000;
// NOTE: 1,500 tickets (7,500 advances) outlast a 2-s round at the ~2,000 advances/s seen here.
const HTTP = { connections: 32, rounds: 3, roundSec: 2, ticketsPerRound: 1_500, trivialPath: '/healthz' };
const STORM = { timers: 100_000, dueTogether: 10_000, timeoutMs: 45_000 };

const BARS = {
  concurrentShareOfRawPct: 50,
  httpShareOfTrivialPct: 75,
  httpP99Ms: 50,
  timerP99Ms: 2_000,
};

type Db = 'sqlite' | 'pg';

/** Linux's CPU pressure (share of the last minute some task waited for a CPU), where the kernel tells it. */
function cpuPressure(): string {
  try {
    const avg60 = /some avg10=[\d.]+ avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    return avg60 ? `, CPU pressure ${avg60}%` : '';
  } catch {
    return '';
  }
}

export const runtimeSection: BenchSection = {
  name: 'runtime',
  title: 'durable runtime on SQLite and PostgreSQL: commit ceiling, advances, HTTP, timers',
  run: async (context) => {
    const pgUrl = process.env.SOPFLOW_BENCH_PG_URL ?? DEFAULT_PG_URL;
    const pgDown = await postgresUnreachable(pgUrl);
    const load = () => `load average ${loadavg()[0]!.toFixed(1)}${cpuPressure()}`;
    context.log(`${load()} at the start: the bench shares this machine's CPUs and disk with whatever else runs`);
    const databases = new BenchDatabases(pgUrl);
    try {
      const figures = await figuresFor('sqlite', context, databases);
      if (pgDown) {
        context.log(`PostgreSQL SKIPPED: not reachable at ${pgUrl} (${pgDown}); set SOPFLOW_BENCH_PG_URL to measure it`);
        figures.push({ name: 'runtime.pg.skipped', value: 1, unit: '', note: `SKIPPED: PostgreSQL not reachable at ${pgUrl} (${pgDown})` });
      } else {
        figures.push(...(await figuresFor('pg', context, databases)));
      }
      figures.push({
        name: 'runtime.loadAverage',
        value: loadavg()[0]!,
        unit: '',
        note: `1-min load average at the end${cpuPressure()}: other work on the machine lowers every rate (not the µs CPU figures)`,
      });
      context.log(`${load()} at the end`);
      return figures;
    } finally {
      await databases.dropAll();
    }
  },
};

async function figuresFor(db: Db, context: BenchContext, databases: BenchDatabases): Promise<Figure[]> {
  const prefix = `runtime.${db}`;
  const label = db === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const fresh = (name: string): DatabaseConfig => (db === 'sqlite' ? databases.sqlite(name) : databases.pg()).config;
  const ceiling = new Ceiling(db, databases);

  // (1) The ceiling, sampled before, between and after the advance runs: disk and CPU contention drift.
  await ceiling.sample();
  const figures: Figure[] = [await ceiling.secondary()];

  // (2) SOPflow advances.
  const app = await openBenchSopflow(context.root, fresh('advances'));
  let sequential: Drive;
  let concurrent: Drive;
  try {
    const created = await createTickets(app, 0, TICKETS + SEQUENTIAL_TICKETS, CREATING_CALLERS);
    context.log(`${label}: ${created.ids.length} tickets created at ${Math.round(created.rate.perSec)}/s`);
    figures.push({
      name: `${prefix}.createsPerSec`,
      value: created.rate.perSec,
      unit: 'tickets/s',
      note: `${created.ids.length} ${SOP_KEY} tickets via TicketRuntime.create, ${CREATING_CALLERS} callers (not in the advance figures)`,
    });
    sequential = await drive(app, created.ids.slice(0, SEQUENTIAL_TICKETS), 1, SEQUENTIAL_LIMIT_MS);
    context.log(`${label}: ${Math.round(sequential.perSec)} advances/s from one caller`);
    await ceiling.sample();
    concurrent = await drive(app, created.ids.slice(SEQUENTIAL_TICKETS), CONCURRENT_CALLERS, CONCURRENT_LIMIT_MS);
    context.log(`${label}: ${Math.round(concurrent.perSec)} advances/s from ${CONCURRENT_CALLERS} callers`);
  } finally {
    await app.close();
  }
  await ceiling.sample();
  const raw = ceiling.median();
  context.log(`${label} raw commits: ${ceiling.samples.map(Math.round).join(' / ')}/s, median ${Math.round(raw)}/s`);
  const concurrentShare = (concurrent.perSec / raw) * 100;
  figures.unshift({ name: `${prefix}.rawCommitsPerSec`, value: raw, unit: 'commits/s', note: ceiling.note() });
  figures.push(
    {
      name: `${prefix}.sequentialAdvancesPerSec`,
      value: sequential.perSec,
      unit: 'advances/s',
      note: `one caller, fixed L1 path (${L1_PATH.length} events + creation = 6 steps a ticket); ${sequential.note}`,
    },
    {
      name: `${prefix}.concurrentAdvancesPerSec`,
      value: concurrent.perSec,
      unit: 'advances/s',
      note: `${CONCURRENT_CALLERS} callers, each its own tickets, ${TICKETS} tickets; ${concurrent.note}`,
    },
    {
      name: `${prefix}.sequentialShareOfRawPct`,
      value: (sequential.perSec / raw) * 100,
      unit: '%',
      note: 'sequential advances ÷ raw commits (same durability)',
    },
    {
      name: `${prefix}.concurrentShareOfRawPct`,
      value: concurrentShare,
      unit: '%',
      note: 'concurrent advances ÷ raw commits (same durability)',
      ...(db === 'sqlite' ? { bar: atLeast(concurrentShare, BARS.concurrentShareOfRawPct, '%') } : {}),
    },
    {
      name: `${prefix}.sequentialCpuUsPerAdvance`,
      value: sequential.cpuUsPerAdvance,
      unit: 'µs CPU',
      note: 'CPU time of the bench process per advance, one caller',
    },
    {
      name: `${prefix}.concurrentCpuUsPerAdvance`,
      value: concurrent.cpuUsPerAdvance,
      unit: 'µs CPU',
      note: `CPU time per advance, ${CONCURRENT_CALLERS} callers: ${Math.round(1e6 / concurrent.cpuUsPerAdvance)} advances/s on one free core`,
    },
  );

  // (3) HTTP.
  const http = await measureHttp(context.root, fresh('http'), HTTP);
  for (const [i, { trivial, advances }] of http.rounds.entries()) {
    context.log(
      `${label} HTTP round ${i + 1}: ${Math.round(trivial.perSec)} req/s on ${HTTP.trivialPath}, ${Math.round(advances.perSec)} advances/s (${Math.round((advances.perSec / trivial.perSec) * 100)}%, p50 ${advances.p50Ms} ms, p99 ${advances.p99Ms} ms)`,
    );
  }
  figures.push(...httpFigures(prefix, db, http));

  // (4) The timer storm, on the real clock.
  const clock = new PinnableClock();
  const timersApp = await openBenchSopflow(context.root, fresh('timers'), clock);
  let storm: TimerStormResult;
  try {
    storm = await timerStorm(timersApp, clock, STORM, context.log);
  } finally {
    await timersApp.close();
  }
  context.log(`${label} timers: ${storm.fired}/${storm.due} fired, p99 lateness ${storm.latenessP99Ms} ms, duplicates ${storm.duplicates}`);
  figures.push(...timerFigures(prefix, db, storm));
  return figures;
}

interface Drive extends Rate {
  cpuUsPerAdvance: number;
  note: string;
}

async function drive(app: Sopflow, ids: number[], callers: number, limitMs: number): Promise<Drive> {
  const cpu = process.cpuUsage();
  const result = await driveTickets(app, ids, callers, limitMs);
  const { user, system } = process.cpuUsage(cpu);
  const planned = ids.length * L1_PATH.length;
  return {
    ...result,
    cpuUsPerAdvance: (user + system) / Math.max(1, result.count),
    note: result.count < planned ? `${result.count} of ${planned} advances before the ${limitMs / 1000} s box closed` : `all ${result.count} advances`,
  };
}

/**
 * The raw commit rate through the fastest binding with the product's durability: SQLite WAL +
 * synchronous=FULL through better-sqlite3, PostgreSQL through one `pg` client. Sampled several times;
 * the median is the ceiling. `secondary` measures the other setting worth knowing once: SQLite with
 * synchronous=NORMAL, PostgreSQL from as many clients as SOPflow's pool.
 */
class Ceiling {
  readonly samples: number[] = [];
  private durability = '';

  constructor(
    private readonly db: Db,
    private readonly databases: BenchDatabases,
  ) {}

  async sample(): Promise<void> {
    this.samples.push(
      this.db === 'sqlite' ? sqliteRawCommits(this.databases.sqliteFile('raw-full'), 'FULL', RAW_COMMIT_MS).perSec : (await this.postgres(1)).perSec,
    );
  }

  median(): number {
    return median(this.samples);
  }

  note(): string {
    const samples = `median of ${this.samples.length} ${RAW_COMMIT_MS / 1000}-s samples (${this.samples.map(Math.round).join(' / ')}) around the advance runs`;
    if (this.db === 'sqlite')
      return `better-sqlite3 alone, WAL, synchronous=FULL (the product default), UPDATE + INSERT of ~1 KB rows per transaction; ${samples}`;
    return `pg Client alone, one connection, prepared UPDATE + INSERT of ~1 KB rows; server as SOPflow runs it (${this.durability}); ${samples}`;
  }

  async secondary(): Promise<Figure> {
    const prefix = `runtime.${this.db}`;
    if (this.db === 'sqlite') {
      const normal = sqliteRawCommits(this.databases.sqliteFile('raw-normal'), 'NORMAL', RAW_COMMIT_MS);
      return {
        name: `${prefix}.rawCommitsPerSecNormal`,
        value: normal.perSec,
        unit: 'commits/s',
        note: 'the same with synchronous=NORMAL (survives a process crash, not a power cut)',
      };
    }
    this.durability = await postgresDurability(this.databases.pgUrl);
    const pool = await this.postgres(PG_POOL_CLIENTS);
    return {
      name: `${prefix}.rawCommitsPerSecPool`,
      value: pool.perSec,
      unit: 'commits/s',
      note: `the same from ${PG_POOL_CLIENTS} connections at once (SOPflow's pool size)`,
    };
  }

  private async postgres(clients: number): Promise<Rate> {
    const schema = freshSchemaName();
    try {
      const rate = await postgresRawCommits(this.databases.pgUrl, schema, clients, RAW_COMMIT_MS);
      return { count: rate.commits, elapsedMs: rate.elapsedMs, perSec: rate.perSec };
    } finally {
      await dropSchema(this.databases.pgUrl, schema);
    }
  }
}

function httpFigures(prefix: string, db: Db, http: HttpFigures): Figure[] {
  const { rounds } = http;
  const trivial = rounds.map((r) => r.trivial);
  const advances = rounds.map((r) => r.advances);
  const mid = (runs: HttpRun[], figure: (run: HttpRun) => number) => median(runs.map(figure));
  const list = (values: number[]) => values.map(Math.round).join(' / ');
  const shares = rounds.map((r) => (r.advances.perSec / r.trivial.perSec) * 100);
  const share = median(shares);
  const latencies = advances.flatMap((r) => r.latenciesMs);
  const p99 = percentile(latencies, 0.99);
  const failures = [...trivial, ...advances].reduce((sum, r) => sum + r.failures, 0);
  const sqliteBar = <T>(bar: T) => (db === 'sqlite' ? { bar } : {});
  const load = `${HTTP.connections} connections, autocannon on loopback, server in its own process; ${HTTP.rounds} rounds of ${HTTP.roundSec} s on each route, alternating, every step of the path alike; warm-up rounds before, not counted`;
  return [
    {
      name: `${prefix}.http.trivialPerSec`,
      value: mid(trivial, (r) => r.perSec),
      unit: 'req/s',
      note: `GET ${HTTP.trivialPath} (answers after a select 1), median of rounds (${list(trivial.map((r) => r.perSec))}); ${load}`,
    },
    {
      name: `${prefix}.http.trivialP99Ms`,
      value: percentile(
        trivial.flatMap((r) => r.latenciesMs),
        0.99,
      ),
      unit: 'ms',
      note: 'all measured trivial requests',
    },
    {
      name: `${prefix}.http.trivialServerCpuUs`,
      value: mid(trivial, (r) => r.serverCpuMsPerRequest * 1000),
      unit: 'µs CPU',
      note: 'server process CPU time per trivial request, median of rounds',
    },
    {
      name: `${prefix}.http.advancesPerSec`,
      value: mid(advances, (r) => r.perSec),
      unit: 'advances/s',
      note: `POST /api/tickets/:id/events, each on a distinct pre-created ticket, median of rounds (${list(advances.map((r) => r.perSec))}); ${advances.reduce((sum, r) => sum + r.requests, 0)} advances`,
    },
    {
      name: `${prefix}.http.shareOfTrivialPct`,
      value: share,
      unit: '%',
      note: `HTTP advances ÷ the trivial route of the same round, median of rounds (${list(shares)})`,
      ...sqliteBar(atLeast(share, BARS.httpShareOfTrivialPct, '%')),
    },
    {
      name: `${prefix}.http.advanceServerCpuUs`,
      value: mid(advances, (r) => r.serverCpuMsPerRequest * 1000),
      unit: 'µs CPU',
      note: 'server process CPU time per advance request, median of rounds',
    },
    { name: `${prefix}.http.advanceP50Ms`, value: percentile(latencies, 0.5), unit: 'ms', note: 'all measured advances' },
    {
      name: `${prefix}.http.advanceP99Ms`,
      value: p99,
      unit: 'ms',
      note: `all ${latencies.length} measured advances (rounds: ${list(advances.map((r) => r.p99Ms))})`,
      ...sqliteBar(lessThan(p99, BARS.httpP99Ms, ' ms')),
    },
    { name: `${prefix}.http.failures`, value: failures, unit: 'requests', note: 'non-2xx answers, connection errors and timeouts', bar: atMost(failures, 0) },
    { name: `${prefix}.http.createsPerSec`, value: http.createsPerSec, unit: 'tickets/s', note: 'the tickets opened before the load, via the runtime' },
  ];
}

function timerFigures(prefix: string, db: Db, storm: TimerStormResult): Figure[] {
  const missed = storm.due - Math.min(storm.fired, storm.due);
  return [
    {
      name: `${prefix}.timers.latenessP99Ms`,
      value: storm.latenessP99Ms,
      unit: 'ms',
      note: `fired_at − due_at of ${storm.fired} timers; ${storm.pending} pending, ${storm.due} due at one instant; SOPflow's scheduler (defaults) on the real clock`,
      ...(db === 'sqlite' ? { bar: lessThan(storm.latenessP99Ms, BARS.timerP99Ms, ' ms') } : {}),
    },
    { name: `${prefix}.timers.latenessP50Ms`, value: storm.latenessP50Ms, unit: 'ms' },
    { name: `${prefix}.timers.durableP99Ms`, value: storm.durableP99Ms, unit: 'ms', note: 'due instant → fireTimers resolved (its transaction committed)' },
    { name: `${prefix}.timers.drainMs`, value: storm.drainMs, unit: 'ms', note: 'due instant → last of them fired' },
    {
      name: `${prefix}.timers.cpuUsPerFire`,
      value: storm.cpuMsPerFire * 1000,
      unit: 'µs CPU',
      note: 'CPU time of the process per timer fired, while the scheduler ran',
    },
    {
      name: `${prefix}.timers.duplicates`,
      value: storm.duplicates,
      unit: 'timers',
      note: 'acknowledged fired twice + tickets notified twice',
      bar: atMost(storm.duplicates, 0),
    },
    { name: `${prefix}.timers.missed`, value: missed, unit: 'timers', note: `due timers not fired within ${STORM.timeoutMs / 1000} s`, bar: atMost(missed, 0) },
    {
      name: `${prefix}.timers.seedMs`,
      value: storm.seedMs,
      unit: 'ms',
      note: 'bulk insert of the tickets, step-log rows and timers (clones of runtime-created tickets), then ANALYZE',
    },
  ];
}

/** A bar for "below `max`" (the "p99 < 100 ms"). */
function lessThan(value: number, max: number, unit = ''): { label: string; pass: boolean } {
  return { label: `< ${max}${unit}`, pass: value < max };
}
