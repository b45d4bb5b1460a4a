/**
 * The workflows section (issue 16): publishing a 300-step workflow from a draft (the importer's checks,
 * bpmnlint and the diff against the version before, then the write) and the migration dry run of 10,000
 * waiting tickets (each ticket's history replayed through the new version), on SQLite and PostgreSQL.
 * `npm run bench -- --only workflows` runs this section alone.
 */
import { loadavg } from 'node:os';
import { atMost, type BenchContext, type BenchSection, type Figure } from '../section.js';
import { DEFAULT_PG_URL, postgresUnreachable } from '../../test/helpers/postgres.js';
import { openSopflow } from '../../server/sopflow.js';
import { median } from '../stats.js';
import { BenchDatabases } from './runtime/bench-databases.js';
import { AGENT, benchConfig, openBenchSopflow } from './runtime/ticket-path.js';
import { measureDryRun, seedWaitingTickets } from './workflows/migration-dry-run.js';
import { longWorkflow } from './workflows/long-workflow.js';

const STEPS = 300;
const PUBLISHES = 5;
const WAITING_TICKETS = 10_000;
const SEED_CALLERS = 32;
const BARS = { publishMs: 1_000, dryRunMs: 10_000 };

type Db = 'sqlite' | 'pg';

export const workflowsSection: BenchSection = {
  name: 'workflows',
  title: 'publish of a 300-step workflow (checks + lint + diff) and the migration dry run of 10,000 waiting tickets',
  run: async (context) => {
    const pgUrl = process.env.SOPFLOW_BENCH_PG_URL ?? DEFAULT_PG_URL;
    const pgDown = await postgresUnreachable(pgUrl);
    const databases = new BenchDatabases(pgUrl);
    try {
      const figures = await figuresFor('sqlite', context, databases);
      if (pgDown) {
        context.log(`PostgreSQL SKIPPED: not reachable at ${pgUrl} (${pgDown}); set SOPFLOW_BENCH_PG_URL to measure it`);
        figures.push({ name: 'workflows.pg.skipped', value: 1, unit: '', note: `SKIPPED: PostgreSQL not reachable at ${pgUrl} (${pgDown})` });
      } else figures.push(...(await figuresFor('pg', context, databases)));
      figures.push({
        name: 'workflows.loadAverage',
        value: loadavg()[0]!,
        unit: '',
        note: '1-min load average at the end: other work on the machine slows every figure of this section',
      });
      return figures;
    } finally {
      await databases.dropAll();
    }
  },
};

async function figuresFor(db: Db, context: BenchContext, databases: BenchDatabases): Promise<Figure[]> {
  const prefix = `workflows.${db}`;
  const label = db === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const fresh = (name: string) => (db === 'sqlite' ? databases.sqlite(name) : databases.pg()).config;
  return [...(await publishFigures(prefix, label, context, fresh('publish'))), ...(await dryRunFigures(prefix, label, context, fresh('migration')))];
}

/**
 * A draft of the 300-step workflow saved, then published: timed from the publish call to its answer. The
 * first publish of the process is reported apart (modules and code still warming up); then PUBLISHES more.
 */
async function publishFigures(prefix: string, label: string, context: BenchContext, database: ReturnType<BenchDatabases['pg']>['config']): Promise<Figure[]> {
  const app = await openSopflow(benchConfig(database));
  const key = 'long-sop';
  try {
    await app.workflows.import(longWorkflow(key, STEPS), AGENT);
    const times: number[] = [];
    let summary = '';
    for (let variant = 1; variant <= PUBLISHES + 1; variant++) {
      // Revisions only grow: each draft starts from the revision the last publish left.
      const { revision } = await app.drafts.open(key);
      const saved = await app.drafts.save(key, longWorkflow(key, STEPS, variant), revision, AGENT);
      const started = performance.now();
      const published = await app.drafts.publish(key, saved.revision, AGENT);
      times.push(performance.now() - started);
      summary = `${published.diff.summary}, ${published.lint.length} lint findings`;
    }
    const [first, ...warm] = times as [number, ...number[]];
    const middle = median(warm);
    context.log(
      `${label}: publish of ${STEPS} steps first ${Math.round(first)} ms, then median ${Math.round(middle)} ms (${warm.map(Math.round).join(' / ')})`,
    );
    return [
      {
        name: `${prefix}.publish300Ms`,
        value: middle,
        unit: 'ms',
        bar: atMost(middle, BARS.publishMs, ' ms'),
        note: `median of ${PUBLISHES} publishes of a ${STEPS}-step draft (importer checks + bpmnlint + diff + write): ${warm.map(Math.round).join(' / ')} ms; ${summary}`,
      },
      { name: `${prefix}.publish300FirstMs`, value: first, unit: 'ms', note: 'the first publish of the process, code still cold' },
    ];
  } finally {
    await app.close();
  }
}

async function dryRunFigures(prefix: string, label: string, context: BenchContext, database: ReturnType<BenchDatabases['pg']>['config']): Promise<Figure[]> {
  const app = await openBenchSopflow(context.root, database);
  try {
    const seededMs = await seedWaitingTickets(app, WAITING_TICKETS, SEED_CALLERS);
    context.log(`${label}: ${WAITING_TICKETS} waiting tickets seeded in ${(seededMs / 1000).toFixed(1)} s`);
    const run = await measureDryRun(app, WAITING_TICKETS);
    const { clean, moved, blocked } = run.counts;
    context.log(
      `${label}: dry run of ${run.tickets} tickets in ${Math.round(run.elapsedMs)} ms; heap growth by quarter ${run.heapGrowthMb.map((m) => m.toFixed(1)).join(' / ')} MB`,
    );
    if (run.tickets !== WAITING_TICKETS) throw new Error(`the dry run saw ${run.tickets} tickets, not ${WAITING_TICKETS}`);
    const peak = Math.max(...run.heapGrowthMb);
    return [
      {
        name: `${prefix}.dryRun10kMs`,
        value: run.elapsedMs,
        unit: 'ms',
        bar: atMost(run.elapsedMs, BARS.dryRunMs, ' ms'),
        note: `${run.tickets} waiting tickets replayed v1 → v2 in batches: ${clean} clean, ${moved} moved, ${blocked} blocked (${Math.round((run.tickets / run.elapsedMs) * 1000)} tickets/s)`,
      },
      {
        name: `${prefix}.dryRunHeapGrowthMb`,
        value: peak,
        unit: 'MB',
        note: `heap above the start after a full GC at each quarter: ${run.heapGrowthMb.map((m) => m.toFixed(1)).join(' / ')} MB; ${run.retainedMb.toFixed(1)} MB once done`,
      },
    ];
  } finally {
    await app.close();
  }
}
