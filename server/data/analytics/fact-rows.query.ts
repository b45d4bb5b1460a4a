import type { Knex } from 'knex';
import { rowsOf, type Database, type SqlValue } from '../database.js';
import { subsetOf, whereOf, type FactFilter, type FactSubset } from './metrics-sql.js';

/** One ticket's facts as the drill-down and the per-ticket export show them. */
export interface FactRow {
  id: number;
  workflow: string;
  version: number;
  channel: string;
  level: string | null;
  vip: boolean;
  createdAt: number;
  closedAt: number | null;
  agents: string[];
  firstResponseMs: number | null;
  resolutionMs: number | null;
  handleMs: number | null;
  waitingMs: number | null;
  stepBreaches: number;
  resolutionBreached: boolean;
  warnings: number;
  escalations: number;
  reopenings: number;
  csat: number | null;
  complaint: boolean;
  abandoned: boolean;
  fcr: boolean | null;
  fcrAt: number | null;
}

/** The per-ticket values a comparison reads. */
export type FactMeasure = 'firstResponse' | 'aht' | 'resolution' | 'waiting' | 'csat';

export const FACT_MEASURES: readonly FactMeasure[] = ['firstResponse', 'aht', 'resolution', 'waiting', 'csat'];

/** A measure's values over a set of tickets: how many, their sum, and Σ(x − centre)² (a double). */
export interface MeasureMoments {
  n: number;
  sum: number;
  /** The sum of squared deviations from the `centre` asked for. */
  squares: number;
}

// The same tickets as the KPI's own n (metrics.query.ts).
const MEASURES: Record<FactMeasure, { column: string; where: string }> = {
  firstResponse: { column: 't.first_response_ms', where: '' },
  aht: { column: 't.handle_ms', where: ' AND t.closed_at IS NOT NULL AND NOT t.abandoned' },
  resolution: { column: 't.resolution_ms', where: ' AND t.closed_at IS NOT NULL' },
  waiting: { column: 't.waiting_ms', where: ' AND t.closed_at IS NOT NULL' },
  csat: { column: 't.csat', where: '' },
};

/** The tickets behind a figure: counted, paged by id, streamed; a measure's moments or sorted values for a comparison. */
export interface FactRowsReadModel {
  count(filter: FactFilter, subset: FactSubset, now: number): Promise<number>;
  /** Up to `limit` rows with ids above `afterId`, by id. */
  page(filter: FactFilter, subset: FactSubset, now: number, afterId: number, limit: number): Promise<FactRow[]>;
  /**
   * Every measure's count, sum and squared deviations from its `centres` value (a value near its mean keeps the
   * double sum precise), in one pass over the tickets.
   */
  moments(filter: FactFilter, centres: Record<FactMeasure, number>): Promise<Record<FactMeasure, MeasureMoments>>;
  /** `limit` values of `measure` in ascending order, from the (`offset` + 1)-th smallest on. */
  sorted(filter: FactFilter, measure: FactMeasure, offset: number, limit: number): Promise<number[]>;
}

const COLUMNS = `t.id, t.workflow_key, t.version, t.channel, t.level, t.vip, t.created_at, t.closed_at, t.agents, t.first_response_ms, t.resolution_ms,
  t.handle_ms, t.waiting_ms, t.step_breaches, t.resolution_breached, t.warnings, t.escalations, t.reopenings, t.csat, t.complaint, t.abandoned, t.fcr, t.fcr_at`;

type Row = Record<string, string | number | boolean | null>;
const maybe = (value: string | number | boolean | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));

export class KnexFactRowsReadModel implements FactRowsReadModel {
  private readonly knex: Knex;
  private readonly client: Database['client'];

  constructor(db: Database) {
    this.knex = db.knex;
    this.client = db.client;
  }

  private async rows(text: string, bindings: SqlValue[]): Promise<Row[]> {
    return rowsOf<Row>(await this.knex.raw(text, bindings));
  }

  private where(filter: FactFilter, subset: FactSubset, now: number): { text: string; bindings: SqlValue[] } {
    const where = whereOf(filter);
    const condition = subsetOf(subset, now);
    return { text: `${where.text} AND ${condition.text}`, bindings: [...where.bindings, ...condition.bindings] };
  }

  async count(filter: FactFilter, subset: FactSubset, now: number): Promise<number> {
    const where = this.where(filter, subset, now);
    const [row] = await this.rows(`SELECT COUNT(*) AS n FROM tickets t WHERE ${where.text}`, where.bindings);
    return Number(row?.n ?? 0);
  }

  async page(filter: FactFilter, subset: FactSubset, now: number, afterId: number, limit: number): Promise<FactRow[]> {
    const where = this.where(filter, subset, now);
    const rows = await this.rows(`SELECT ${COLUMNS} FROM tickets t WHERE ${where.text} AND t.id > ? ORDER BY t.id LIMIT ?`, [...where.bindings, afterId, limit]);
    return rows.map(factRowOf);
  }

  async moments(filter: FactFilter, centres: Record<FactMeasure, number>): Promise<Record<FactMeasure, MeasureMoments>> {
    const where = whereOf(filter);
    const double = this.client === 'pg' ? 'DOUBLE PRECISION' : 'REAL';
    const bindings: SqlValue[] = [];
    const columns = FACT_MEASURES.map((measure, i) => {
      const { column, where: only } = MEASURES[measure];
      const when = `${column} IS NOT NULL${only}`;
      bindings.push(centres[measure], centres[measure]);
      return `SUM(CASE WHEN ${when} THEN 1 ELSE 0 END) AS n${i}, SUM(CASE WHEN ${when} THEN ${column} ELSE 0 END) AS s${i},
        SUM(CASE WHEN ${when} THEN CAST(${column} - ? AS ${double}) * CAST(${column} - ? AS ${double}) ELSE 0 END) AS q${i}`;
    });
    const [row] = await this.rows(`SELECT ${columns.join(', ')} FROM tickets t WHERE ${where.text}`, [...bindings, ...where.bindings]);
    return Object.fromEntries(
      FACT_MEASURES.map((measure, i) => [measure, { n: Number(row?.[`n${i}`] ?? 0), sum: Number(row?.[`s${i}`] ?? 0), squares: Number(row?.[`q${i}`] ?? 0) }]),
    ) as Record<FactMeasure, MeasureMoments>;
  }

  async sorted(filter: FactFilter, measure: FactMeasure, offset: number, limit: number): Promise<number[]> {
    const { column, where: only } = MEASURES[measure];
    const where = whereOf(filter);
    const rows = await this.rows(`SELECT ${column} AS v FROM tickets t WHERE ${where.text}${only} AND ${column} IS NOT NULL ORDER BY ${column} LIMIT ? OFFSET ?`, [
      ...where.bindings,
      limit,
      offset,
    ]);
    return rows.map((r) => Number(r.v));
  }
}

function factRowOf(r: Row): FactRow {
  return {
    id: Number(r.id),
    workflow: String(r.workflow_key),
    version: Number(r.version),
    channel: String(r.channel),
    level: r.level === null ? null : String(r.level),
    vip: Boolean(r.vip),
    createdAt: Number(r.created_at),
    closedAt: maybe(r.closed_at),
    agents: r.agents ? (JSON.parse(String(r.agents)) as string[]) : [],
    firstResponseMs: maybe(r.first_response_ms),
    resolutionMs: maybe(r.resolution_ms),
    handleMs: maybe(r.handle_ms),
    waitingMs: maybe(r.waiting_ms),
    stepBreaches: Number(r.step_breaches),
    resolutionBreached: Boolean(r.resolution_breached),
    warnings: Number(r.warnings),
    escalations: Number(r.escalations),
    reopenings: Number(r.reopenings),
    csat: maybe(r.csat),
    complaint: Boolean(r.complaint),
    abandoned: Boolean(r.abandoned),
    fcr: r.fcr === null ? null : Boolean(r.fcr),
    fcrAt: maybe(r.fcr_at),
  };
}
