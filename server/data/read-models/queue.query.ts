import type { Database } from '../database.js';
import type { Knex } from 'knex';
import type { TicketState } from '../../engine/ticket-engine.js';

/** What the queue can be narrowed to. `state`: open (the default), closed, or a step id the tickets wait in. */
export interface QueueFilter {
  workflow?: string;
  channel?: string;
  level?: string;
  state?: string;
  /** Owner role of a step the tickets wait in (a lane of the SOP). */
  owner?: string;
  /** Only tickets this user opened. */
  createdBy?: string;
  /** Only tickets waiting in a step owned by one of these lanes (the user's SOP roles). */
  lanes?: string[];
}

/**
 * Where a page starts: the last row of the page before. Open tickets are read in four runs (VIP with a limit,
 * VIP without, others with, others without), each in due order; closed tickets newest first.
 */
export interface QueueCursor {
  run: number;
  /** due_at of open tickets, closed_at of closed ones; absent in the runs without a limit. */
  at?: number;
  id: number;
}

export interface QueueRow {
  id: number;
  workflowId: number;
  workflowKey: string;
  channel: string;
  subject: string;
  customerId: number;
  customerName: string;
  vip: boolean;
  level: string | null;
  /** The engine's state of the ticket, parsed from its stored snapshot. */
  state: TicketState;
  dueAt: number | null;
  createdAt: number;
  closedAt: number | null;
  createdBy: string;
}

/** The queue's own reads: a page of tickets most urgent first, and about how many match. */
export interface QueueReadModel {
  /** Up to `limit` tickets from `after` on, and the cursor of the next page when there is one. */
  page(filter: QueueFilter, after: QueueCursor | undefined, limit: number): Promise<{ rows: QueueRow[]; next?: QueueCursor }>;
  /** How many tickets match, counted up to `cap`: a count never scans them all. */
  count(filter: QueueFilter, cap: number): Promise<number>;
}

interface Run {
  where(q: Knex.QueryBuilder): void;
  /** The sort column of the run (due_at, closed_at), or none (then by id). */
  column?: 't.due_at' | 't.closed_at';
  descending: boolean;
}

// Each run is one range of the (closed_at, vip, due_at) index, read in its order: a page costs a few index
// seeks however many tickets there are. Paging is by keyset (the last row seen), never by OFFSET.
const OPEN_RUNS: Run[] = [
  { where: (q) => void q.whereNull('t.closed_at').where('t.vip', true).whereNotNull('t.due_at'), column: 't.due_at', descending: false },
  { where: (q) => void q.whereNull('t.closed_at').where('t.vip', true).whereNull('t.due_at'), descending: false },
  { where: (q) => void q.whereNull('t.closed_at').where('t.vip', false).whereNotNull('t.due_at'), column: 't.due_at', descending: false },
  { where: (q) => void q.whereNull('t.closed_at').where('t.vip', false).whereNull('t.due_at'), descending: false },
];
const CLOSED_RUNS: Run[] = [{ where: (q) => void q.whereNotNull('t.closed_at'), column: 't.closed_at', descending: true }];

const COLUMNS = [
  't.id',
  't.workflow_id',
  't.workflow_key',
  't.channel',
  't.subject',
  't.customer_id',
  'c.name as customer_name',
  't.vip',
  't.level',
  't.snapshot',
  't.due_at',
  't.created_at',
  't.closed_at',
  't.created_by',
];

interface Row {
  id: number | string;
  workflow_id: number;
  workflow_key: string;
  channel: string;
  subject: string;
  customer_id: number;
  customer_name: string;
  vip: boolean | number;
  level: string | null;
  snapshot: string;
  due_at: number | null;
  created_at: number;
  closed_at: number | null;
  created_by: string;
}

/** The queue read model on knex, for SQLite and PostgreSQL alike. */
export class KnexQueueReadModel implements QueueReadModel {
  private readonly knex: Knex;

  constructor(db: Database) {
    this.knex = db.knex;
  }

  async page(filter: QueueFilter, after: QueueCursor | undefined, limit: number): Promise<{ rows: QueueRow[]; next?: QueueCursor }> {
    const runs = filter.state === 'closed' ? CLOSED_RUNS : OPEN_RUNS;
    const rows: QueueRow[] = [];
    let last: { run: number; row: QueueRow } | undefined;
    for (let run = after?.run ?? 0; run < runs.length && rows.length <= limit; run++) {
      const spec = runs[run]!;
      const query = this.knex('tickets as t').join('customers as c', 'c.id', 't.customer_id').select(COLUMNS);
      spec.where(query);
      this.filtered(query, filter);
      if (after && after.run === run) keysetAfter(query, spec, after);
      if (spec.column) query.orderBy(spec.column, spec.descending ? 'desc' : 'asc');
      query.orderBy('t.id', spec.descending ? 'desc' : 'asc').limit(limit + 1 - rows.length);
      for (const row of (await query) as Row[]) {
        const converted = rowOf(row);
        rows.push(converted);
        last = { run, row: converted };
      }
    }
    if (rows.length <= limit || !last) return { rows };
    rows.length = limit;
    const end = rows[limit - 1]!;
    const endRun = this.runOf(runs, end);
    const at = runs[endRun]!.column === 't.closed_at' ? end.closedAt : runs[endRun]!.column === 't.due_at' ? end.dueAt : null;
    return { rows, next: { run: endRun, id: end.id, ...(at !== null ? { at } : {}) } };
  }

  async count(filter: QueueFilter, cap: number): Promise<number> {
    const inner = this.knex('tickets as t').select(this.knex.raw('1'));
    if (filter.state === 'closed') inner.whereNotNull('t.closed_at');
    else inner.whereNull('t.closed_at');
    this.filtered(inner, filter);
    const [row] = (await this.knex.from(inner.limit(cap).as('m')).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(row?.n ?? 0);
  }

  /** The filter's conditions; a step or owner is matched against the steps the ticket waits in now. */
  private filtered(query: Knex.QueryBuilder, filter: QueueFilter): void {
    if (filter.workflow) query.where('t.workflow_key', filter.workflow);
    if (filter.channel) query.where('t.channel', filter.channel);
    if (filter.level) query.where('t.level', filter.level);
    if (filter.createdBy) query.where('t.created_by', filter.createdBy);
    const step = filter.state && filter.state !== 'open' && filter.state !== 'closed' ? filter.state : undefined;
    if (step || filter.owner || filter.lanes) {
      const knex = this.knex;
      query.whereExists(function () {
        this.select(knex.raw('1')).from('step_log as s').whereRaw('s.ticket_id = t.id').whereNull('s.exited_at');
        if (step) this.where('s.step', step);
        if (filter.owner) this.where('s.owner', filter.owner);
        if (filter.lanes) this.whereIn('s.owner', filter.lanes);
      });
    }
  }

  private runOf(runs: Run[], row: QueueRow): number {
    if (runs === CLOSED_RUNS) return 0;
    return (row.vip ? 0 : 2) + (row.dueAt === null ? 1 : 0);
  }
}

function keysetAfter(query: Knex.QueryBuilder, run: Run, after: QueueCursor): void {
  const op = run.descending ? '<' : '>';
  if (run.column && after.at !== undefined) {
    const column = run.column;
    const at = after.at;
    query.where((q) => {
      q.where(column, op, at).orWhere((same) => {
        same.where(column, at).where('t.id', op, after.id);
      });
    });
  } else {
    query.where('t.id', op, after.id);
  }
}

function rowOf(row: Row): QueueRow {
  return {
    id: Number(row.id),
    workflowId: row.workflow_id,
    workflowKey: row.workflow_key,
    channel: row.channel,
    subject: row.subject,
    customerId: row.customer_id,
    customerName: row.customer_name,
    vip: Boolean(row.vip),
    level: row.level,
    state: JSON.parse(row.snapshot) as TicketState,
    dueAt: row.due_at === null ? null : Number(row.due_at),
    createdAt: Number(row.created_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    createdBy: row.created_by,
  };
}
