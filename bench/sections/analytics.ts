/**
 * The analytics section (issue 15): 100,000 tickets and 1,000,000 step-log rows over a year, made by
 * `bench/analytics-data.ts` in a fresh SQLite file and a fresh PostgreSQL schema, then measured on the loaded
 * database by each of `MEASURES`: the dashboard and the before/after through the metric engine, and the
 * event-log export (XES and CSV over the real HTTP route, to a null sink: its rate and the server's memory
 * growth). A measure added there runs on both databases with the same data.
 *
 * With SOPFLOW_BENCH_10M=1, PostgreSQL's million rows are then copied nine times over in the database
 * (`replicateHistory`: INSERT … SELECT over generate_series, durations scaled 0.9–1.1 a copy), the rollups
 * rebuilt, and the dashboard measured again at 10,000,000 step-log rows and 1,000,000 tickets (bar: 1 s).
 * Opt-in: the copy, its indexes and the rollup rebuild take five minutes or so.
 */
import { loadavg } from 'node:os';
import { generateAnalyticsData, type AnalyticsData } from '../analytics-data.js';
import { atLeast, atMost, type BenchContext, type BenchSection, type Figure } from '../section.js';
import { median } from '../stats.js';
import type { DatabaseConfig } from '../../server/shared/config.js';
import { finishHistoryLoad, replicateHistory } from '../../server/data/analytics/bulk-history.js';
import { openSopflow } from '../../server/sopflow.js';
import { DEFAULT_PG_URL, postgresUnreachable } from '../../test/helpers/postgres.js';
import { dashboardFigures, measureDashboard } from './analytics/dashboard.js';
import { measureEventLogExport, type ExportMeasurement } from './analytics/event-log-export.js';
import { BenchDatabases } from './runtime/bench-databases.js';
import { benchConfig } from './runtime/ticket-path.js';

const DATA = { tickets: 100_000, stepRows: 1_000_000, from: Date.parse('2025-12-01T00:00:00Z'), spanMs: 365 * 24 * 3_600_000 };
const BARS = { eventsPerSec: 100_000, growthMB: 100, dashboard10mMs: 1_000 };
/** The ten-million-row case: the loaded million copied this many times more. */
const COPIES = 9;
const MB = 1024 * 1024;
/** Exports of each format measured on each database. */
const EXPORT_RUNS = 3;

type Db = 'sqlite' | 'pg';

/** What a measure gets: the loaded database (closed: a measure opens what it needs) and what was written. */
export interface LoadedDatabase {
  db: Db;
  label: string;
  config: DatabaseConfig;
  data: AnalyticsData;
  context: BenchContext;
}

/** One measurement on the loaded database; its figures are named `analytics.<db>.…`. */
export type LoadedMeasure = (loaded: LoadedDatabase) => Promise<Figure[]>;

const MEASURES: LoadedMeasure[] = [dashboardFigures, eventLogFigures];

export const analyticsSection: BenchSection = {
  name: 'analytics',
  title: 'analytics on 100,000 tickets and 1,000,000 step-log rows, SQLite and PostgreSQL: dashboard, before/after, event-log export',
  run: async (context) => {
    const pgUrl = process.env.SOPFLOW_BENCH_PG_URL ?? DEFAULT_PG_URL;
    const pgDown = await postgresUnreachable(pgUrl);
    const databases = new BenchDatabases(pgUrl);
    try {
      const figures = await figuresFor('sqlite', databases.sqlite('analytics', 'NORMAL').config, context);
      if (pgDown) {
        context.log(`PostgreSQL SKIPPED: not reachable at ${pgUrl} (${pgDown}); set SOPFLOW_BENCH_PG_URL to measure it`);
        figures.push({ name: 'analytics.pg.skipped', value: 1, unit: '', note: `SKIPPED: PostgreSQL not reachable at ${pgUrl} (${pgDown})` });
      } else {
        const pg = databases.pg().config;
        figures.push(...(await figuresFor('pg', pg, context)));
        if (process.env.SOPFLOW_BENCH_10M === '1') figures.push(...(await tenMillion(pg, context)));
        else context.log('PostgreSQL at 10,000,000 step-log rows: set SOPFLOW_BENCH_10M=1 to measure it (about five minutes more)');
      }
      figures.push({
        name: 'analytics.loadAverage',
        value: loadavg()[0]!,
        unit: '',
        note: '1-min load average at the end: other work on the machine lowers every rate',
      });
      return figures;
    } finally {
      await databases.dropAll();
    }
  },
};

async function figuresFor(db: Db, config: DatabaseConfig, context: BenchContext): Promise<Figure[]> {
  const label = db === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const app = await openSopflow(benchConfig(config));
  let data: AnalyticsData;
  try {
    data = await generateAnalyticsData(app, context.root, { ...DATA, log: (message) => context.log(`${label} ${message}`) });
  } finally {
    await app.close();
  }
  context.log(`${label}: ${data.tickets} tickets (${data.openTickets} open), ${data.stepRows} step-log rows in ${(data.generationMs / 1000).toFixed(1)} s`);
  const figures: Figure[] = [
    {
      name: `analytics.${db}.generateSec`,
      value: data.generationMs / 1000,
      unit: 's',
      note: `${data.tickets.toLocaleString('en')} tickets (${data.openTickets.toLocaleString('en')} open, ${Object.entries(data.byWorkflow)
        .map(([key, n]) => `${key} ${n}`)
        .join(
          ', ',
        )}), ${data.stepRows.toLocaleString('en')} step-log rows: engine walks of the built-in SOPs, bulk load, rollups rebuilt, ANALYZE (VACUUM ANALYZE on PostgreSQL)`,
    },
  ];
  for (const measure of MEASURES) figures.push(...(await measure({ db, label, config, data, context })));
  return figures;
}

/** The loaded PostgreSQL database copied to ten times its size, then its dashboard measured. */
async function tenMillion(config: DatabaseConfig, context: BenchContext): Promise<Figure[]> {
  const started = performance.now();
  const app = await openSopflow(benchConfig(config));
  let rows: number;
  try {
    context.log(`PostgreSQL 10M: copying ${DATA.tickets.toLocaleString('en')} tickets and their step log ${COPIES} times`);
    await replicateHistory(app.db, { copies: COPIES, lastId: DATA.tickets, shiftMs: 60_000 });
    context.log(`PostgreSQL 10M: copied in ${((performance.now() - started) / 1000).toFixed(0)} s; rebuilding the rollups, VACUUM ANALYZE`);
    await finishHistoryLoad(app.db, app.clock.now());
    const [{ n }] = (await app.db.knex('step_log').count({ n: '*' })) as [{ n: number | string }];
    rows = Number(n);
  } finally {
    await app.close();
  }
  const seconds = (performance.now() - started) / 1000;
  context.log(`PostgreSQL 10M: ${rows.toLocaleString('en')} step-log rows in ${seconds.toFixed(0)} s`);
  return [
    {
      name: 'analytics.pg10m.seedSec',
      value: seconds,
      unit: 's',
      note: `${rows.toLocaleString('en')} step-log rows, ${(DATA.tickets * (COPIES + 1)).toLocaleString('en')} tickets: the million copied ${COPIES} times in the database, rollups rebuilt, VACUUM ANALYZE`,
    },
    ...(await measureDashboard(config, {
      prefix: 'analytics.pg10m',
      label: 'PostgreSQL 10M',
      log: context.log,
      dashboardBarMs: BARS.dashboard10mMs,
      note: `${rows.toLocaleString('en')} step-log rows`,
    })),
  ];
}

type Peaked = 'Rss' | 'Heap' | 'External';

/** How much a measured memory figure of one export grew, in MB. */
function growth(run: ExportMeasurement, of: Peaked): number {
  return Math.max(0, run[`peak${of}`] - run[`start${of}`]) / MB;
}

/**
 * The whole log, XES then CSV, each export from a server process of its own, three times: memory growth
 * depends on when the collector runs, so the bar takes the largest of the runs, the rate their median.
 */
async function eventLogFigures({ db, label, config, context }: LoadedDatabase): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const format of ['xes', 'csv'] as const) {
    const runs: ExportMeasurement[] = [];
    for (let i = 0; i < EXPORT_RUNS; i++) {
      const run = await measureEventLogExport(config, format);
      context.log(
        `${label} event log ${format} ${i + 1}: ${run.events} events in ${(run.ms / 1000).toFixed(1)} s (${Math.round(run.events / (run.ms / 1000))}/s), ${(run.bytes / MB).toFixed(0)} MB, RSS +${growth(run, 'Rss').toFixed(0)} MB, heap +${growth(run, 'Heap').toFixed(0)} MB`,
      );
      runs.push(run);
    }
    const run = runs[0]!;
    const perSec = median(runs.map((r) => r.events / (r.ms / 1000)));
    const largest = (of: Peaked) => Math.max(...runs.map((r) => growth(r, of)));
    const growthMB = largest('Rss');
    const prefix = `analytics.${db}.eventLog.${format}`;
    figures.push(
      {
        name: `${prefix}.eventsPerSec`,
        value: perSec,
        unit: 'events/s',
        note: `GET /api/event-log.${format}, the whole log (${run.events.toLocaleString('en')} events, ${(run.bytes / MB).toFixed(0)} MB in ${run.chunks.toLocaleString('en')} chunks) over loopback HTTP to a null sink; median of ${EXPORT_RUNS} runs`,
        bar: atLeast(perSec, BARS.eventsPerSec),
      },
      {
        name: `${prefix}.rssGrowthMB`,
        value: growthMB,
        unit: 'MB',
        note: `server process: peak resident set (sampled every 20 ms) minus the resident set before the request, the largest of ${EXPORT_RUNS} runs`,
        bar: atMost(growthMB, BARS.growthMB, ' MB'),
      },
      {
        name: `${prefix}.heapGrowthMB`,
        value: largest('Heap'),
        unit: 'MB',
        note: `server process: peak V8 heap used minus the heap used before the request, the largest of ${EXPORT_RUNS} runs`,
      },
      {
        name: `${prefix}.externalGrowthMB`,
        value: largest('External'),
        unit: 'MB',
        note: `server process: peak memory of buffers outside the V8 heap minus that before the request, the largest of ${EXPORT_RUNS} runs`,
      },
    );
  }
  return figures;
}
