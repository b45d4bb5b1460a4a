import type { Knex } from 'knex';
import { rowsOf, type Database, type SqlValue } from '../database.js';
import { groupSource, whereOf, type FactFilter, type FactGrouping } from './metrics-sql.js';

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
  kpis(filter: FactFilter, grouping: FactGrouping, now: number): Promise<KpiSums[]>;
  steps(filter: FactFilter): Promise<StepSums[]>;
  rework(filter: FactFilter): Promise<Array<{ from: string; to: string; count: number }>>;
  variants(filter: FactFilter, top: number): Promise<VariantSums[]>;
}

type Row = Record<string, string | number | null>;
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

/** The metric read model on knex: SQLite and PostgreSQL give the same answers (sums, not averages, cross the wire). */
export class KnexMetricsReadModel implements MetricsReadModel {
  private readonly knex: Knex;

  constructor(
    private readonly db: Database,
    /** Where weeks start (minutes east of UTC). */
    private readonly weekOffsetMinutes: number,
  ) {
    this.knex = db.knex;
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

  async kpis(filter: FactFilter, grouping: FactGrouping, now: number): Promise<KpiSums[]> {
    const source = groupSource(grouping, this.weekOffsetMinutes);
    const where = whereOf(filter);
    const from = `FROM tickets t ${source.join} WHERE ${where.text}`;
    const [sums, steps, firstResponse, resolution] = await Promise.all([
      this.rows(`SELECT ${source.key} AS g, ${KPI_COLUMNS} ${from} ${source.groupBy}`, [now, now, ...where.bindings]),
      this.rows(
        `SELECT ${source.key} AS g, COUNT(*) AS n, SUM(CASE WHEN s.breached THEN 1 ELSE 0 END) AS breached
         FROM tickets t ${source.join} JOIN step_log s ON s.ticket_id = t.id
         WHERE ${where.text} AND s.sla_ms IS NOT NULL AND NOT s.automatic AND (s.exited_at IS NOT NULL OR s.breached) ${source.groupBy}`,
        where.bindings,
      ),
      this.percentiles('t.first_response_ms', from, source.key, source.partition, where.bindings),
      this.percentiles('t.resolution_ms', from, source.key, source.partition, where.bindings),
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
          firstResponsePct: firstResponse.get(key) ?? { p50: null, p90: null },
          resolutionPct: resolution.get(key) ?? { p50: null, p90: null },
        };
      });
  }

  /**
   * Nearest-rank p50 and p90 of `measure` per group: the rows ranked ⌈n/2⌉ and ⌈9n/10⌉ by a window
   * function, two rows per group on the wire. Integer division is the ceiling: (n+1)/2 and (9n+9)/10.
   */
  private async percentiles(measure: string, from: string, key: string, partition: string, bindings: SqlValue[]): Promise<Map<string, { p50: number | null; p90: number | null }>> {
    const rows = await this.rows(
      `SELECT x.g, x.v, x.rn, x.cnt FROM (SELECT ${key} AS g, ${measure} AS v, ROW_NUMBER() OVER (${partition} ORDER BY ${measure}) AS rn,
       COUNT(*) OVER (${partition}) AS cnt ${from} AND ${measure} IS NOT NULL) x WHERE x.rn = (x.cnt + 1) / 2 OR x.rn = (9 * x.cnt + 9) / 10`,
      bindings,
    );
    return pickPercentiles(rows, (r) => keyOf(r.g));
  }

  async steps(filter: FactFilter): Promise<StepSums[]> {
    const where = whereOf(filter);
    const join = `FROM tickets t JOIN step_log s ON s.ticket_id = t.id WHERE ${where.text} AND NOT s.automatic`;
    const [sums, pct] = await Promise.all([
      this.rows(
        `SELECT s.step, MAX(s.step_name) AS name, COUNT(*) AS visits, SUM(CASE WHEN s.exited_at IS NOT NULL THEN s.business_ms ELSE 0 END) AS total_ms,
         MAX(s.sla_ms) AS sla_ms, SUM(CASE WHEN s.sla_ms IS NOT NULL AND (s.exited_at IS NOT NULL OR s.breached) THEN 1 ELSE 0 END) AS limit_n,
         SUM(CASE WHEN s.sla_ms IS NOT NULL AND s.breached THEN 1 ELSE 0 END) AS breached_n, MAX(CASE WHEN s.waiting THEN 1 ELSE 0 END) AS waiting
         ${join} GROUP BY s.step`,
        where.bindings,
      ),
      this.rows(
        `SELECT x.g, x.v, x.rn, x.cnt FROM (SELECT s.step AS g, s.business_ms AS v, ROW_NUMBER() OVER (PARTITION BY s.step ORDER BY s.business_ms) AS rn,
         COUNT(*) OVER (PARTITION BY s.step) AS cnt ${join} AND s.exited_at IS NOT NULL AND s.business_ms IS NOT NULL) x
         WHERE x.rn = (x.cnt + 1) / 2 OR x.rn = (9 * x.cnt + 9) / 10`,
        where.bindings,
      ),
    ]);
    const percentiles = pickPercentiles(pct, (r) => String(r.g));
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
    const where = whereOf(filter);
    const rows = await this.rows(
      `SELECT s.rework_from AS from_step, s.step AS to_step, COUNT(*) AS n FROM tickets t JOIN step_log s ON s.ticket_id = t.id
       WHERE ${where.text} AND s.rework_from IS NOT NULL GROUP BY s.rework_from, s.step`,
      where.bindings,
    );
    return rows.map((r) => ({ from: String(r.from_step), to: String(r.to_step), count: num(r.n) }));
  }

  /** The `top` most frequent paths of closed tickets; ties by the oldest ticket, the same on both databases. */
  async variants(filter: FactFilter, top: number): Promise<VariantSums[]> {
    const where = whereOf(filter);
    const rows = await this.rows(
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
