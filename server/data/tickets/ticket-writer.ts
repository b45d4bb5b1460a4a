import { ConflictError } from '../../shared/errors.js';
import { isUniqueViolation, listSql, rowsOf, writeRows, type SqlValue, type SqliteStatements, type Transaction } from '../database.js';
import type { BatchWriter, Outcome } from '../write-queue.js';
import type { Knex } from 'knex';
import {
  afterChanges,
  beforeChange,
  beforeChanges,
  created,
  emptyChange,
  inTransaction,
  mergeContributions,
  onSqlite,
  rollupWrites,
  type Contributions,
} from '../analytics/rollup-maintenance.js';
import { knownChange, newFactTicket, visitWrite } from './ticket-rollups.js';
import type { FactTicket } from '../analytics/rollup-sql.js';
import type { Customer, NewTicketRecord, TicketEffects, TicketWrite, TicketWriteResult } from './ticket-records.js';
import {
  classificationValues,
  columnValues,
  customerOf,
  notificationValues,
  stepLogValues,
  timerValues,
  NOTIFICATIONS_INSERT,
  SIGNAL_DELIVERIES_INSERT,
  SIGNAL_DELIVERIES_TAIL,
  SIGNAL_RAISE,
  STEP_LOG_INSERT,
  STEP_LOG_UPSERT,
  STEP_LOG_VALUES,
  CLASSIFICATION_INSERT,
  FACT_COLUMNS,
  FACT_TYPES,
  TICKET_INSERT,
  TIMERS_INSERT,
  TIMERS_UPSERT,
  type CustomerRow,
} from './ticket-rows.js';

/** The columns a ticket change sets, in the order of `columnValues`. */
const UPDATED_COLUMNS = ['level', 'vip', 'fields', 'snapshot', 'revision', 'due_at', 'updated_at', 'closed_at', ...FACT_COLUMNS];
/** Those under an index of `tickets` (besides due_at), with what the rollups' read of the row says they hold. */
const INDEXED: Partial<Record<string, (row: FactTicket) => SqlValue>> = {
  level: (row) => row.level,
  vip: (row) => row.vip,
  closed_at: (row) => row.closedAt,
  first_response_ms: (row) => row.firstResponseMs,
  resolution_ms: (row) => row.resolutionMs,
  fcr_at: (row) => row.fcrAt,
};
const ticketUpdates = new Map<string, string>();
const TIMER_FIRED = 'UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL';
// One-row statements as constants: the statement cache is keyed by SQL text, and a string built per call is hashed anew each time.
const STEP_LOG_ROW = `${STEP_LOG_INSERT} ${STEP_LOG_VALUES}${STEP_LOG_UPSERT}`;
const TIMER_ROW = `${TIMERS_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${TIMERS_UPSERT}`;
const NOTIFICATION_ROW = `${NOTIFICATIONS_INSERT} VALUES (?, ?, ?, ?, ?, ?)`;
const SIGNAL_DELIVERY_ROW = `${SIGNAL_DELIVERIES_INSERT} VALUES (?, ?, ?)${SIGNAL_DELIVERIES_TAIL}`;
const CLASSIFICATION_ROW = `${CLASSIFICATION_INSERT} VALUES (?, ?, ?, ?)`;

type ChangeWrite = Extract<TicketWrite, { kind: 'change' }>;

/** A unit's place in the batch and, once its ticket row is written, the id its effects belong to. */
type Stored = { index: number; ticketId: number; effects: TicketEffects; firedTimerIds: readonly number[]; at: number };

/**
 * Stores ticket writes in one transaction per batch. A change is written only if the ticket's row is still
 * at the version it was computed from (else `stale`, nothing of it written); then its step-log rows, timers
 * and notifications; last, the daily rollups of the batch's tickets move by what the batch changed
 * (`analytics/rollup-maintenance.ts`: one upsert a rollup table, rows in key order). On SQLite the whole
 * transaction runs synchronously on the owned connection with prepared statements (nothing else can run
 * meanwhile); on PostgreSQL the batch's tickets are locked in id order and changed with one multi-row
 * statement per table.
 */
export function ticketWriter(knex: Knex, sqlite: SqliteStatements | undefined): BatchWriter<TicketWrite, TicketWriteResult> {
  if (sqlite) return { writeBatch: (units) => Promise.resolve(sqlite.transaction(() => writeBatchOnSqlite(sqlite, units))) };
  return { writeBatch: (units) => knex.transaction((trx) => writeOnPostgres(trx, units)) };
}

function writeBatchOnSqlite(sqlite: SqliteStatements, units: readonly TicketWrite[]): Array<Outcome<TicketWriteResult>> {
  const change = emptyChange();
  const outcomes = units.map((unit) => writeOnSqlite(sqlite, unit, change));
  for (const statement of rollupWrites(change, 'sqlite')) sqlite.prepare(statement.sql).run(statement.bindings);
  return outcomes;
}

function writeOnSqlite(sqlite: SqliteStatements, unit: TicketWrite, change: { before: Contributions; after: Contributions }): Outcome<TicketWriteResult> {
  if (unit.kind === 'create') {
    const { ticket } = unit;
    const customer = sqliteCustomer(sqlite, ticket);
    const [row] = sqlite.prepare(TICKET_INSERT).all(newTicketValues(ticket, customer.id).map(bindable)) as Array<{ id: number }>;
    const id = Number(row!.id);
    writeEffectsOnSqlite(sqlite, id, unit.effects, [], ticket.createdAt);
    if (unit.classification) run(sqlite, CLASSIFICATION_ROW, classificationValues(id, unit.classification, ticket.createdAt));
    mergeContributions(change, onSqlite(sqlite, created(newFactTicket(id, ticket), unit.effects.stepLog.map(visitWrite), 'sqlite')));
    return { ok: true, value: { kind: 'created', id, customer } };
  }
  const known = [knownChange(unit.ticketId, unit.columns, unit.effects)];
  const before = onSqlite(sqlite, beforeChange(known[0]!, 'sqlite'));
  const update = ticketUpdate(columnValues(unit.columns), before.tickets.get(unit.ticketId));
  const changed = run(sqlite, update.sql, [...update.values, unit.ticketId, unit.expectedRowVersion]).changes;
  if (changed === 0) return { ok: true, value: { kind: 'stale' } };
  writeEffectsOnSqlite(sqlite, unit.ticketId, unit.effects, unit.firedTimerIds, unit.columns.updatedAt);
  mergeContributions(change, afterChanges(before, known));
  return { ok: true, value: { kind: 'changed', rowVersion: unit.expectedRowVersion + 1 } };
}

/**
 * The update of a ticket's row without the indexed columns that keep their value (`now`, the row as the
 * transaction read it; all of them without it): SQLite rewrites the index entries of every column a statement
 * sets, changed or not, and most changes leave level, VIP, close and the indexed facts alone.
 */
function ticketUpdate(values: readonly SqlValue[], now: FactTicket | undefined): { sql: string; values: SqlValue[] } {
  const set = UPDATED_COLUMNS.map((column, i) => now === undefined || INDEXED[column]?.(now) !== values[i]);
  const shape = set.map(Number).join('');
  let sql = ticketUpdates.get(shape);
  if (sql === undefined) {
    const assignments = UPDATED_COLUMNS.filter((_, i) => set[i]).map((column) => `${column} = ?`);
    sql = `UPDATE tickets SET ${assignments.join(', ')}, row_version = row_version + 1 WHERE id = ? AND row_version = ?`;
    ticketUpdates.set(shape, sql);
  }
  return { sql, values: values.filter((_, i) => set[i]) };
}

function writeEffectsOnSqlite(sqlite: SqliteStatements, ticketId: number, effects: TicketEffects, fired: readonly number[], at: number): void {
  for (const id of fired) run(sqlite, TIMER_FIRED, [at, id]);
  for (const entry of effects.stepLog) run(sqlite, STEP_LOG_ROW, stepLogValues(ticketId, entry));
  for (const timer of effects.timers) run(sqlite, TIMER_ROW, timerValues(ticketId, timer));
  for (const note of effects.notifications) run(sqlite, NOTIFICATION_ROW, notificationValues(ticketId, note));
  for (const signal of effects.signals ?? []) run(sqlite, SIGNAL_DELIVERY_ROW, [signal, ticketId, at]);
  for (const name of effects.raised ?? []) run(sqlite, SIGNAL_RAISE, [name, `ticket ${ticketId}`, at]);
}

/** One statement; a function of its own, not a closure made per write (tsx names each closure it makes). */
function run(sqlite: SqliteStatements, sql: string, values: readonly SqlValue[]): { changes: number } {
  return sqlite.prepare(sql).run(values.map(bindable));
}

function sqliteCustomer(sqlite: SqliteStatements, ticket: NewTicketRecord): Customer {
  const { name, externalId } = ticket.customer;
  if (externalId) {
    const existing = sqlite.prepare('SELECT id, name, external_id FROM customers WHERE external_id = ?').get(externalId) as CustomerRow | undefined;
    if (existing) return customerOf(existing);
  }
  try {
    const row = sqlite.prepare('INSERT INTO customers (name, external_id, created_at) VALUES (?, ?, ?) RETURNING id, name, external_id').get(name, externalId ?? null, ticket.createdAt);
    return customerOf(row as CustomerRow);
  } catch (error) {
    throw customerConflict(error, externalId);
  }
}

async function writeOnPostgres(trx: Transaction, units: readonly TicketWrite[]): Promise<Array<Outcome<TicketWriteResult>>> {
  const outcomes: Array<Outcome<TicketWriteResult>> = new Array(units.length);
  const stored: Stored[] = [];
  const classifications: SqlValue[][] = [];
  const changes = units.flatMap((unit, index) => (unit.kind === 'change' ? [{ unit, index }] : []));
  let before: Contributions = emptyChange().before;
  // A ticket changed twice in one batch: the second is computed from a version the first replaces.
  const seen = new Set<number>();
  const distinct = changes.filter(({ unit, index }) => {
    if (!seen.has(unit.ticketId)) return seen.add(unit.ticketId);
    outcomes[index] = { ok: true, value: { kind: 'stale' } };
    return false;
  });
  if (distinct.length) {
    // Locked in id order, so two processes' batches never wait on each other in a circle; the same read tells
    // what the tickets contribute to the rollups now.
    before = await inTransaction(trx, beforeChanges(distinct.map(({ unit }) => knownChange(unit.ticketId, unit.columns, unit.effects)), 'pg', true));
    const updated = await writeRows<{ id: number }>(
      trx,
      TICKETS_UPDATE_HEAD,
      distinct.map(({ unit }) => [...columnValues(unit.columns), unit.ticketId, unit.expectedRowVersion]),
      TICKETS_UPDATE_TAIL,
    );
    const written = new Set(updated.map((row) => Number(row.id)));
    for (const { unit, index } of distinct) {
      if (!written.has(unit.ticketId)) outcomes[index] = { ok: true, value: { kind: 'stale' } };
      else {
        outcomes[index] = { ok: true, value: { kind: 'changed', rowVersion: unit.expectedRowVersion + 1 } };
        stored.push({ index, ticketId: unit.ticketId, effects: unit.effects, firedTimerIds: unit.firedTimerIds, at: unit.columns.updatedAt });
      }
    }
  }
  for (const [index, unit] of units.entries()) {
    if (unit.kind !== 'create') continue;
    const customer = await postgresCustomer(trx, unit.ticket);
    const [row] = rowsOf<{ id: number }>(await trx.raw(TICKET_INSERT, newTicketValues(unit.ticket, customer.id)));
    const id = Number(row!.id);
    outcomes[index] = { ok: true, value: { kind: 'created', id, customer } };
    stored.push({ index, ticketId: id, effects: unit.effects, firedTimerIds: [], at: unit.ticket.createdAt });
    if (unit.classification) classifications.push(classificationValues(id, unit.classification, unit.ticket.createdAt));
  }
  for (const { firedTimerIds, at } of stored) {
    if (firedTimerIds.length) await trx.raw(`UPDATE timers SET fired_at = ? WHERE id IN (${listSql(firedTimerIds.length)}) AND fired_at IS NULL AND cancelled_at IS NULL`, [at, ...firedTimerIds]);
  }
  await writeRows(trx, STEP_LOG_INSERT, stored.flatMap((s) => s.effects.stepLog.map((e) => stepLogValues(s.ticketId, e))), STEP_LOG_UPSERT);
  await writeRows(trx, TIMERS_INSERT, stored.flatMap((s) => s.effects.timers.map((t) => timerValues(s.ticketId, t))), TIMERS_UPSERT);
  await writeRows(trx, NOTIFICATIONS_INSERT, stored.flatMap((s) => s.effects.notifications.map((n) => notificationValues(s.ticketId, n))));
  const deliveries = stored.flatMap((s) => (s.effects.signals ?? []).map((signal) => [signal, s.ticketId, s.at]));
  await writeRows(trx, SIGNAL_DELIVERIES_INSERT, deliveries, SIGNAL_DELIVERIES_TAIL);
  for (const s of stored) for (const name of s.effects.raised ?? []) await trx.raw(SIGNAL_RAISE, [name, `ticket ${s.ticketId}`, s.at]);
  await writeRows(trx, CLASSIFICATION_INSERT, classifications);
  // What the stored changes leave, as written (a stale one adds nothing); new tickets add all of theirs.
  const change = afterChanges(
    before,
    stored.filter((s) => units[s.index]!.kind === 'change').map((s) => knownChange(s.ticketId, (units[s.index] as ChangeWrite).columns, s.effects)),
  );
  for (const s of stored) {
    const unit = units[s.index]!;
    if (unit.kind === 'create') mergeContributions(change, await inTransaction(trx, created(newFactTicket(s.ticketId, unit.ticket), s.effects.stepLog.map(visitWrite), 'pg')));
  }
  for (const statement of rollupWrites(change, 'pg')) await trx.raw(statement.sql, statement.bindings);
  return outcomes;
}

async function postgresCustomer(trx: Transaction, ticket: NewTicketRecord): Promise<Customer> {
  const { name, externalId } = ticket.customer;
  if (externalId) {
    const [existing] = rowsOf<CustomerRow>(await trx.raw('SELECT id, name, external_id FROM customers WHERE external_id = ?', [externalId]));
    if (existing) return customerOf(existing);
  }
  try {
    const [row] = rowsOf<CustomerRow>(await trx.raw('INSERT INTO customers (name, external_id, created_at) VALUES (?, ?, ?) RETURNING id, name, external_id', [name, externalId ?? null, ticket.createdAt]));
    return customerOf(row!);
  } catch (error) {
    throw customerConflict(error, externalId);
  }
}

function customerConflict(error: unknown, externalId: string | undefined): unknown {
  return isUniqueViolation(error) ? new ConflictError(`customer ${externalId} was created at the same time; try again`) : error;
}

function newTicketValues(ticket: NewTicketRecord, customerId: number): SqlValue[] {
  return [...columnValues(ticket.columns), ticket.workflowVersionId, ticket.workflowKey, ticket.version, ticket.channel, ticket.subject, customerId, ticket.createdAt, ticket.createdBy];
}

/** better-sqlite3 binds numbers, strings and null; booleans are stored as 0 and 1. */
function bindable(value: SqlValue): SqlValue {
  return typeof value === 'boolean' ? Number(value) : value;
}

// PostgreSQL types the values of a VALUES list of parameters as text: the casts say what they are.
const TICKETS_UPDATE_HEAD = `UPDATE tickets AS t SET level = v.level, vip = v.vip::boolean, fields = v.fields, snapshot = v.snapshot,
  revision = v.revision::integer, due_at = v.due_at::bigint, updated_at = v.updated_at::bigint, closed_at = v.closed_at::bigint,
  ${FACT_COLUMNS.map((column) => `${column} = v.${column}::${FACT_TYPES[column]}`).join(', ')},
  row_version = t.row_version + 1 FROM (`;
const TICKETS_UPDATE_TAIL = `) AS v (level, vip, fields, snapshot, revision, due_at, updated_at, closed_at, ${FACT_COLUMNS.join(', ')}, id, expected)
  WHERE t.id = v.id::bigint AND t.row_version = v.expected::integer RETURNING t.id`;
