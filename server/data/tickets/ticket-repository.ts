import type { Knex } from 'knex';
import type { Database } from '../database.js';
import type { BatchWriter } from '../write-queue.js';
import type { PendingTimerView, StepLogEntry, TicketCursor, TicketQuery, TicketRecord, TicketWrite, TicketWriteResult } from './ticket-records.js';
import { pendingTimerOf, stepLogEntryOf, ticketOf, TICKET_SELECT, type StepLogRow, type TicketRow, type TimerRow } from './ticket-rows.js';
import { ticketWriter } from './ticket-writer.js';

/** Tickets with their customer, step log and timers: the aggregate the ticket service reads and changes. */
export interface TicketRepository {
  find(id: number): Promise<TicketRecord | undefined>;
  stepLog(id: number): Promise<StepLogEntry[]>;
  pendingTimers(id: number): Promise<PendingTimerView[]>;
  /**
   * A page of tickets, most urgent first: open before closed, VIP first, then the nearest SLA breach, then
   * by id; from just after `query.after` on. `next` (the last row's place) when more follow.
   */
  list(query: TicketQuery): Promise<{ items: TicketRecord[]; next?: TicketCursor }>;
  /** Stores one unit through the write queue, batched with the units written at the same moment. */
  write(unit: TicketWrite): Promise<TicketWriteResult>;
}

export function ticketRepository(db: Database): TicketRepository {
  const writer: BatchWriter<TicketWrite, TicketWriteResult> = ticketWriter(db.knex, db.sqlite);
  const { knex, sqlite } = db;
  const findMany = async (ids: readonly number[]): Promise<TicketRecord[]> => {
    if (!ids.length) return [];
    const rows = (await knex.raw(`${TICKET_SELECT} WHERE t.id IN (${ids.map(() => '?').join(', ')}) ORDER BY t.id`, [...ids])) as unknown;
    return (Array.isArray(rows) ? (rows as TicketRow[]) : (rows as { rows: TicketRow[] }).rows).map(ticketOf);
  };
  const reads = new ReadBatch(findMany);
  return {
    find(id) {
      // On SQLite the read is one cached prepared statement on the owned connection: no knex round on the hot path.
      if (sqlite) return Promise.resolve(maybeTicket(sqlite.prepare(TICKET_BY_ID).get(id) as TicketRow | undefined));
      return reads.find(id);
    },
    async stepLog(id) {
      return ((await knex('step_log').where({ ticket_id: id }).orderBy('visit')) as StepLogRow[]).map(stepLogEntryOf);
    },
    async pendingTimers(id) {
      return ((await knex('timers').where({ ticket_id: id }).whereNull('fired_at').whereNull('cancelled_at').orderBy('due_at')) as TimerRow[]).map(pendingTimerOf);
    },
    async list(query) {
      const limit = query.limit ?? 50;
      const q = knex('tickets as t')
        .join('customers as c', 'c.id', 't.customer_id')
        .select('t.*', 'c.name as customer_name', 'c.external_id as customer_external_id')
        .modify((b: Knex.QueryBuilder) => {
          if (query.workflow) b.where('t.workflow_key', query.workflow);
          if (query.customer !== undefined) b.where('t.customer_id', query.customer);
          if (query.state === 'open') b.whereNull('t.closed_at');
          else if (query.state === 'closed') b.whereNotNull('t.closed_at');
          else if (query.state) b.whereExists(openVisit(knex).where('s.step', query.state));
          if (query.owner) b.whereExists(openVisit(knex).where('s.owner', query.owner));
          // Keyset paging: the rows after the last one of the page before, in the same order (never OFFSET).
          if (query.after) b.whereRaw(`(${LIST_ORDER.join(', ')}) > (?, ?, ?, ?, ?)`, keyOf(query.after));
        })
        .orderByRaw(LIST_ORDER.join(', '))
        .limit(limit + 1);
      const rows = (await q) as ListRow[];
      if (rows.length <= limit) return { items: rows.map(ticketOf) };
      rows.length = limit;
      const last = rows[limit - 1]!;
      const dueAt = last.due_at === null ? null : Number(last.due_at);
      return {
        items: rows.map(ticketOf),
        next: { closed: last.closed_at !== null, vip: last.vip === true || Number(last.vip) === 1, dueAt, id: Number(last.id) },
      };
    },
    write: (unit) => db.submit(writer, unit),
  };
}

const TICKET_BY_ID = `${TICKET_SELECT} WHERE t.id = ?`;

/** The list's order as sort keys: open first, VIP first, a due time first, the nearest first, then by id. */
const LIST_ORDER = [
  'CASE WHEN t.closed_at IS NULL THEN 0 ELSE 1 END',
  'CASE WHEN t.vip THEN 0 ELSE 1 END',
  'CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END',
  'COALESCE(t.due_at, 0)',
  't.id',
];

type ListRow = TicketRow & { vip: boolean | number; due_at: number | string | null };

/** A cursor as the values of LIST_ORDER. */
function keyOf(after: TicketCursor): number[] {
  return [after.closed ? 1 : 0, after.vip ? 0 : 1, after.dueAt === null ? 1 : 0, after.dueAt ?? 0, after.id];
}

/**
 * PostgreSQL: the tickets asked for in one turn of the event loop (the advances of requests that arrived
 * together) are read with one statement, a round trip for all of them instead of one each.
 */
class ReadBatch {
  private waiting: Map<number, Array<{ resolve: (record: TicketRecord | undefined) => void; reject: (error: unknown) => void }>> | undefined;

  constructor(private readonly findMany: (ids: readonly number[]) => Promise<TicketRecord[]>) {}

  find(id: number): Promise<TicketRecord | undefined> {
    return new Promise((resolve, reject) => {
      if (!this.waiting) {
        this.waiting = new Map();
        setImmediate(() => void this.flush());
      }
      const callers = this.waiting.get(id) ?? [];
      callers.push({ resolve, reject });
      this.waiting.set(id, callers);
    });
  }

  private async flush(): Promise<void> {
    const waiting = this.waiting!;
    this.waiting = undefined;
    try {
      const found = new Map((await this.findMany([...waiting.keys()])).map((record) => [record.id, record]));
      for (const [id, callers] of waiting) for (const caller of callers) caller.resolve(found.get(id));
    } catch (error) {
      for (const callers of waiting.values()) for (const caller of callers) caller.reject(error);
    }
  }
}

function maybeTicket(row: TicketRow | undefined): TicketRecord | undefined {
  return row ? ticketOf(row) : undefined;
}

function openVisit(knex: Knex): Knex.QueryBuilder {
  return knex('step_log as s').select(knex.raw('1')).whereRaw('s.ticket_id = t.id').whereNull('s.exited_at');
}
