import type { Knex } from 'knex';
import { valuesSql, type Database, type SqlValue } from '../database.js';
import { ensureRollups, rollupOffset } from './rollup-maintenance.js';

/** A ticket as a bulk load writes it: its id chosen by the caller, no engine snapshot (`{}`), no timers. */
export interface HistoryTicket {
  id: number;
  workflowVersionId: number;
  workflowKey: string;
  channel: string;
  subject: string;
  customerId: number;
  vip: boolean;
  level: string | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  createdBy: string;
  /** Columns later migrations added (by name: the `tickets` table's own), the same names on every ticket of a load. */
  extra?: Record<string, SqlValue>;
}

/** One step-log row. */
export interface HistoryVisit {
  ticketId: number;
  visit: number;
  step: string;
  stepName: string;
  owner: string | null;
  enteredAt: number;
  exitedAt: number | null;
  durationMs: number | null;
  actor: string | null;
  event: string | null;
  slaMs: number | null;
  breached: boolean;
  automatic: boolean;
  /** Columns later migrations added to `step_log`, the same names on every row of a load. */
  extra?: Record<string, SqlValue>;
}

export interface HistoryLoad {
  customers: Array<{ id: number; name: string; externalId: string; createdAt: number }>;
  tickets: HistoryTicket[];
  visits: HistoryVisit[];
}

const TICKET_COLUMNS = [
  'id',
  'workflow_id',
  'workflow_key',
  'channel',
  'subject',
  'customer_id',
  'vip',
  'level',
  'fields',
  'snapshot',
  'revision',
  'created_at',
  'updated_at',
  'closed_at',
  'created_by',
];
const VISIT_COLUMNS = ['ticket_id', 'visit', 'step', 'step_name', 'owner', 'entered_at', 'exited_at', 'duration_ms', 'actor', 'event', 'sla_ms', 'breached', 'automatic'];
const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

/** The columns `table` has now (after every migration): what a bulk load may fill beyond its own. */
export async function tableColumns(db: Database, table: 'tickets' | 'step_log'): Promise<Set<string>> {
  return new Set(Object.keys(await db.knex(table).columnInfo()));
}

/**
 * Writes a ready-made history (customers, closed and open tickets, their step-log rows) in one transaction,
 * as fast as each database takes rows: prepared multi-row statements on SQLite, one `unnest` of typed arrays
 * per column set on PostgreSQL. For benchmarks and tests that need a large history; it bypasses the ticket
 * runtime, so such tickets cannot be advanced. Call `finishHistoryLoad` after the last load.
 */
export async function loadHistory(db: Database, load: HistoryLoad): Promise<void> {
  await loadRows(db, [
    { table: 'customers', columns: ['id', 'name', 'external_id', 'created_at'], rows: load.customers.map((c) => [c.id, c.name, c.externalId, c.createdAt]) },
    { table: 'tickets', ...withExtra(TICKET_COLUMNS, load.tickets, ticketValues) },
    { table: 'step_log', ...withExtra(VISIT_COLUMNS, load.visits, visitValues) },
  ]);
}

/** Rows for one table: its column names, and each row's values in that order. */
export interface TableRows {
  table: string;
  columns: string[];
  rows: SqlValue[][];
}

/**
 * Writes rows of any tables, in the order given, in one transaction, by the bulk paths of `loadHistory`: what
 * a benchmark seeds beside a history (people, routing's profiles and assignments). Names are checked to be
 * plain identifiers; the caller keeps the rows consistent (ids, foreign keys).
 */
export async function loadRows(db: Database, load: readonly TableRows[]): Promise<void> {
  for (const { table, columns } of load)
    for (const name of [table, ...columns]) if (!COLUMN_NAME.test(name)) throw new Error(`"${name}" is not a table or column name`);
  const tables = load.filter((t) => t.rows.length > 0);
  const sqlite = db.sqlite;
  if (sqlite) {
    await db.submit(
      {
        writeBatch: (units) =>
          Promise.resolve(
            sqlite.transaction(() => {
              for (const { table, columns, rows } of tables) insertOnSqlite((sql) => sqlite.prepare(sql), table, columns, rows);
              return units.map(() => ({ ok: true as const, value: undefined }));
            }),
          ),
      },
      undefined,
    );
    return;
  }
  await db.write(async (trx) => {
    for (const { table, columns, rows } of tables) await insertOnPostgres(trx, table, columns, rows);
  });
}

/**
 * After bulk loads: identities continue past the ids written, the daily rollups are made again from the rows
 * (a load bypasses their upkeep), and the planner learns the new sizes (on PostgreSQL a VACUUM also marks the
 * new pages all-visible, so index-only scans read the indexes alone). `now` dates the rebuild; `more` names other
 * tables loaded beside the history, analyzed too.
 */
export async function finishHistoryLoad(db: Database, now: number, more: readonly string[] = []): Promise<void> {
  for (const table of ['customers', 'tickets', 'step_log']) {
    if (db.client === 'pg') await db.knex.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT max(id) FROM ??))`, [table, table]);
  }
  const offset = await rollupOffset(db.knex);
  if (offset !== undefined) await ensureRollups(db, offset, now, true);
  for (const table of ['customers', 'tickets', 'step_log', 'rollup_tickets', 'rollup_steps', 'rollup_durations', 'rollup_variants']) {
    await db.knex.raw(db.client === 'pg' ? 'VACUUM ANALYZE ??' : 'ANALYZE ??', [table]);
  }
  for (const table of more) await db.knex.raw('ANALYZE ??', [table]);
}

/** Durations a copy scales by 0.900–1.100 (a hash of the row and the copy), so copies do not repeat each other's figures. */
const JITTER = (hash: string) => `(900 + (${hash}) % 201)`;
const TICKET_DURATIONS = ['first_response_ms', 'handle_ms', 'waiting_ms', 'resolution_ms'];
const TICKET_INSTANTS = ['created_at', 'updated_at', 'closed_at', 'due_at', 'first_response_at', 'fcr_at'];

/**
 * PostgreSQL only, for benchmarks: makes `copies` more of every ticket with id ≤ `lastId` and its step log, in
 * two INSERT … SELECT over `generate_series` (no row crosses the wire). Copy k has ids shifted by k × `lastId`,
 * every instant by k × `shiftMs`, and its durations scaled by 0.9–1.1; customers are shared. Call
 * `finishHistoryLoad` after it.
 */
export async function replicateHistory(db: Database, options: { copies: number; lastId: number; shiftMs: number }): Promise<void> {
  if (db.client !== 'pg') throw new Error('replicateHistory needs PostgreSQL (generate_series)');
  const { copies, lastId, shiftMs } = options;
  const columns = async (table: string) => [...(await tableColumns(db, table as 'tickets' | 'step_log'))].filter((c) => c !== 'id' || table === 'tickets');
  const ticketColumns = await columns('tickets');
  const ticketValue = (c: string) =>
    c === 'id'
      ? `t.id + k * ${lastId}`
      : TICKET_INSTANTS.includes(c)
        ? `t.${c} + k * ${shiftMs}`
        : TICKET_DURATIONS.includes(c)
          ? `t.${c} * ${JITTER(`t.id * 7919 + k * 104729`)} / 1000`
          : `t.${c}`;
  const visitColumns = await columns('step_log');
  const visitValue = (c: string) =>
    c === 'ticket_id'
      ? `s.ticket_id + k * ${lastId}`
      : c === 'entered_at' || c === 'exited_at'
        ? `s.${c} + k * ${shiftMs}`
        : c === 'business_ms' || c === 'duration_ms'
          ? `s.${c} * ${JITTER(`s.ticket_id * 31 + s.visit * 7 + k * 13`)} / 1000`
          : `s.${c}`;
  await db.write(async (trx) => {
    await trx.raw(
      `INSERT INTO tickets (${ticketColumns.join(', ')}) SELECT ${ticketColumns.map(ticketValue).join(', ')} FROM tickets t CROSS JOIN generate_series(1, ?) AS k WHERE t.id <= ?`,
      [copies, lastId],
    );
    await trx.raw(
      `INSERT INTO step_log (${visitColumns.join(', ')}) SELECT ${visitColumns.map(visitValue).join(', ')} FROM step_log s CROSS JOIN generate_series(1, ?) AS k WHERE s.ticket_id <= ?`,
      [copies, lastId],
    );
  });
}

function withExtra<T extends { extra?: Record<string, SqlValue> }>(base: string[], items: T[], values: (item: T) => SqlValue[]) {
  const extra = Object.keys(items[0]?.extra ?? {});
  for (const name of extra) if (!COLUMN_NAME.test(name)) throw new Error(`"${name}" is not a column name`);
  return { columns: [...base, ...extra], rows: items.map((item) => [...values(item), ...extra.map((name) => item.extra?.[name] ?? null)]) };
}

function ticketValues(t: HistoryTicket): SqlValue[] {
  return [t.id, t.workflowVersionId, t.workflowKey, t.channel, t.subject, t.customerId, t.vip, t.level, '{}', '{}', 1, t.createdAt, t.updatedAt, t.closedAt, t.createdBy];
}

function visitValues(v: HistoryVisit): SqlValue[] {
  return [v.ticketId, v.visit, v.step, v.stepName, v.owner, v.enteredAt, v.exitedAt, v.durationMs, v.actor, v.event, v.slaMs, v.breached, v.automatic];
}

/** SQLite binds at most 32,766 values a statement; 100 rows is far below and near the fastest. */
const SQLITE_ROWS = 100;

function insertOnSqlite(prepare: (sql: string) => { run(values: SqlValue[]): unknown }, table: string, columns: string[], rows: SqlValue[][]): void {
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const full = prepare(head + valuesSql(SQLITE_ROWS, columns.length));
  for (let from = 0; from < rows.length; from += SQLITE_ROWS) {
    const chunk = rows.slice(from, from + SQLITE_ROWS);
    const values = chunk.flat().map((v) => (typeof v === 'boolean' ? Number(v) : v));
    (chunk.length === SQLITE_ROWS ? full : prepare(head + valuesSql(chunk.length, columns.length))).run(values);
  }
}

/** Rows per `unnest` statement on PostgreSQL: each column travels as one array parameter. */
const POSTGRES_ROWS = 20_000;

async function insertOnPostgres(trx: Knex.Transaction, table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
  const types = (await trx.raw('SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()', [
    table,
  ])) as { rows: Array<{ column_name: string; udt_name: string }> };
  const typeOf = new Map(types.rows.map((r) => [r.column_name, r.udt_name]));
  const arrays = columns.map((c) => `?::${typeOf.get(c)}[]`).join(', ');
  for (let from = 0; from < rows.length; from += POSTGRES_ROWS) {
    const chunk = rows.slice(from, from + POSTGRES_ROWS);
    await trx.raw(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${arrays})`,
      columns.map((_, i) => arrayLiteral(chunk.map((row) => row[i] ?? null))),
    );
  }
}

/** A PostgreSQL array literal: knex would spread a JS array into a list of parameters instead. */
function arrayLiteral(values: SqlValue[]): string {
  const items = values.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `"${v.replace(/[\\"]/g, '\\$&')}"` : String(v)));
  return `{${items.join(',')}}`;
}
