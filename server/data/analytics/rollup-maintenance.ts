import type { Knex } from 'knex';
import { rowsOf, type Database, type SqliteStatements, type SqlValue } from '../database.js';
import {
  addDurations,
  addSums,
  addVariants,
  bucketOf,
  durationCounted,
  rebuildStatements,
  recountDuration,
  recountVariant,
  ROLLUP_TABLES,
  STEP_KEYS,
  STEP_SUMS,
  TICKET_KEYS,
  TICKET_SUMS,
  upsertStatements,
  variantCounted,
  type FactTicket,
  type FactVisit,
  type Statement,
  type Upsert,
} from './rollup-sql.js';
import { factTicketOf, factVisitsOf, stateSql, ticketRowsSql, type VisitsRead } from './rollup-rows.js';

// The daily rollups kept by the writes themselves. A writer reads what the tickets it is about to change
// contribute, every visit with them, in one statement (`rollupBefore`, or `beforeChanges` for the ticket
// writer, which also locks the rows; on SQLite `beforeChange`, only the visits it writes), writes, then knows what they contribute after: read again
// (`rollupAfter`), or, for the ticket writer, from what it wrote (`afterChanges`). It adds the difference
// (`rollupWrites`), all in its own transaction: the rollups change exactly when the rows they sum do, and a
// rolled-back write leaves them alone. A ticket whose dimensions change (a level set, a VIP flag, a migration
// to another version) moves with all its visits. Sums are added as differences; duration buckets and variants
// keep a minimum, which cannot be taken away, so a visit or ticket that leaves one (only a migration does) has
// its bucket counted again from raw rows.

type Row = Record<string, SqlValue>;

/** What some tickets contribute to the rollups: their rows and their visits' rows (a visit counts under its ticket's dimensions). */
export interface Contributions {
  offsetMinutes: number | undefined;
  tickets: Map<number, FactTicket>;
  visits: Map<string, FactVisit>;
}

/** A read the maintenance asks for; the driver answers the rows. */
export type RollupReads<T> = Generator<Statement, T, Row[]>;

const empty = (): Contributions => ({ offsetMinutes: undefined, tickets: new Map(), visits: new Map() });
const visitId = (visit: FactVisit) => `${visit.ticketId}:${visit.visit}`;
const ticketKey = (ticket: FactTicket, offset: number): SqlValue[] => TICKET_KEYS.map(([, , of]) => of(ticket, offset));

type Lock = { state: boolean; forUpdate: boolean };

function* read(ids: readonly number[], lock: Lock, client: Database['client'], visits: VisitsRead = 'all'): RollupReads<Contributions> {
  const into = empty();
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  if (!sorted.length) return into;
  for (const row of yield ticketRows(sorted, lock, client, visits)) {
    if (row.offset_minutes === null) return empty();
    into.offsetMinutes = Number(row.offset_minutes);
    const ticket = factTicketOf(row);
    into.tickets.set(ticket.id, ticket);
    for (const visit of factVisitsOf(row)) into.visits.set(visitId(visit), visit);
  }
  return into;
}

/** `ticketRowsSql`, its text built once per shape (a batch has at most a few hundred tickets): every ticket write reads it. */
const ticketRowsTexts = new Map<string, string>();
function ticketRows(ids: readonly number[], lock: Lock, client: Database['client'], visits: VisitsRead): Statement {
  const shape = `${client} ${ids.length} ${lock.state} ${lock.forUpdate} ${typeof visits === 'object' ? 'from' : visits}`;
  const sql = ticketRowsTexts.get(shape) ?? ticketRowsSql(ids, lock, client, visits).sql;
  ticketRowsTexts.set(shape, sql);
  return { sql, bindings: typeof visits === 'object' ? [visits.from, ...ids] : [...ids] };
}

/** Reads what the tickets `ids` contribute now, before a write (on PostgreSQL it holds off a rebuild until the commit). */
export function rollupBefore(ids: readonly number[], client: Database['client']): RollupReads<Contributions> {
  return read(ids, { state: client === 'pg', forUpdate: false }, client);
}

/** Reads what the tickets `ids` contribute after the write. */
export function* rollupAfter(ids: readonly number[], before: Contributions, client: Database['client']): RollupReads<{ before: Contributions; after: Contributions }> {
  return { before, after: yield* read(ids, { state: false, forUpdate: false }, client) };
}

/** A step-log row as a write leaves it: what the rollups read of it. */
export type VisitWrite = Omit<FactVisit, 'ticketId'>;

/**
 * A change a batch writer knows in full, so that the rollups need not read it back: the ticket's row after
 * the write (from its row before) and the step-log rows it inserts or, on conflict, updates (the ticket
 * writer's upsert keeps a row's step, name, limit, kind, waiting and loop-back, and sets its exit, business
 * time and breach).
 */
export interface KnownChange {
  ticketId: number;
  next: (before: FactTicket) => FactTicket;
  stepLog: readonly VisitWrite[];
}

/**
 * Reads what the tickets of `changes` contribute before a batch writer changes them, every visit with them
 * (one statement). On PostgreSQL the tickets are locked in id order with `lockTickets` (the batch's first statement).
 */
export function beforeChanges(changes: readonly KnownChange[], client: Database['client'], lockTickets: boolean): RollupReads<Contributions> {
  return read(
    changes.map((c) => c.ticketId),
    { state: client === 'pg', forUpdate: client === 'pg' && lockTickets },
    client,
  );
}

/**
 * What one ticket contributes before a batch writer changes it, with only the visits the change writes: all
 * the others add nothing (`afterChanges`) unless the change moves the ticket to other keys, which reads again.
 */
export function* beforeChange(change: KnownChange, client: Database['client']): RollupReads<Contributions> {
  const lock = { state: client === 'pg', forUpdate: false };
  const from = Math.min(...change.stepLog.map((write) => write.visit));
  const some = yield* read([change.ticketId], lock, client, change.stepLog.length ? { from } : 'none');
  const was = some.tickets.get(change.ticketId);
  const offset = some.offsetMinutes;
  if (!was || offset === undefined || sameKeys(ticketKey(was, offset), ticketKey(change.next(was), offset))) return some;
  return yield* read([change.ticketId], lock, client);
}

/**
 * What `changes` leave, from what was read before them (`beforeChanges`), without reading it back. A visit a
 * change leaves alone adds nothing unless its ticket moves to other keys (`rollupWrites`): only then are all
 * of the ticket's visits carried, else just those it writes.
 */
export function afterChanges(before: Contributions, changes: readonly KnownChange[]): { before: Contributions; after: Contributions } {
  const offset = before.offsetMinutes;
  const after: Contributions = { offsetMinutes: offset, tickets: new Map(), visits: new Map() };
  const kept: Contributions = { offsetMinutes: offset, tickets: new Map(), visits: new Map() };
  for (const change of changes) {
    const was = before.tickets.get(change.ticketId);
    if (!was) continue;
    const is = change.next(was);
    kept.tickets.set(change.ticketId, was);
    after.tickets.set(change.ticketId, is);
    if (offset === undefined || !sameKeys(ticketKey(was, offset), ticketKey(is, offset))) {
      for (const [id, visit] of before.visits) {
        if (visit.ticketId !== change.ticketId) continue;
        kept.visits.set(id, visit);
        after.visits.set(id, visit);
      }
    }
    for (const write of change.stepLog) {
      const id = `${change.ticketId}:${write.visit}`;
      const old = before.visits.get(id);
      if (old) kept.visits.set(id, old);
      after.visits.set(id, old ? { ...old, exitedAt: write.exitedAt, businessMs: write.businessMs, breached: write.breached } : { ticketId: change.ticketId, ...write });
    }
  }
  return { before: kept, after };
}

function sameKeys(a: readonly SqlValue[], b: readonly SqlValue[]): boolean {
  return a.every((value, i) => value === b[i]);
}

/** A new ticket's contribution: nothing before it, and all of it after (undefined while the rollups are not built). */
export function* created(ticket: FactTicket, stepLog: readonly VisitWrite[], client: Database['client']): RollupReads<{ before: Contributions; after: Contributions }> {
  const [state] = yield stateSql(client === 'pg');
  const offsetMinutes = state ? Number(state.offset_minutes) : undefined;
  const after: Contributions = { offsetMinutes, tickets: new Map([[ticket.id, ticket]]), visits: new Map() };
  for (const write of stepLog) after.visits.set(`${ticket.id}:${write.visit}`, { ticketId: ticket.id, ...write });
  return { before: { ...empty(), offsetMinutes }, after: offsetMinutes === undefined ? empty() : after };
}

/** Folds one write's contributions into a batch's: the first `before` of a ticket and its last `after` count. */
export function mergeContributions(batch: { before: Contributions; after: Contributions }, one: { before: Contributions; after: Contributions }): void {
  for (const [id, row] of one.before.tickets) if (!batch.before.tickets.has(id)) batch.before.tickets.set(id, row);
  for (const [id, row] of one.before.visits) if (!batch.before.visits.has(id)) batch.before.visits.set(id, row);
  for (const [id, row] of one.after.tickets) batch.after.tickets.set(id, row);
  for (const [id, row] of one.after.visits) batch.after.visits.set(id, row);
  batch.before.offsetMinutes ??= one.before.offsetMinutes ?? one.after.offsetMinutes;
  batch.after.offsetMinutes ??= one.after.offsetMinutes;
}

export function emptyChange(): { before: Contributions; after: Contributions } {
  return { before: empty(), after: empty() };
}


/** Adds `sign` × a row's sums to the totals of its key. */
function tally(totals: Map<string, { key: SqlValue[]; sums: number[] }>, key: SqlValue[], sums: SqlValue[], sign: number): void {
  const id = JSON.stringify(key);
  const entry = totals.get(id) ?? { key, sums: sums.map(() => 0) };
  sums.forEach((value, i) => (entry.sums[i]! += sign * Number(value)));
  totals.set(id, entry);
}

function compareKeys(a: readonly SqlValue[], b: readonly SqlValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** Rows that changed some sum, in key order (every writer locks rollup rows in the same order: no deadlock). */
function changed(totals: Map<string, { key: SqlValue[]; sums: number[] }>): SqlValue[][] {
  return [...totals.values()]
    .filter((t) => t.sums.some((v) => v !== 0))
    .sort((x, y) => compareKeys(x.key, y.key))
    .map((t) => [...t.key, ...t.sums]);
}

/** The statements that bring the rollups from `before` to `after` (none when the rollups are not built yet). */
export function rollupWrites(change: { before: Contributions; after: Contributions }, client: Database['client']): Statement[] {
  const { before, after } = change;
  const offset = after.offsetMinutes ?? before.offsetMinutes;
  if (offset === undefined) return [];
  const tickets = new Map<string, { key: SqlValue[]; sums: number[] }>();
  const steps = new Map<string, { key: SqlValue[]; sums: number[] }>();
  // Each ticket's key before and after: a visit the write left alone, under unchanged keys, adds nothing.
  const keys = new Map<number, { was: SqlValue[] | undefined; is: SqlValue[] | undefined; same: boolean }>();
  for (const id of new Set([...before.tickets.keys(), ...after.tickets.keys()])) {
    const [was, is] = [before.tickets.get(id), after.tickets.get(id)];
    const [wasKey, isKey] = [was && ticketKey(was, offset), is && ticketKey(is, offset)];
    keys.set(id, { was: wasKey, is: isKey, same: !!wasKey && !!isKey && JSON.stringify(wasKey) === JSON.stringify(isKey) });
    if (was) tally(tickets, wasKey!, TICKET_SUMS.map(([, , of]) => of(was, offset)), -1);
    if (is) tally(tickets, isKey!, TICKET_SUMS.map(([, , of]) => of(is, offset)), 1);
  }
  const moved = new Set<string>();
  for (const id of new Set([...before.visits.keys(), ...after.visits.keys()])) {
    const [was, is] = [before.visits.get(id), after.visits.get(id)];
    const key = keys.get((was ?? is)!.ticketId)!;
    if (was === is && key.same) continue;
    moved.add(id);
    if (was) tally(steps, [...key.was!, ...STEP_KEYS.map(([, , of]) => of(was, offset))], STEP_SUMS.map(([, , of]) => of(was, offset)), -1);
    if (is) tally(steps, [...key.is!, ...STEP_KEYS.map(([, , of]) => of(is, offset))], STEP_SUMS.map(([, , of]) => of(is, offset)), 1);
  }
  const buckets = bucketWrites(change, moved, offset, client);
  const variants = variantWrites(change, offset, client);
  return [
    ...upsertStatements([addSums('rollup_tickets', changed(tickets)), addSums('rollup_steps', changed(steps)), buckets.add, variants.add], client),
    ...buckets.recounts,
    ...variants.recounts,
  ];
}

/** Visits newly counted add to their bucket; a visit gone from a bucket (or changed) has the bucket counted again. */
function bucketWrites(
  { before, after }: { before: Contributions; after: Contributions },
  /** The visits whose contribution may have changed. */
  changedVisits: ReadonlySet<string>,
  offset: number,
  client: Database['client'],
): { add: Upsert; recounts: Statement[] } {
  const keyOf = (rows: Contributions, visit: FactVisit | undefined): SqlValue[] | undefined => {
    if (!visit || !durationCounted(visit)) return undefined;
    const [workflowKey, day, version] = ticketKey(rows.tickets.get(visit.ticketId)!, offset);
    return [workflowKey!, day!, version!, visit.step, bucketOf(visit.businessMs!)];
  };
  const recount = new Map<string, SqlValue[]>();
  const added = new Map<string, { key: SqlValue[]; visits: number; min: number; max: number }>();
  for (const id of changedVisits) {
    const [was, is] = [before.visits.get(id), after.visits.get(id)];
    const [wasKey, isKey] = [keyOf(before, was), keyOf(after, is)];
    if (wasKey && isKey && JSON.stringify(wasKey) === JSON.stringify(isKey) && was!.businessMs === is!.businessMs) continue;
    if (wasKey) recount.set(JSON.stringify(wasKey), wasKey);
    if (!isKey) continue;
    const value = is!.businessMs!;
    const entry = added.get(JSON.stringify(isKey)) ?? { key: isKey, visits: 0, min: value, max: value };
    added.set(JSON.stringify(isKey), { key: isKey, visits: entry.visits + 1, min: Math.min(entry.min, value), max: Math.max(entry.max, value) });
  }
  const rows = [...added]
    .filter(([id]) => !recount.has(id))
    .map(([, a]) => [...a.key, a.visits, a.min, a.max])
    .sort(compareKeys);
  const recounts = [...recount.values()].sort(compareKeys).flatMap(([workflowKey, day, version, step, bucket]) =>
    recountDuration({ workflowKey: String(workflowKey), day: Number(day), version: Number(version), step: String(step), bucket: Number(bucket) }, offset),
  );
  return { add: addDurations(rows, client), recounts };
}

/** A ticket that closed adds to its path's variant; one that left a variant (or changed in it) has the variant counted again. */
function variantWrites({ before, after }: { before: Contributions; after: Contributions }, offset: number, client: Database['client']): { add: Upsert; recounts: Statement[] } {
  const keyOf = (ticket: FactTicket | undefined): SqlValue[] | undefined => {
    if (!ticket || !variantCounted(ticket)) return undefined;
    const [workflowKey, day, version] = ticketKey(ticket, offset);
    return [workflowKey!, day!, version!, ticket.path!];
  };
  const recount = new Map<string, SqlValue[]>();
  const added = new Map<string, SqlValue[]>();
  for (const id of new Set([...before.tickets.keys(), ...after.tickets.keys()])) {
    const [was, is] = [before.tickets.get(id), after.tickets.get(id)];
    const [wasKey, isKey] = [keyOf(was), keyOf(is)];
    if (wasKey && isKey && JSON.stringify(wasKey) === JSON.stringify(isKey) && was!.resolutionMs === is!.resolutionMs) continue;
    if (wasKey) recount.set(JSON.stringify(wasKey), wasKey);
    if (!isKey) continue;
    const resolution = is!.resolutionMs;
    const entry = added.get(JSON.stringify(isKey));
    const [tickets, resN, resSum, minId] = entry ? entry.slice(4).map(Number) : [0, 0, 0, id];
    added.set(JSON.stringify(isKey), [...isKey, tickets! + 1, resN! + (resolution === null ? 0 : 1), resSum! + (resolution ?? 0), Math.min(minId!, id)]);
  }
  const rows = [...added]
    .filter(([id]) => !recount.has(id))
    .map(([, row]) => row)
    .sort(compareKeys);
  const recounts = [...recount.values()]
    .sort(compareKeys)
    .flatMap(([workflowKey, day, version, path]) => recountVariant({ workflowKey: String(workflowKey), day: Number(day), version: Number(version), path: String(path) }, offset));
  return { add: addVariants(rows, client), recounts };
}

/** Answers a maintenance's reads on SQLite's owned connection, synchronously (inside a batch writer's transaction). */
export function onSqlite<T>(sqlite: SqliteStatements, reads: RollupReads<T>): T {
  let step = reads.next();
  while (!step.done) step = reads.next(sqlite.prepare(step.value.sql).all(step.value.bindings) as Row[]);
  return step.value;
}

/** Answers a maintenance's reads in a knex transaction (either database). */
export async function inTransaction<T>(trx: Knex.Transaction, reads: RollupReads<T>): Promise<T> {
  let step = reads.next();
  while (!step.done) step = reads.next(rowsOf<Row>(await trx.raw(step.value.sql, step.value.bindings)));
  return step.value;
}

/** The whole maintenance of a write in a knex transaction: `write` runs between the two reads. */
export async function withRollups<T>(trx: Knex.Transaction, client: Database['client'], ids: readonly number[], write: () => Promise<T>): Promise<T> {
  const before = await inTransaction(trx, rollupBefore(ids, client));
  const result = await write();
  const change = await inTransaction(trx, rollupAfter(ids, before, client));
  for (const statement of rollupWrites(change, client)) await trx.raw(statement.sql, statement.bindings);
  return result;
}

/**
 * Makes the rollups again from every ticket and visit, counting days at `offsetMinutes` (ANALYTICS_UTC_OFFSET),
 * unless they were already built at that offset. On PostgreSQL the writers of other processes wait meanwhile
 * (each holds a share lock on `rollup_state` from its first read to its commit). Answers whether it rebuilt.
 */
export async function ensureRollups(db: Database, offsetMinutes: number, now: number, force = false): Promise<boolean> {
  const [state] = (await db.knex('rollup_state').select('offset_minutes')) as Array<{ offset_minutes: number }>;
  if (!force && state && Number(state.offset_minutes) === offsetMinutes) return false;
  return db.write(async (trx) => {
    if (db.client === 'pg') await trx.raw('LOCK TABLE rollup_state IN EXCLUSIVE MODE');
    const [current] = (await trx('rollup_state').select('offset_minutes')) as Array<{ offset_minutes: number }>;
    if (!force && current && Number(current.offset_minutes) === offsetMinutes) return false;
    await trx('rollup_state').del();
    await trx('rollup_state').insert({ id: 1, offset_minutes: offsetMinutes, built_at: now });
    for (const statement of rebuildStatements()) await trx.raw(statement.sql, statement.bindings);
    return true;
  });
}

/** The offset the rollups' days were counted at, or undefined while they are not built. */
export async function rollupOffset(knex: Knex): Promise<number | undefined> {
  const [state] = (await knex('rollup_state').select('offset_minutes')) as Array<{ offset_minutes: number }>;
  return state ? Number(state.offset_minutes) : undefined;
}

export { ROLLUP_TABLES };
