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

/** The per-ticket values a comparison resamples. */
export type FactMeasure = 'firstResponse' | 'aht' | 'resolution' | 'waiting' | 'csat';

// The same tickets as the KPI's own n (metrics.query.ts).
const MEASURES: Record<FactMeasure, { column: string; where: string }> = {
  firstResponse: { column: 't.first_response_ms', where: '' },
  aht: { column: 't.handle_ms', where: ' AND t.closed_at IS NOT NULL AND NOT t.abandoned' },
  resolution: { column: 't.resolution_ms', where: ' AND t.closed_at IS NOT NULL' },
  waiting: { column: 't.waiting_ms', where: ' AND t.closed_at IS NOT NULL' },
  csat: { column: 't.csat', where: '' },
};

/** The tickets behind a figure: counted, paged by id, streamed, or their values for resampling. */
export interface FactRowsReadModel {
  count(filter: FactFilter, subset: FactSubset, now: number): Promise<number>;
  /** Up to `limit` rows with ids above `afterId`, by id. */
  page(filter: FactFilter, subset: FactSubset, now: number, afterId: number, limit: number): Promise<FactRow[]>;
  /** Values of `measure`, by ticket id, of every `stride`-th id (a deterministic thinning), at most `max`. */
  values(filter: FactFilter, measure: FactMeasure, stride: number, max: number): Promise<number[]>;
}

const COLUMNS = `t.id, t.workflow_key, t.version, t.channel, t.level, t.vip, t.created_at, t.closed_at, t.agents, t.first_response_ms, t.resolution_ms,
  t.handle_ms, t.waiting_ms, t.step_breaches, t.resolution_breached, t.warnings, t.escalations, t.reopenings, t.csat, t.complaint, t.abandoned, t.fcr, t.fcr_at`;

type Row = Record<string, string | number | boolean | null>;
const maybe = (value: string | number | boolean | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));

export class KnexFactRowsReadModel implements FactRowsReadModel {
  private readonly knex: Knex;

  constructor(db: Database) {
    this.knex = db.knex;
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

  async values(filter: FactFilter, measure: FactMeasure, stride: number, max: number): Promise<number[]> {
    const { column, where: only } = MEASURES[measure];
    const where = whereOf(filter);
    const rows = await this.rows(`SELECT ${column} AS v FROM tickets t WHERE ${where.text}${only} AND ${column} IS NOT NULL AND (t.id % ?) = 0 ORDER BY t.id LIMIT ?`, [
      ...where.bindings,
      stride,
      max,
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
