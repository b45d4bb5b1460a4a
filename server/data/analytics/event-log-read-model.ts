import type { Knex } from 'knex';
import { listSql, type Database } from '../database.js';

/** Which tickets an event log covers: the dashboard's filters. Every field absent = no restriction. */
export interface EventLogFilter {
  workflow?: string;
  version?: number;
  /** Tickets created at or after this instant (epoch ms). */
  from?: number;
  /** Tickets created before this instant (epoch ms). */
  to?: number;
  channel?: string;
  /** A level, or null for tickets without one. */
  level?: string | null;
  vip?: boolean;
}

/** One step-log row, as much of it as an event log tells. */
export interface EventLogVisit {
  visit: number;
  step: string;
  stepName: string;
  enteredAt: number;
  exitedAt: number | null;
  actor: string | null;
}

/** A ticket with its case attributes and its visits in visit order. */
export interface EventLogCase {
  id: number;
  workflowKey: string;
  /** The workflow version's row id: what its step definitions are looked up by. */
  workflowVersionId: number;
  version: number;
  channel: string;
  level: string | null;
  vip: boolean;
  createdAt: number;
  visits: EventLogVisit[];
}

/** Streams the tickets an event log covers, in id order, a batch at a time: flat memory however many match. */
export interface EventLogReadModel {
  cases(filter: EventLogFilter, batchTickets: number): AsyncGenerator<EventLogCase[]>;
}

interface CaseRow {
  id: number | string;
  workflow_key: string;
  workflow_id: number;
  version: number;
  channel: string;
  level: string | null;
  vip: boolean | number;
  created_at: number | string;
}

interface VisitRow {
  ticket_id: number | string;
  visit: number;
  step: string;
  step_name: string;
  entered_at: number | string;
  exited_at: number | string | null;
  actor: string | null;
}

/**
 * The event log's reads on knex, SQLite and PostgreSQL alike. Keyset pages over ticket ids (never OFFSET,
 * never one long cursor): each page is two short queries, so on SQLite the one connection is free between
 * pages and writers are not held up by a long export. A trace is read in one query, whole.
 */
export class KnexEventLogReadModel implements EventLogReadModel {
  private readonly knex: Knex;

  constructor(db: Database) {
    this.knex = db.knex;
  }

  async *cases(filter: EventLogFilter, batchTickets: number): AsyncGenerator<EventLogCase[]> {
    // NOTE: only the last id is kept between pages: a page's rows are the reader's alone, so they are garbage
    // as soon as it has written them, not still held here while the next page is read.
    let after = 0;
    for (;;) {
      const cases = await this.page(filter, batchTickets, after);
      if (cases.length === 0) return;
      after = cases[cases.length - 1]!.id;
      const last = cases.length < batchTickets;
      yield cases;
      if (last) return;
    }
  }

  private async page(filter: EventLogFilter, batchTickets: number, after: number): Promise<EventLogCase[]> {
    const query = this.knex('tickets as t')
      .join('workflows as w', 'w.id', 't.workflow_id')
      .select('t.id', 't.workflow_key', 't.workflow_id', 'w.version', 't.channel', 't.level', 't.vip', 't.created_at')
      .where('t.id', '>', after)
      .orderBy('t.id')
      .limit(batchTickets);
    filtered(query, filter);
    const cases = ((await query) as CaseRow[]).map(caseOf);
    if (cases.length === 0) return cases;
    const byId = new Map(cases.map((c) => [c.id, c]));
    const visits = (await this.knex
      .select('ticket_id', 'visit', 'step', 'step_name', 'entered_at', 'exited_at', 'actor')
      .from('step_log')
      .whereRaw(`ticket_id IN (${listSql(cases.length)})`, cases.map((c) => c.id))
      .orderBy([{ column: 'ticket_id' }, { column: 'visit' }])) as VisitRow[];
    for (const row of visits) byId.get(Number(row.ticket_id))?.visits.push(visitOf(row));
    return cases;
  }
}

function filtered(query: Knex.QueryBuilder, filter: EventLogFilter): void {
  if (filter.workflow !== undefined) query.where('t.workflow_key', filter.workflow);
  if (filter.version !== undefined) query.where('w.version', filter.version);
  if (filter.from !== undefined) query.where('t.created_at', '>=', filter.from);
  if (filter.to !== undefined) query.where('t.created_at', '<', filter.to);
  if (filter.channel !== undefined) query.where('t.channel', filter.channel);
  if (filter.level === null) query.whereNull('t.level');
  else if (filter.level !== undefined) query.where('t.level', filter.level);
  if (filter.vip !== undefined) query.where('t.vip', filter.vip);
}

function caseOf(row: CaseRow): EventLogCase {
  return {
    id: Number(row.id),
    workflowKey: row.workflow_key,
    workflowVersionId: row.workflow_id,
    version: row.version,
    channel: row.channel,
    level: row.level,
    vip: Boolean(row.vip),
    createdAt: Number(row.created_at),
    visits: [],
  };
}

function visitOf(row: VisitRow): EventLogVisit {
  return {
    visit: row.visit,
    step: row.step,
    stepName: row.step_name,
    enteredAt: Number(row.entered_at),
    exitedAt: row.exited_at === null ? null : Number(row.exited_at),
    actor: row.actor,
  };
}
