import type { Knex } from 'knex';
import type { Database } from '../database.js';
import type { BatchWriter } from '../write-queue.js';
import type { PendingTimerView, StepLogEntry, TicketQuery, TicketRecord, TicketWrite, TicketWriteResult } from './ticket-records.js';
import { pendingTimerOf, stepLogEntryOf, ticketOf, TICKET_SELECT, type StepLogRow, type TicketRow, type TimerRow } from './ticket-rows.js';
import { ticketWriter } from './ticket-writer.js';

/** Tickets with their customer, step log and timers: the aggregate the ticket service reads and changes. */
export interface TicketRepository {
  find(id: number): Promise<TicketRecord | undefined>;
  findMany(ids: readonly number[]): Promise<TicketRecord[]>;
  stepLog(id: number): Promise<StepLogEntry[]>;
  pendingTimers(id: number): Promise<PendingTimerView[]>;
  /** A page of tickets, most urgent first: open before closed, VIP first, then the nearest SLA breach. */
  list(query: TicketQuery): Promise<{ items: TicketRecord[]; total: number }>;
  /** Stores one unit through the write queue, batched with the units written at the same moment. */
  write(unit: TicketWrite): Promise<TicketWriteResult>;
}

export function ticketRepository(db: Database): TicketRepository {
  const writer: BatchWriter<TicketWrite, TicketWriteResult> = ticketWriter(db.knex, db.sqlite);
  const { knex, sqlite } = db;
  return {
    find(id) {
      // On SQLite the read is one cached prepared statement on the owned connection: no knex round on the hot path.
      if (sqlite) return Promise.resolve(maybeTicket(sqlite.prepare(`${TICKET_SELECT} WHERE t.id = ?`).get(id) as TicketRow | undefined));
      return knex.raw(`${TICKET_SELECT} WHERE t.id = ?`, [id]).then((result: { rows: TicketRow[] }) => maybeTicket(result.rows[0]));
    },
    async findMany(ids) {
      if (!ids.length) return [];
      const rows = (await knex.raw(`${TICKET_SELECT} WHERE t.id IN (${ids.map(() => '?').join(', ')}) ORDER BY t.id`, [...ids])) as unknown;
      return (Array.isArray(rows) ? (rows as TicketRow[]) : (rows as { rows: TicketRow[] }).rows).map(ticketOf);
    },
    async stepLog(id) {
      return ((await knex('step_log').where({ ticket_id: id }).orderBy('visit')) as StepLogRow[]).map(stepLogEntryOf);
    },
    async pendingTimers(id) {
      return ((await knex('timers').where({ ticket_id: id }).whereNull('fired_at').whereNull('cancelled_at').orderBy('due_at')) as TimerRow[]).map(pendingTimerOf);
    },
    async list(query) {
      const base = knex('tickets as t').modify((q: Knex.QueryBuilder) => {
        if (query.workflow) q.where('t.workflow_key', query.workflow);
        if (query.customer !== undefined) q.where('t.customer_id', query.customer);
        if (query.state === 'open') q.whereNull('t.closed_at');
        else if (query.state === 'closed') q.whereNotNull('t.closed_at');
        else if (query.state) q.whereExists(openVisit(knex).where('s.step', query.state));
        if (query.owner) q.whereExists(openVisit(knex).where('s.owner', query.owner));
      });
      const [{ total }] = (await base.clone().count({ total: '*' })) as [{ total: number | string }];
      const rows = (await base
        .clone()
        .join('customers as c', 'c.id', 't.customer_id')
        .select('t.*', 'c.name as customer_name', 'c.external_id as customer_external_id')
        .orderByRaw('CASE WHEN t.closed_at IS NULL THEN 0 ELSE 1 END')
        .orderBy('t.vip', 'desc')
        .orderByRaw('CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END')
        .orderBy([{ column: 't.due_at' }, { column: 't.id' }])
        .limit(Math.min(query.limit ?? 50, 500))
        .offset(query.offset ?? 0)) as TicketRow[];
      return { items: rows.map(ticketOf), total: Number(total) };
    },
    write: (unit) => db.submit(writer, unit),
  };
}

function maybeTicket(row: TicketRow | undefined): TicketRecord | undefined {
  return row ? ticketOf(row) : undefined;
}

function openVisit(knex: Knex): Knex.QueryBuilder {
  return knex('step_log as s').select(knex.raw('1')).whereRaw('s.ticket_id = t.id').whereNull('s.exited_at');
}
