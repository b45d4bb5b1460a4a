import { listSql, type SqlValue } from '../database.js';
import type { FactTicket, FactVisit, Statement } from './rollup-sql.js';

// What the upkeep on write reads of the tickets it is about to change, and the rows mapped back to facts.

/** A visit's columns the rollups read, in the order of the JSON arrays `ticketRowsSql` answers. */
const VISIT_COLUMNS = 's.visit, s.step, s.step_name, s.automatic, s.sla_ms, s.rework_from, s.exited_at, s.business_ms, s.breached, s.waiting';

/** Which step-log rows a read of tickets brings: all, those from a visit on (the first binding), or none. */
export type VisitsRead = 'all' | { from: number } | 'none';

/**
 * The tickets' columns the rollups read, the step-log rows `visits` asks for (a JSON list), and the offset (null
 * while the rollups are not built): one statement. On PostgreSQL `lock.state` holds off a rebuild until the commit
 * (a share lock on `rollup_state`, which a rebuild takes exclusively) and `lock.forUpdate` locks the tickets
 * in id order: a batch writer's first statement.
 */
export function ticketRowsSql(ids: readonly number[], lock: { state: boolean; forUpdate: boolean }, client: 'sqlite' | 'pg', visitsRead: VisitsRead = 'all'): Statement {
  const from = typeof visitsRead === 'object' ? ' AND visit >= ?' : '';
  // NOTE: a timer's warning or escalation writes no visit; its read skips the step log, the larger part of its cost.
  const visits =
    visitsRead === 'none'
      ? 'NULL'
      : client === 'pg'
        ? `(SELECT json_agg(json_build_array(${VISIT_COLUMNS}) ORDER BY s.visit) FROM step_log s WHERE s.ticket_id = t.id${from})`
        : `(SELECT json_group_array(json_array(${VISIT_COLUMNS})) FROM (SELECT * FROM step_log WHERE ticket_id = t.id${from} ORDER BY visit) s)`;
  return {
    sql: `SELECT t.id, t.workflow_key, t.version, t.created_at, t.channel, t.level, t.vip, t.closed_at, t.first_response_at, t.first_response_ms, t.handle_ms,
      t.waiting_ms, t.resolution_ms, t.resolution_sla_ms, t.resolution_breached, t.fcr, t.fcr_at, t.abandoned, t.warnings, t.step_breaches, t.escalations,
      t.reopenings, t.complaint, t.csat, t.path, (SELECT st.offset_minutes FROM rollup_state st${lock.state ? ' FOR SHARE' : ''}) AS offset_minutes,
      ${visits} AS visits FROM tickets t WHERE t.id IN (${listSql(ids.length)})${lock.forUpdate ? ' ORDER BY t.id FOR UPDATE OF t' : ''}`,
    bindings: typeof visitsRead === 'object' ? [visitsRead.from, ...ids] : [...ids],
  };
}

/** The step-log rows of a ticket row of `ticketRowsSql`. */
export function factVisitsOf(row: Record<string, unknown>): FactVisit[] {
  const list = (typeof row.visits === 'string' ? JSON.parse(row.visits) : (row.visits ?? [])) as Array<[number, string, string, unknown, number | null, string | null, number | null, number | null, unknown, unknown]>;
  return list.map(([visit, step, stepName, automatic, slaMs, reworkFrom, exitedAt, businessMs, breached, waiting]) => ({
    ticketId: Number(row.id),
    visit: Number(visit),
    step,
    stepName,
    automatic: Boolean(automatic),
    slaMs: slaMs === null ? null : Number(slaMs),
    reworkFrom,
    exitedAt: exitedAt === null ? null : Number(exitedAt),
    businessMs: businessMs === null ? null : Number(businessMs),
    breached: Boolean(breached),
    waiting: Boolean(waiting),
  }));
}

/** The offset the rollups count days at (no row while they are not built); on PostgreSQL `lock` holds off a rebuild until the commit. */
export function stateSql(lock: boolean): Statement {
  return { sql: `SELECT offset_minutes FROM rollup_state${lock ? ' FOR SHARE' : ''}`, bindings: [] };
}

type Row = Record<string, SqlValue>;
const numberOr = (value: SqlValue | undefined) => (value === null || value === undefined ? null : Number(value));

export function factTicketOf(r: Row): FactTicket {
  return {
    id: Number(r.id),
    workflowKey: String(r.workflow_key),
    version: numberOr(r.version),
    createdAt: Number(r.created_at),
    channel: String(r.channel),
    level: r.level === null ? null : String(r.level),
    vip: Boolean(r.vip),
    closedAt: numberOr(r.closed_at),
    firstResponseAt: numberOr(r.first_response_at),
    firstResponseMs: numberOr(r.first_response_ms),
    handleMs: numberOr(r.handle_ms),
    waitingMs: numberOr(r.waiting_ms),
    resolutionMs: numberOr(r.resolution_ms),
    resolutionSlaMs: numberOr(r.resolution_sla_ms),
    resolutionBreached: Boolean(r.resolution_breached),
    fcr: r.fcr === null ? null : Boolean(r.fcr),
    fcrAt: numberOr(r.fcr_at),
    abandoned: Boolean(r.abandoned),
    warnings: Number(r.warnings),
    stepBreaches: Number(r.step_breaches),
    escalations: Number(r.escalations),
    reopenings: Number(r.reopenings),
    complaint: Boolean(r.complaint),
    csat: numberOr(r.csat),
    path: r.path === null ? null : String(r.path),
  };
}
