import type { SqlValue } from '../database.js';
import { groupSource, whereOf, type FactFilter, type FactGrouping, type Sql } from './metrics-sql.js';
import { bucketSql, DAY_MS, DURATION_COUNTED, STEP_SUMS, TICKET_SUMS, VARIANT_COUNTED } from './rollup-sql.js';

// The dashboard's queries when the daily rollups can answer them: whole days of the period from the rollup
// tables, the partial days at its ends from the raw rows, added up in one statement (UNION ALL, then one
// GROUP BY): the same figures as the raw aggregation in metrics.query.ts, because the rollups hold exactly
// the contributions (rollup-sql.ts) that aggregation adds up.

/** A period cut at the rollups' days: whole days `[firstDay, endDay)` and the partial days around them. */
export interface DaySplit {
  firstDay: number;
  endDay: number;
  /** The instants the whole days span, and the partial stretches before and after (empty ones left out). */
  whole: { from: number; to: number };
  edges: Array<{ from: number; to: number }>;
}

/** Undefined when the period holds no whole day: then the raw rows answer alone. */
export function splitDays(from: number, to: number, offsetMinutes: number): DaySplit | undefined {
  const offset = offsetMinutes * 60_000;
  const firstDay = Math.ceil((from + offset) / DAY_MS);
  const endDay = Math.floor((to + offset) / DAY_MS);
  if (endDay <= firstDay) return undefined;
  const whole = { from: firstDay * DAY_MS - offset, to: endDay * DAY_MS - offset };
  const edges = [
    { from, to: whole.from },
    { from: whole.to, to },
  ].filter((edge) => edge.from < edge.to);
  return { firstDay, endDay, whole, edges };
}

/** Which rollups a filter can be read from: the sums know channel, level and VIP; the buckets and variants only workflow and version. */
export function rollupsServe(filter: FactFilter, table: 'sums' | 'durations'): boolean {
  if (filter.agent !== undefined || filter.team !== undefined) return false;
  return table === 'sums' || (filter.channel === undefined && filter.level === undefined && filter.vip === undefined);
}

/** The groupings a rollup of sums can be grouped by (people are not in it). */
export function rollupGroups(grouping: FactGrouping): boolean {
  return grouping !== 'agent' && grouping !== 'team';
}

/** The group key over rollup rows `r`, the same text and numbers as `groupSource` over tickets. */
function rollupKey(grouping: FactGrouping): string {
  switch (grouping) {
    case 'channel':
      return 'r.channel';
    case 'level':
      return "CASE WHEN r.level = '' THEN 'none' ELSE r.level END";
    case 'vip':
      return "CASE WHEN r.vip = 1 THEN 'true' ELSE 'false' END";
    case 'version':
      return 'CASE WHEN r.version = -1 THEN NULL ELSE r.version END';
    // Days start at the weeks' offset, so a day lies in one week: days since the Monday 1970-01-05, ÷ 7.
    case 'week':
      return '((r.day - 4) / 7)';
    default:
      return "'all'";
  }
}

/** Rollup rows `r` of the whole days matching the filter. */
function rollupWhere(filter: FactFilter, split: DaySplit, dimensions: boolean): Sql {
  const parts = ['r.day >= ?', 'r.day < ?'];
  const bindings: SqlValue[] = [split.firstDay, split.endDay];
  const add = (text: string, ...values: SqlValue[]) => {
    parts.push(text);
    bindings.push(...values);
  };
  if (filter.workflow !== undefined) add('r.workflow_key = ?', filter.workflow);
  if (filter.version !== undefined) add('r.version = ?', filter.version);
  if (dimensions) {
    if (filter.channel !== undefined) add('r.channel = ?', filter.channel);
    if (filter.level === 'none') add("r.level = ''");
    else if (filter.level !== undefined) add('r.level = ?', filter.level);
    if (filter.vip !== undefined) add(`r.vip = ${filter.vip ? 1 : 0}`);
  }
  return { text: parts.join(' AND '), bindings };
}

/** `SELECT … UNION ALL SELECT …` of the rollup part and one raw part per partial stretch, with their bindings. */
function union(rollup: { select: string; where: Sql }, raw: (where: Sql) => string, filter: FactFilter, split: DaySplit, extra: Sql[] = []): Sql {
  const texts = [`${rollup.select} WHERE ${rollup.where.text}`];
  const bindings = [...rollup.where.bindings];
  for (const edge of split.edges) {
    const where = whereOf({ ...filter, from: edge.from, to: edge.to });
    texts.push(raw(where));
    bindings.push(...where.bindings);
  }
  for (const part of extra) {
    texts.push(part.text);
    bindings.push(...part.bindings);
  }
  return { text: texts.join(' UNION ALL '), bindings };
}

const SUMS = TICKET_SUMS.map(([column]) => column);

/**
 * The KPI sums per group: rollups, partial days, and, taken away, the tickets whose FCR window has not passed
 * by `now` (the rollups count every FCR verdict; the dashboard only those whose window is over).
 */
export function kpiSumsSql(filter: FactFilter, grouping: FactGrouping, split: DaySplit, now: number, offsetMinutes: number): Sql {
  const key = groupSource(grouping, offsetMinutes).key;
  const contributions = TICKET_SUMS.map(([column, sql]) => `${sql} AS ${column}`).join(', ');
  const pendingWhere = whereOf(filter);
  const pending: Sql = {
    text: `SELECT ${key} AS g, ${SUMS.map((c) => (c === 'fcr_n' ? '-1' : c === 'fcr_yes' ? '-(CASE WHEN t.fcr THEN 1 ELSE 0 END)' : '0') + ` AS ${c}`).join(', ')}
      FROM tickets t WHERE ${pendingWhere.text} AND t.fcr IS NOT NULL AND t.fcr_at > ?`,
    bindings: [...pendingWhere.bindings, now],
  };
  const parts = union(
    { select: `SELECT ${rollupKey(grouping)} AS g, ${SUMS.map((c) => `r.${c}`).join(', ')} FROM rollup_tickets r`, where: rollupWhere(filter, split, true) },
    (where) => `SELECT ${key} AS g, ${contributions} FROM tickets t WHERE ${where.text}`,
    filter,
    split,
    [pending],
  );
  return { text: `SELECT g, ${SUMS.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM (${parts.text}) x GROUP BY g`, bindings: parts.bindings };
}

/** The step visits with a limit (ended or breached) and those breached, per group: the step SLA compliance. */
export function stepSlaSql(filter: FactFilter, grouping: FactGrouping, split: DaySplit, offsetMinutes: number): Sql {
  const key = groupSource(grouping, offsetMinutes).key;
  const parts = union(
    { select: `SELECT ${rollupKey(grouping)} AS g, r.limit_n AS n, r.breached_n AS breached FROM rollup_steps r`, where: rollupWhere(filter, split, true) },
    (where) => `SELECT ${key} AS g, 1 AS n, CASE WHEN s.breached THEN 1 ELSE 0 END AS breached FROM tickets t JOIN step_log s ON s.ticket_id = t.id
      WHERE ${where.text} AND s.sla_ms IS NOT NULL AND NOT s.automatic AND (s.exited_at IS NOT NULL OR s.breached)`,
    filter,
    split,
  );
  return { text: `SELECT g, SUM(n) AS n, SUM(breached) AS breached FROM (${parts.text}) x GROUP BY g`, bindings: parts.bindings };
}

/** Each step's visits, time, limit, breaches and whether it waits on the customer (people's steps). */
export function stepSumsSql(filter: FactFilter, split: DaySplit): Sql {
  const sums = Object.fromEntries(STEP_SUMS);
  const parts = union(
    {
      select: `SELECT r.step AS step, r.step_name AS name, r.visits AS visits, r.total_ms AS total_ms, CASE WHEN r.sla_ms = -1 THEN NULL ELSE r.sla_ms END AS sla_ms,
        r.limit_n AS limit_n, r.breached_n AS breached_n, CASE WHEN r.waiting_n > 0 THEN 1 ELSE 0 END AS waiting FROM rollup_steps r`,
      where: { ...rollupWhere(filter, split, true), text: `${rollupWhere(filter, split, true).text} AND r.automatic = 0` },
    },
    (where) => `SELECT s.step AS step, s.step_name AS name, 1 AS visits, ${sums.total_ms} AS total_ms, s.sla_ms AS sla_ms, ${sums.limit_n} AS limit_n,
      ${sums.breached_n} AS breached_n, ${sums.waiting_n} AS waiting FROM tickets t JOIN step_log s ON s.ticket_id = t.id WHERE ${where.text} AND NOT s.automatic`,
    filter,
    split,
  );
  return {
    text: `SELECT step, MAX(name) AS name, SUM(visits) AS visits, SUM(total_ms) AS total_ms, MAX(sla_ms) AS sla_ms, SUM(limit_n) AS limit_n,
      SUM(breached_n) AS breached_n, MAX(waiting) AS waiting FROM (${parts.text}) x GROUP BY step`,
    bindings: parts.bindings,
  };
}

const RAW_BUCKETS = (where: Sql) =>
  `SELECT s.step AS step, ${bucketSql('s.business_ms')} AS bucket, 1 AS visits, s.business_ms AS min_ms, s.business_ms AS max_ms
   FROM tickets t JOIN step_log s ON s.ticket_id = t.id WHERE ${where.text} AND ${DURATION_COUNTED}`;

/** The ended visits of each step by duration bucket (visits, shortest, longest): the step percentiles. */
export function durationBucketsSql(filter: FactFilter, split: DaySplit | undefined): Sql {
  const grouped = (text: string) =>
    `SELECT step, bucket, SUM(visits) AS visits, MIN(min_ms) AS min_ms, MAX(max_ms) AS max_ms FROM (${text}) x GROUP BY step, bucket ORDER BY step, bucket`;
  if (!split) {
    const where = whereOf(filter);
    return { text: grouped(RAW_BUCKETS(where)), bindings: where.bindings };
  }
  const parts = union(
    { select: 'SELECT r.step AS step, r.bucket AS bucket, r.visits AS visits, r.min_ms AS min_ms, r.max_ms AS max_ms FROM rollup_durations r', where: rollupWhere(filter, split, false) },
    RAW_BUCKETS,
    filter,
    split,
  );
  return { text: grouped(parts.text), bindings: parts.bindings };
}

/** Loops back: how often each step was entered again coming from another. */
export function reworkSql(filter: FactFilter, split: DaySplit): Sql {
  const rollup = rollupWhere(filter, split, true);
  const parts = union(
    { select: 'SELECT r.rework_from AS from_step, r.step AS to_step, r.visits AS n FROM rollup_steps r', where: { ...rollup, text: `${rollup.text} AND r.rework_from <> ''` } },
    (where) => `SELECT s.rework_from AS from_step, s.step AS to_step, 1 AS n FROM tickets t JOIN step_log s ON s.ticket_id = t.id WHERE ${where.text} AND s.rework_from IS NOT NULL`,
    filter,
    split,
  );
  return { text: `SELECT from_step, to_step, SUM(n) AS n FROM (${parts.text}) x GROUP BY from_step, to_step`, bindings: parts.bindings };
}

/** The `top` most frequent paths of closed tickets, ties by the oldest ticket (as the raw query). */
export function variantsSql(filter: FactFilter, split: DaySplit, top: number): Sql {
  const parts = union(
    { select: 'SELECT r.path AS path, r.tickets AS n, r.res_n AS res_n, r.res_sum AS res_sum, r.min_id AS min_id FROM rollup_variants r', where: rollupWhere(filter, split, false) },
    (where) => `SELECT t.path AS path, 1 AS n, CASE WHEN t.resolution_ms IS NULL THEN 0 ELSE 1 END AS res_n, COALESCE(t.resolution_ms, 0) AS res_sum, t.id AS min_id
      FROM tickets t WHERE ${where.text} AND ${VARIANT_COUNTED}`,
    filter,
    split,
  );
  return {
    text: `SELECT path, SUM(n) AS n, SUM(res_n) AS res_n, SUM(res_sum) AS res_sum FROM (${parts.text}) x GROUP BY path ORDER BY SUM(n) DESC, MIN(min_id) LIMIT ?`,
    bindings: [...parts.bindings, top],
  };
}
