import type { Knex } from 'knex';
import { rowsOf, type Database, type SqlValue } from '../database.js';
import { groupSource, whereOf, type FactFilter, type FactGrouping, type GroupSource, type Sql } from './metrics-sql.js';
import {
  durationBucketsSql,
  kpiSumsSql,
  reworkSql,
  rollupGroups,
  rollupsServe,
  splitDays,
  stepSlaSql,
  stepSumsSql,
  variantsSql,
  type DaySplit,
} from './metrics-rollup.js';
import { rollupOffset } from './rollup-maintenance.js';

/** Sums and counts of one group of tickets: every KPI is a ratio of these (the service divides). */
export interface KpiSums {
  key: string;
  tickets: number;
  open: number;
  firstResponse: { n: number; sum: number };
  aht: { n: number; sum: number };
  resolution: { n: number; sum: number };
  waiting: { n: number; sum: number };
  fcr: { n: number; yes: number };
  abandoned: { n: number; yes: number };
  slaTicket: { n: number; breached: number };
  slaStep: { n: number; breached: number };
  warned: number;
  breached: number;
  escalated: number;
  reopened: number;
  complaints: number;
  csat: { n: number; sum: number; satisfied: number };
  /** Nearest-rank percentiles. */
  firstResponsePct: { p50: number | null; p90: number | null };
  resolutionPct: { p50: number | null; p90: number | null };
}

export interface StepSums {
  step: string;
  name: string;
  visits: number;
  totalMs: number;
  slaMs: number | null;
  limitN: number;
  breachedN: number;
  waiting: boolean;
  /** From the duration buckets (see `bucketPercentiles`). */
  p50: number | null;
  p90: number | null;
}

export interface VariantSums {
  path: string[];
  tickets: number;
  resolution: { n: number; sum: number };
}

/** The metric engine's aggregations, in SQL; answers are bounded by the number of groups, steps and variants. */
export interface MetricsReadModel {
  /** With `percentiles: false` the p50 and p90 are left null (a comparison needs only the sums). */
  kpis(filter: FactFilter, grouping: FactGrouping, now: number, options?: { percentiles?: boolean }): Promise<KpiSums[]>;
  steps(filter: FactFilter): Promise<StepSums[]>;
  rework(filter: FactFilter): Promise<Array<{ from: string; to: string; count: number }>>;
  variants(filter: FactFilter, top: number): Promise<VariantSums[]>;
}

type Row = Record<string, string | number | null>;
type Percentiles = { p50: number | null; p90: number | null };
const num = (value: string | number | null | undefined): number => (value === null || value === undefined ? 0 : Number(value));
const maybe = (value: string | number | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));
const keyOf = (value: string | number | null | undefined): string => (value === null || value === undefined ? 'none' : String(value));

const KPI_COLUMNS = `COUNT(*) AS tickets,
  SUM(CASE WHEN t.closed_at IS NULL THEN 1 ELSE 0 END) AS open,
  COUNT(t.first_response_ms) AS fr_n, SUM(t.first_response_ms) AS fr_sum,
  SUM(CASE WHEN t.closed_at IS NOT NULL AND NOT t.abandoned AND t.handle_ms IS NOT NULL THEN 1 ELSE 0 END) AS aht_n,
  SUM(CASE WHEN t.closed_at IS NOT NULL AND NOT t.abandoned THEN t.handle_ms ELSE 0 END) AS aht_sum,
  COUNT(t.resolution_ms) AS res_n, SUM(t.resolution_ms) AS res_sum,
  SUM(CASE WHEN t.closed_at IS NOT NULL AND t.waiting_ms IS NOT NULL THEN 1 ELSE 0 END) AS wait_n,
  SUM(CASE WHEN t.closed_at IS NOT NULL THEN t.waiting_ms ELSE 0 END) AS wait_sum,
  SUM(CASE WHEN t.fcr IS NOT NULL AND t.fcr_at <= ? THEN 1 ELSE 0 END) AS fcr_n,
  SUM(CASE WHEN t.fcr_at <= ? AND t.fcr THEN 1 ELSE 0 END) AS fcr_yes,
  SUM(CASE WHEN t.abandoned OR t.first_response_at IS NOT NULL THEN 1 ELSE 0 END) AS ab_n,
  SUM(CASE WHEN t.abandoned THEN 1 ELSE 0 END) AS ab_yes,
  SUM(CASE WHEN t.resolution_sla_ms IS NOT NULL AND (t.closed_at IS NOT NULL OR t.resolution_breached) THEN 1 ELSE 0 END) AS sla_n,
  SUM(CASE WHEN t.resolution_sla_ms IS NOT NULL AND t.resolution_breached THEN 1 ELSE 0 END) AS sla_breached,
  SUM(CASE WHEN t.warnings > 0 THEN 1 ELSE 0 END) AS warned,
  SUM(CASE WHEN t.step_breaches > 0 OR t.resolution_breached THEN 1 ELSE 0 END) AS breached,
  SUM(CASE WHEN t.escalations > 0 THEN 1 ELSE 0 END) AS escalated,
  SUM(CASE WHEN t.closed_at IS NOT NULL AND t.reopenings > 0 THEN 1 ELSE 0 END) AS reopened,
  SUM(CASE WHEN t.complaint THEN 1 ELSE 0 END) AS complaints,
  COUNT(t.csat) AS csat_n, SUM(t.csat) AS csat_sum, SUM(CASE WHEN t.csat >= 4 THEN 1 ELSE 0 END) AS csat_yes`;

/**
 * The metric read model on knex: SQLite and PostgreSQL give the same answers (sums, not averages, cross the
 * wire). Whole days of a period are read from the daily rollups when they were counted at the weeks' offset
 * and the filter is one they know (`metrics-rollup.ts`); the same figures come from the raw rows otherwise,
 * or always with `rollups: false` (what the tests compare them with).
 */
export class KnexMetricsReadModel implements MetricsReadModel {
  private readonly knex: Knex;

  constructor(
    private readonly db: Database,
    /** Where weeks start (minutes east of UTC). */
    private readonly weekOffsetMinutes: number,
    private readonly options: { rollups: boolean } = { rollups: true },
  ) {
    this.knex = db.knex;
  }

  /** How the rollups can answer for `filter`'s period: undefined when they cannot (then the raw rows do). */
  private async split(filter: FactFilter, table: 'sums' | 'durations'): Promise<DaySplit | undefined> {
    if (!this.options.rollups || !rollupsServe(filter, table)) return undefined;
    if ((await rollupOffset(this.knex)) !== this.weekOffsetMinutes) return undefined;
    return splitDays(filter.from, filter.to, this.weekOffsetMinutes);
  }

  private query(sql: Sql): Promise<Row[]> {
    return this.rows(sql.text, sql.bindings);
  }

  private async rows(text: string, bindings: SqlValue[]): Promise<Row[]> {
    if (this.db.client === 'sqlite') return rowsOf<Row>(await this.knex.raw(text, bindings));
    // PostgreSQL's default page costs assume spinning disks, so it joins a period's tickets to the step log by
    // scanning all of it; with the cost of a cached or SSD page it walks the (ticket_id, visit) index instead,
    // about twice as fast on a million rows. Scoped to these read-only queries, not the server's settings.
    return this.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL random_page_cost = 1.1');
      return rowsOf<Row>(await trx.raw(text, bindings));
    });
  }

  async kpis(filter: FactFilter, grouping: FactGrouping, now: number, options: { percentiles?: boolean } = {}): Promise<KpiSums[]> {
    const source = groupSource(grouping, this.weekOffsetMinutes);
    const where = whereOf(filter);
    const from = `FROM tickets t ${source.join} WHERE ${where.text}`;
    const split = rollupGroups(grouping) ? await this.split(filter, 'sums') : undefined;
    const [sums, steps, percentiles] = await Promise.all([
      split
        ? this.query(kpiSumsSql(filter, grouping, split, now, this.weekOffsetMinutes))
        : this.rows(`SELECT ${source.key} AS g, ${KPI_COLUMNS} ${from} ${source.groupBy}`, [now, now, ...where.bindings]),
      split
        ? this.query(stepSlaSql(filter, grouping, split, this.weekOffsetMinutes))
        : this.rows(
            `SELECT ${source.key} AS g, COUNT(*) AS n, SUM(CASE WHEN s.breached THEN 1 ELSE 0 END) AS breached
             FROM tickets t ${source.join} JOIN step_log s ON s.ticket_id = t.id
             WHERE ${where.text} AND s.sla_ms IS NOT NULL AND NOT s.automatic AND (s.exited_at IS NOT NULL OR s.breached) ${source.groupBy}`,
            where.bindings,
          ),
      options.percentiles === false ? undefined : this.percentiles(from, source, where.bindings),
    ]);
    const stepsByKey = new Map(steps.map((r) => [keyOf(r.g), r]));
    return sums
      .filter((r) => num(r.tickets) > 0)
      .map((r) => {
        const key = keyOf(r.g);
        const step = stepsByKey.get(key);
        return {
          key,
          tickets: num(r.tickets),
          open: num(r.open),
          firstResponse: { n: num(r.fr_n), sum: num(r.fr_sum) },
          aht: { n: num(r.aht_n), sum: num(r.aht_sum) },
          resolution: { n: num(r.res_n), sum: num(r.res_sum) },
          waiting: { n: num(r.wait_n), sum: num(r.wait_sum) },
          fcr: { n: num(r.fcr_n), yes: num(r.fcr_yes) },
          abandoned: { n: num(r.ab_n), yes: num(r.ab_yes) },
          slaTicket: { n: num(r.sla_n), breached: num(r.sla_breached) },
          slaStep: { n: num(step?.n), breached: num(step?.breached) },
          warned: num(r.warned),
          breached: num(r.breached),
          escalated: num(r.escalated),
          reopened: num(r.reopened),
          complaints: num(r.complaints),
          csat: { n: num(r.csat_n), sum: num(r.csat_sum), satisfied: num(r.csat_yes) },
          firstResponsePct: percentiles?.firstResponse.get(key) ?? { p50: null, p90: null },
          resolutionPct: percentiles?.resolution.get(key) ?? { p50: null, p90: null },
        };
      });
  }

  /**
   * Nearest-rank p50 and p90 of first response and resolution per group, read from the tickets (exact: the
   * covering index `tickets_analytics_percentiles` holds what a workflow's period needs). PostgreSQL's
   * `percentile_disc` takes the value at rank ⌈p·n⌉, both of them from one sort; SQLite ranks by a window
   * function, the rows ranked ⌈n/2⌉ and ⌈9n/10⌉ coming back (integer division is the ceiling: (n+1)/2, (9n+9)/10).
   */
  private async percentiles(from: string, source: GroupSource, bindings: SqlValue[]): Promise<Record<'firstResponse' | 'resolution', Map<string, Percentiles>>> {
    const measures = { firstResponse: 't.first_response_ms', resolution: 't.resolution_ms' } as const;
    if (this.db.client === 'pg') {
      const rows = await this.rows(
        `SELECT ${source.key} AS g, percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${measures.firstResponse}) AS fr,
         percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${measures.resolution}) AS res ${from} ${source.groupBy}`,
        bindings,
      );
      const pair = (value: unknown): Percentiles => {
        const [p50, p90] = Array.isArray(value) ? value.map((v) => maybe(v as string | number | null)) : [null, null];
        return { p50: p50 ?? null, p90: p90 ?? null };
      };
      return {
        firstResponse: new Map(rows.map((r) => [keyOf(r.g), pair(r.fr)])),
        resolution: new Map(rows.map((r) => [keyOf(r.g), pair(r.res)])),
      };
    }
    const ranked = async (measure: string) =>
      pickPercentiles(
        await this.rows(
          `SELECT x.g, x.v, x.rn, x.cnt FROM (SELECT ${source.key} AS g, ${measure} AS v, ROW_NUMBER() OVER (${source.partition} ORDER BY ${measure}) AS rn,
           COUNT(*) OVER (${source.partition}) AS cnt ${from} AND ${measure} IS NOT NULL) x WHERE x.rn = (x.cnt + 1) / 2 OR x.rn = (9 * x.cnt + 9) / 10`,
          bindings,
        ),
        (r) => keyOf(r.g),
      );
    const [firstResponse, resolution] = await Promise.all([ranked(measures.firstResponse), ranked(measures.resolution)]);
    return { firstResponse, resolution };
  }

  async steps(filter: FactFilter): Promise<StepSums[]> {
    const where = whereOf(filter);
    const join = `FROM tickets t JOIN step_log s ON s.ticket_id = t.id WHERE ${where.text} AND NOT s.automatic`;
    const [split, splitBuckets] = await Promise.all([this.split(filter, 'sums'), this.split(filter, 'durations')]);
    const [sums, buckets] = await Promise.all([
      split
        ? this.query(stepSumsSql(filter, split))
        : this.rows(
            `SELECT s.step, MAX(s.step_name) AS name, COUNT(*) AS visits, SUM(CASE WHEN s.exited_at IS NOT NULL THEN s.business_ms ELSE 0 END) AS total_ms,
             MAX(s.sla_ms) AS sla_ms, SUM(CASE WHEN s.sla_ms IS NOT NULL AND (s.exited_at IS NOT NULL OR s.breached) THEN 1 ELSE 0 END) AS limit_n,
             SUM(CASE WHEN s.sla_ms IS NOT NULL AND s.breached THEN 1 ELSE 0 END) AS breached_n, MAX(CASE WHEN s.waiting THEN 1 ELSE 0 END) AS waiting
             ${join} GROUP BY s.step`,
            where.bindings,
          ),
      this.query(durationBucketsSql(filter, splitBuckets)),
    ]);
    const percentiles = bucketPercentiles(buckets);
    return sums.map((r) => {
      const step = String(r.step);
      const p = percentiles.get(step);
      return {
        step,
        name: String(r.name),
        visits: num(r.visits),
        totalMs: num(r.total_ms),
        slaMs: maybe(r.sla_ms),
        limitN: num(r.limit_n),
        breachedN: num(r.breached_n),
        waiting: num(r.waiting) === 1,
        p50: p?.p50 ?? null,
        p90: p?.p90 ?? null,
      };
    });
  }

  async rework(filter: FactFilter): Promise<Array<{ from: string; to: string; count: number }>> {
    const split = await this.split(filter, 'sums');
    const where = whereOf(filter);
    const rows = split
      ? await this.query(reworkSql(filter, split))
      : await this.rows(
          `SELECT s.rework_from AS from_step, s.step AS to_step, COUNT(*) AS n FROM tickets t JOIN step_log s ON s.ticket_id = t.id
           WHERE ${where.text} AND s.rework_from IS NOT NULL GROUP BY s.rework_from, s.step`,
          where.bindings,
        );
    return rows.map((r) => ({ from: String(r.from_step), to: String(r.to_step), count: num(r.n) }));
  }

  /** The `top` most frequent paths of closed tickets; ties by the oldest ticket, the same on both databases. */
  async variants(filter: FactFilter, top: number): Promise<VariantSums[]> {
    const where = whereOf(filter);
    const split = await this.split(filter, 'durations');
    const rows = split
      ? await this.query(variantsSql(filter, split, top))
      : await this.rows(
      `SELECT t.path, COUNT(*) AS n, COUNT(t.resolution_ms) AS res_n, SUM(t.resolution_ms) AS res_sum FROM tickets t
       WHERE ${where.text} AND t.closed_at IS NOT NULL AND t.path IS NOT NULL GROUP BY t.path ORDER BY COUNT(*) DESC, MIN(t.id) LIMIT ?`,
      [...where.bindings, top],
    );
    return rows.map((r) => ({
      path: String(r.path ?? '')
        .split(',')
        .filter(Boolean),
      tickets: num(r.n),
      resolution: { n: num(r.res_n), sum: num(r.res_sum) },
    }));
  }
}

/**
 * Each step's p50 and p90 from its duration buckets (rows in bucket order): the nearest-rank visit's bucket,
 * and within it the value interpolated by rank between the bucket's shortest and longest visit. Exact when
 * that bucket holds one or two visits, or visits of one duration; otherwise off by less than the bucket's
 * width, an eighth of its start (bucketSql).
 */
function bucketPercentiles(rows: Row[]): Map<string, { p50: number | null; p90: number | null }> {
  const byStep = new Map<string, Row[]>();
  for (const row of rows) byStep.set(String(row.step), [...(byStep.get(String(row.step)) ?? []), row]);
  const out = new Map<string, { p50: number | null; p90: number | null }>();
  for (const [step, buckets] of byStep) {
    const n = buckets.reduce((sum, b) => sum + num(b.visits), 0);
    const at = (rank: number): number | null => {
      let before = 0;
      for (const b of buckets) {
        const visits = num(b.visits);
        if (rank <= before + visits) {
          const [low, high] = [num(b.min_ms), num(b.max_ms)];
          return visits === 1 ? low : low + Math.round(((high - low) * (rank - before - 1)) / (visits - 1));
        }
        before += visits;
      }
      return null;
    };
    out.set(step, n ? { p50: at(Math.ceil(n / 2)), p90: at(Math.ceil((9 * n) / 10)) } : { p50: null, p90: null });
  }
  return out;
}

function pickPercentiles(rows: Row[], keyOfRow: (row: Row) => string): Map<string, { p50: number | null; p90: number | null }> {
  const out = new Map<string, { p50: number | null; p90: number | null }>();
  for (const row of rows) {
    const key = keyOfRow(row);
    const n = num(row.cnt);
    const rank = num(row.rn);
    const entry = out.get(key) ?? { p50: null, p90: null };
    if (rank === Math.ceil(n / 2)) entry.p50 = num(row.v);
    if (rank === Math.ceil((9 * n) / 10)) entry.p90 = num(row.v);
    out.set(key, entry);
  }
  return out;
}
