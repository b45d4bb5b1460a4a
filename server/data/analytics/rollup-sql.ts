import { listSql, valuesSql, type SqlValue } from '../database.js';

// What the daily rollups hold, written once: each ticket's and each step visit's contribution, as SQL over
// `tickets t` (and `step_log s`, with `rollup_state st` for the offset the days are counted at) and, beside
// it, as the same function of the row read back. A rebuild and the dashboard's partial days add up the SQL;
// the upkeep on write reads the plain rows before and after a write and adds the difference of the functions
// (cheaper to plan than the SQL on every write). A test holds the two to each other: the rollups kept on
// write must equal a rebuild.

export const DAY_MS = 86_400_000;

export interface Statement {
  sql: string;
  bindings: SqlValue[];
}

/** A ticket's columns the rollups read, as plain values. */
export interface FactTicket {
  id: number;
  workflowKey: string;
  version: number | null;
  createdAt: number;
  channel: string;
  level: string | null;
  vip: boolean;
  closedAt: number | null;
  firstResponseAt: number | null;
  firstResponseMs: number | null;
  handleMs: number | null;
  waitingMs: number | null;
  resolutionMs: number | null;
  resolutionSlaMs: number | null;
  resolutionBreached: boolean;
  fcr: boolean | null;
  fcrAt: number | null;
  abandoned: boolean;
  warnings: number;
  stepBreaches: number;
  escalations: number;
  reopenings: number;
  complaint: boolean;
  csat: number | null;
  path: string | null;
}

/** A step-log row's columns the rollups read. */
export interface FactVisit {
  ticketId: number;
  visit: number;
  step: string;
  stepName: string;
  automatic: boolean;
  slaMs: number | null;
  reworkFrom: string | null;
  exitedAt: number | null;
  businessMs: number | null;
  breached: boolean;
  waiting: boolean;
}

type Column<T> = readonly [column: string, sql: string, of: (row: T, offsetMinutes: number) => SqlValue];
const flag = (value: boolean) => (value ? 1 : 0);

/** The day a ticket counts on: its creation instant at the rollups' offset. */
const DAY_SQL = '((t.created_at + st.offset_minutes * 60000) / 86400000)';

/** A ticket's dimensions: the key of `rollup_tickets` and the first columns of `rollup_steps`'. */
export const TICKET_KEYS: ReadonlyArray<Column<FactTicket>> = [
  ['workflow_key', 't.workflow_key', (t) => t.workflowKey],
  ['day', DAY_SQL, (t, offset) => Math.floor((t.createdAt + offset * 60_000) / DAY_MS)],
  ['version', 'COALESCE(t.version, -1)', (t) => t.version ?? -1],
  ['channel', 't.channel', (t) => t.channel],
  ['level', "COALESCE(t.level, '')", (t) => t.level ?? ''],
  ['vip', 'CASE WHEN t.vip THEN 1 ELSE 0 END', (t) => flag(t.vip)],
];

/** The sums of `rollup_tickets`, each a ticket's contribution (the same conditions as metrics.query.ts's KPI_COLUMNS). */
export const TICKET_SUMS: ReadonlyArray<Column<FactTicket>> = [
  ['tickets', '1', () => 1],
  ['open', 'CASE WHEN t.closed_at IS NULL THEN 1 ELSE 0 END', (t) => flag(t.closedAt === null)],
  ['fr_n', 'CASE WHEN t.first_response_ms IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.firstResponseMs !== null)],
  ['fr_sum', 'COALESCE(t.first_response_ms, 0)', (t) => t.firstResponseMs ?? 0],
  [
    'aht_n',
    'CASE WHEN t.closed_at IS NOT NULL AND NOT t.abandoned AND t.handle_ms IS NOT NULL THEN 1 ELSE 0 END',
    (t) => flag(t.closedAt !== null && !t.abandoned && t.handleMs !== null),
  ],
  ['aht_sum', 'CASE WHEN t.closed_at IS NOT NULL AND NOT t.abandoned THEN COALESCE(t.handle_ms, 0) ELSE 0 END', (t) => (t.closedAt !== null && !t.abandoned ? (t.handleMs ?? 0) : 0)],
  ['res_n', 'CASE WHEN t.resolution_ms IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.resolutionMs !== null)],
  ['res_sum', 'COALESCE(t.resolution_ms, 0)', (t) => t.resolutionMs ?? 0],
  ['wait_n', 'CASE WHEN t.closed_at IS NOT NULL AND t.waiting_ms IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.closedAt !== null && t.waitingMs !== null)],
  ['wait_sum', 'CASE WHEN t.closed_at IS NOT NULL THEN COALESCE(t.waiting_ms, 0) ELSE 0 END', (t) => (t.closedAt !== null ? (t.waitingMs ?? 0) : 0)],
  // Whatever the FCR window: the dashboard takes away the tickets whose window has not passed yet.
  ['fcr_n', 'CASE WHEN t.fcr IS NOT NULL AND t.fcr_at IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.fcr !== null && t.fcrAt !== null)],
  ['fcr_yes', 'CASE WHEN t.fcr AND t.fcr_at IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.fcr === true && t.fcrAt !== null)],
  ['ab_n', 'CASE WHEN t.abandoned OR t.first_response_at IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.abandoned || t.firstResponseAt !== null)],
  ['ab_yes', 'CASE WHEN t.abandoned THEN 1 ELSE 0 END', (t) => flag(t.abandoned)],
  [
    'sla_n',
    'CASE WHEN t.resolution_sla_ms IS NOT NULL AND (t.closed_at IS NOT NULL OR t.resolution_breached) THEN 1 ELSE 0 END',
    (t) => flag(t.resolutionSlaMs !== null && (t.closedAt !== null || t.resolutionBreached)),
  ],
  ['sla_breached', 'CASE WHEN t.resolution_sla_ms IS NOT NULL AND t.resolution_breached THEN 1 ELSE 0 END', (t) => flag(t.resolutionSlaMs !== null && t.resolutionBreached)],
  ['warned', 'CASE WHEN t.warnings > 0 THEN 1 ELSE 0 END', (t) => flag(t.warnings > 0)],
  ['breached', 'CASE WHEN t.step_breaches > 0 OR t.resolution_breached THEN 1 ELSE 0 END', (t) => flag(t.stepBreaches > 0 || t.resolutionBreached)],
  ['escalated', 'CASE WHEN t.escalations > 0 THEN 1 ELSE 0 END', (t) => flag(t.escalations > 0)],
  ['reopened', 'CASE WHEN t.closed_at IS NOT NULL AND t.reopenings > 0 THEN 1 ELSE 0 END', (t) => flag(t.closedAt !== null && t.reopenings > 0)],
  ['complaints', 'CASE WHEN t.complaint THEN 1 ELSE 0 END', (t) => flag(t.complaint)],
  ['csat_n', 'CASE WHEN t.csat IS NOT NULL THEN 1 ELSE 0 END', (t) => flag(t.csat !== null)],
  ['csat_sum', 'COALESCE(t.csat, 0)', (t) => t.csat ?? 0],
  ['csat_yes', 'CASE WHEN t.csat >= 4 THEN 1 ELSE 0 END', (t) => flag(t.csat !== null && t.csat >= 4)],
];

/** A visit's own part of the key of `rollup_steps`. */
export const STEP_KEYS: ReadonlyArray<Column<FactVisit>> = [
  ['step', 's.step', (v) => v.step],
  ['step_name', 's.step_name', (v) => v.stepName],
  ['automatic', 'CASE WHEN s.automatic THEN 1 ELSE 0 END', (v) => flag(v.automatic)],
  ['sla_ms', 'COALESCE(s.sla_ms, -1)', (v) => v.slaMs ?? -1],
  ['rework_from', "COALESCE(s.rework_from, '')", (v) => v.reworkFrom ?? ''],
];

/** The sums of `rollup_steps` (the same conditions as metrics.query.ts's step statistics). */
export const STEP_SUMS: ReadonlyArray<Column<FactVisit>> = [
  ['visits', '1', () => 1],
  ['total_ms', 'CASE WHEN s.exited_at IS NOT NULL THEN COALESCE(s.business_ms, 0) ELSE 0 END', (v) => (v.exitedAt !== null ? (v.businessMs ?? 0) : 0)],
  ['limit_n', 'CASE WHEN s.sla_ms IS NOT NULL AND (s.exited_at IS NOT NULL OR s.breached) THEN 1 ELSE 0 END', (v) => flag(v.slaMs !== null && (v.exitedAt !== null || v.breached))],
  ['breached_n', 'CASE WHEN s.sla_ms IS NOT NULL AND s.breached THEN 1 ELSE 0 END', (v) => flag(v.slaMs !== null && v.breached)],
  ['waiting_n', 'CASE WHEN s.waiting THEN 1 ELSE 0 END', (v) => flag(v.waiting)],
];

/** A visit whose duration the step percentiles count. */
export const DURATION_COUNTED = 'NOT s.automatic AND s.exited_at IS NOT NULL AND s.business_ms IS NOT NULL';
export const durationCounted = (v: FactVisit): boolean => !v.automatic && v.exitedAt !== null && v.businessMs !== null;
/** A ticket whose path the variants count. */
export const VARIANT_COUNTED = 't.closed_at IS NOT NULL AND t.path IS NOT NULL';
export const variantCounted = (t: FactTicket): boolean => t.closedAt !== null && t.path !== null;

/** `bucketSql` in JavaScript: the start of `value`'s bucket. */
export function bucketOf(value: number): number {
  if (value < 16) return value;
  let e = 4;
  while (value >= 2 ** (e + 1) && e < 49) e++;
  const width = 2 ** (e - 3);
  return Math.floor(value / width) * width;
}

/**
 * The duration bucket of `value` (ms, ≥ 0): exact below 16 ms, then eight buckets an octave, each [b, b + w)
 * with w = 2^(e−3) for values in [2^e, 2^(e+1)): a bucket's width is at most an eighth of its start.
 * Integer arithmetic only, so both databases bucket alike.
 */
export function bucketSql(value: string): string {
  const branches = [`WHEN ${value} < 16 THEN ${value}`];
  for (let e = 4; e < 50; e++) {
    const width = 2 ** (e - 3);
    branches.push(`WHEN ${value} < ${2 ** (e + 1)} THEN (${value} / ${width}) * ${width}`);
  }
  return `CASE ${branches.join(' ')} ELSE ${value} END`;
}

const select = (columns: ReadonlyArray<Column<never>>, prefix: string) => columns.map(([column, sql]) => `${sql} AS ${prefix}${column}`).join(', ');

const TICKET_COLUMNS = TICKET_KEYS.map(([c]) => c);
const SUM_SQL = <T>(columns: ReadonlyArray<Column<T>>) => columns.map(([, sql]) => `SUM(${sql})`).join(', ');
const STEP_KEY_COLUMNS = [...TICKET_COLUMNS, ...STEP_KEYS.map(([c]) => c)];
export const DURATION_KEY_COLUMNS = ['workflow_key', 'day', 'version', 'step', 'bucket'];
export const VARIANT_KEY_COLUMNS = ['workflow_key', 'day', 'version', 'path'];

/** What each rollup table is keyed by, and what it adds up. */
export const ROLLUP_TABLES = {
  rollup_tickets: { keys: TICKET_COLUMNS, sums: TICKET_SUMS.map(([c]) => c) },
  rollup_steps: { keys: STEP_KEY_COLUMNS, sums: STEP_SUMS.map(([c]) => c) },
} as const;

/** Rows added to one rollup table: its key and value columns with their types, and how a row already there takes them. */
export interface Upsert {
  table: string;
  columns: readonly string[];
  /** PostgreSQL types of the columns (VALUES in a subquery are typed by casts). */
  types: readonly string[];
  rows: readonly SqlValue[][];
  conflict: string;
}

const TYPES: Record<string, string> = { workflow_key: 'text', channel: 'text', level: 'text', step: 'text', step_name: 'text', rework_from: 'text', path: 'text' };
const INTEGERS = new Set(['day', 'version', 'vip', 'automatic']);
const typeOf = (column: string) => TYPES[column] ?? (INTEGERS.has(column) ? 'integer' : 'bigint');

function upsert(table: string, columns: readonly string[], keys: readonly string[], rows: readonly SqlValue[][], set: string): Upsert {
  return { table, columns, types: columns.map(typeOf), rows, conflict: `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${set}` };
}

/** Adds `rows` (keys, then sums) to a sums table: a row that is not there yet is inserted. */
export function addSums(table: keyof typeof ROLLUP_TABLES, rows: readonly SqlValue[][]): Upsert {
  const { keys, sums } = ROLLUP_TABLES[table];
  return upsert(table, [...keys, ...sums], keys, rows, sums.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', '));
}

/** Adds visits to duration buckets: (keys…, visits, min, max) rows. */
export function addDurations(rows: readonly SqlValue[][], client: 'sqlite' | 'pg'): Upsert {
  const [least, greatest] = client === 'pg' ? ['LEAST', 'GREATEST'] : ['MIN', 'MAX'];
  const t = 'rollup_durations';
  return upsert(
    t,
    [...DURATION_KEY_COLUMNS, 'visits', 'min_ms', 'max_ms'],
    DURATION_KEY_COLUMNS,
    rows,
    `visits = ${t}.visits + excluded.visits, min_ms = ${least}(${t}.min_ms, excluded.min_ms), max_ms = ${greatest}(${t}.max_ms, excluded.max_ms)`,
  );
}

/** Adds closed tickets to variants: (keys…, tickets, res_n, res_sum, min_id) rows. */
export function addVariants(rows: readonly SqlValue[][], client: 'sqlite' | 'pg'): Upsert {
  const least = client === 'pg' ? 'LEAST' : 'MIN';
  const t = 'rollup_variants';
  return upsert(
    t,
    [...VARIANT_KEY_COLUMNS, 'tickets', 'res_n', 'res_sum', 'min_id'],
    VARIANT_KEY_COLUMNS,
    rows,
    `tickets = ${t}.tickets + excluded.tickets, res_n = ${t}.res_n + excluded.res_n, res_sum = ${t}.res_sum + excluded.res_sum, min_id = ${least}(${t}.min_id, excluded.min_id)`,
  );
}

/** Rows per statement on SQLite: at most 30 values a row, well under its limit on bound values. */
const ROWS_PER_STATEMENT = 250;
/** Values one PostgreSQL statement may bind at most (the protocol's limit is 65,535). */
const POSTGRES_VALUES = 60_000;

/**
 * The upserts as statements, tables in the order given and rows in the order given (every writer locks rollup
 * rows in the same order, so no two wait on each other in a circle). SQLite: a statement a table (a few
 * hundred rows each). PostgreSQL: one statement for them all, each table's INSERT a WITH query that waits for
 * the one before it (its WHERE reads the previous one's count), so the order holds within the statement too.
 */
export function upsertStatements(upserts: readonly Upsert[], client: 'sqlite' | 'pg'): Statement[] {
  const used = upserts.filter((u) => u.rows.length > 0);
  const values = used.reduce((sum, u) => sum + u.rows.length * u.columns.length, 0);
  if (client === 'pg' && used.length && values <= POSTGRES_VALUES) {
    const bindings: SqlValue[] = [];
    const parts = used.map((u, i) => {
      const row = `(${u.types.map((type) => `CAST(? AS ${type})`).join(', ')})`;
      for (const r of u.rows) bindings.push(...r);
      const after = i > 0 ? ` WHERE (SELECT COUNT(*) FROM u${i - 1}) >= 0` : '';
      return `u${i} AS (INSERT INTO ${u.table} (${u.columns.join(', ')}) SELECT * FROM (VALUES ${u.rows.map(() => row).join(', ')}) AS v (${u.columns.join(', ')})${after} ${u.conflict} RETURNING 1)`;
    });
    return [{ sql: `WITH ${parts.join(', ')} SELECT COUNT(*) AS n FROM u${used.length - 1}`, bindings }];
  }
  const statements: Statement[] = [];
  for (const u of used) {
    for (let from = 0; from < u.rows.length; from += ROWS_PER_STATEMENT) {
      const chunk = u.rows.slice(from, from + ROWS_PER_STATEMENT);
      statements.push({ sql: `INSERT INTO ${u.table} (${u.columns.join(', ')}) VALUES ${valuesSql(chunk.length, u.columns.length)} ${u.conflict}`, bindings: chunk.flat() });
    }
  }
  return statements;
}

/** Tickets created on `day` (at `offset` minutes) of `workflowKey` and `version`: the raw rows behind one rollup key. */
function dayOf(key: { workflowKey: string; day: number; version: number }, offsetMinutes: number): { text: string; bindings: SqlValue[] } {
  const start = key.day * DAY_MS - offsetMinutes * 60_000;
  return { text: 't.workflow_key = ? AND t.created_at >= ? AND t.created_at < ? AND COALESCE(t.version, -1) = ?', bindings: [key.workflowKey, start, start + DAY_MS, key.version] };
}

/** The duration bucket `key` counted again from the step log (when a visit left it, which only a version change does). */
export function recountDuration(key: { workflowKey: string; day: number; version: number; step: string; bucket: number }, offsetMinutes: number): Statement[] {
  const of = dayOf(key, offsetMinutes);
  const bucket = bucketSql('s.business_ms');
  return [
    { sql: `DELETE FROM rollup_durations WHERE ${DURATION_KEY_COLUMNS.map((c) => `${c} = ?`).join(' AND ')}`, bindings: [key.workflowKey, key.day, key.version, key.step, key.bucket] },
    {
      sql: `INSERT INTO rollup_durations (${DURATION_KEY_COLUMNS.join(', ')}, visits, min_ms, max_ms)
        SELECT CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT), COUNT(*), MIN(s.business_ms), MAX(s.business_ms)
        FROM tickets t JOIN step_log s ON s.ticket_id = t.id
        WHERE ${of.text} AND s.step = ? AND ${DURATION_COUNTED} AND ${bucket} = ? HAVING COUNT(*) > 0`,
      bindings: [key.workflowKey, key.day, key.version, key.step, key.bucket, ...of.bindings, key.step, key.bucket],
    },
  ];
}

/** The variant `key` counted again from the tickets (when a ticket left it: only a version change does that). */
export function recountVariant(key: { workflowKey: string; day: number; version: number; path: string }, offsetMinutes: number): Statement[] {
  const of = dayOf(key, offsetMinutes);
  return [
    { sql: `DELETE FROM rollup_variants WHERE ${VARIANT_KEY_COLUMNS.map((c) => `${c} = ?`).join(' AND ')}`, bindings: [key.workflowKey, key.day, key.version, key.path] },
    {
      sql: `INSERT INTO rollup_variants (${VARIANT_KEY_COLUMNS.join(', ')}, tickets, res_n, res_sum, min_id)
        SELECT CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), COUNT(*), COUNT(t.resolution_ms), COALESCE(SUM(t.resolution_ms), 0), MIN(t.id)
        FROM tickets t
        WHERE ${of.text} AND ${VARIANT_COUNTED} AND t.path = ? HAVING COUNT(*) > 0`,
      bindings: [key.workflowKey, key.day, key.version, key.path, ...of.bindings, key.path],
    },
  ];
}

/** Every rollup made again from the tickets and the step log (the state row must say the offset first). */
export function rebuildStatements(): Statement[] {
  const keys = select(TICKET_KEYS, '');
  const positions = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from).join(', ');
  const stepKeys = [...TICKET_KEYS, ...STEP_KEYS] as ReadonlyArray<Column<never>>;
  const durationKeys = `t.workflow_key, ${DAY_SQL}, COALESCE(t.version, -1), s.step, ${bucketSql('s.business_ms')}`;
  const variantKeys = `t.workflow_key, ${DAY_SQL}, COALESCE(t.version, -1), t.path`;
  const sql = (text: string): Statement => ({ sql: text, bindings: [] });
  return [
    ...['rollup_variants', 'rollup_durations', 'rollup_steps', 'rollup_tickets'].map((table) => sql(`DELETE FROM ${table}`)),
    sql(`INSERT INTO rollup_tickets (${[...TICKET_COLUMNS, ...ROLLUP_TABLES.rollup_tickets.sums].join(', ')})
      SELECT ${keys}, ${SUM_SQL(TICKET_SUMS)} FROM tickets t CROSS JOIN rollup_state st GROUP BY ${positions(TICKET_KEYS.length)}`),
    sql(`INSERT INTO rollup_steps (${[...STEP_KEY_COLUMNS, ...ROLLUP_TABLES.rollup_steps.sums].join(', ')})
      SELECT ${select(stepKeys, '')}, ${SUM_SQL(STEP_SUMS)} FROM tickets t CROSS JOIN rollup_state st JOIN step_log s ON s.ticket_id = t.id
      GROUP BY ${positions(stepKeys.length)}`),
    sql(`INSERT INTO rollup_durations (${DURATION_KEY_COLUMNS.join(', ')}, visits, min_ms, max_ms)
      SELECT ${durationKeys}, COUNT(*), MIN(s.business_ms), MAX(s.business_ms) FROM tickets t CROSS JOIN rollup_state st JOIN step_log s ON s.ticket_id = t.id
      WHERE ${DURATION_COUNTED} GROUP BY ${positions(5)}`),
    sql(`INSERT INTO rollup_variants (${VARIANT_KEY_COLUMNS.join(', ')}, tickets, res_n, res_sum, min_id)
      SELECT ${variantKeys}, COUNT(*), COUNT(t.resolution_ms), COALESCE(SUM(t.resolution_ms), 0), MIN(t.id) FROM tickets t CROSS JOIN rollup_state st
      WHERE ${VARIANT_COUNTED} GROUP BY ${positions(4)}`),
  ];
}
