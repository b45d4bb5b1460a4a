import type { SqlValue } from '../database.js';

// The SQL the metric read models share: which tickets (filters), how they are grouped, which subset a
// drill-down selects. Plain SQL that SQLite and PostgreSQL read alike: booleans are tested bare (`t.vip`,
// `NOT t.vip`), integer division truncates on both, and no value is ever formatted into the text.

/** Which tickets: created in [from, to) (epoch ms), with optional filters. */
export interface FactFilter {
  workflow?: string;
  version?: number;
  from: number;
  to: number;
  channel?: string;
  /** 'none': tickets without a level. */
  level?: string;
  vip?: boolean;
  /** Tickets this person closed a step of. */
  agent?: string;
  /** Tickets a step of this lane (step owner; 'none': steps without one) was closed by a person. */
  team?: string;
}

export type FactGrouping = 'all' | 'channel' | 'level' | 'vip' | 'agent' | 'team' | 'week' | 'version';

/** The subsets a drill-down lists: each is the numerator (or the count) of one figure. */
export type FactSubset =
  | 'tickets'
  | 'open'
  | 'closed'
  | 'firstResponse'
  | 'fcr'
  | 'fcrCounted'
  | 'abandoned'
  | 'breached'
  | 'resolutionBreached'
  | 'warned'
  | 'reopened'
  | 'complaint'
  | 'csat'
  | 'escalated';

export interface Sql {
  text: string;
  bindings: SqlValue[];
}

export const WEEK_MS = 7 * 86_400_000;
/** 1970-01-01 was a Thursday: weeks counted from the Monday after, 1970-01-05. */
const MONDAY_MS = 4 * 86_400_000;

/** The WHERE of tickets `t` matching the filter. */
export function whereOf(filter: FactFilter): Sql {
  const parts = ['t.created_at >= ?', 't.created_at < ?'];
  const bindings: SqlValue[] = [filter.from, filter.to];
  const add = (text: string, ...values: SqlValue[]) => {
    parts.push(text);
    bindings.push(...values);
  };
  if (filter.workflow !== undefined) add('t.workflow_key = ?', filter.workflow);
  if (filter.version !== undefined) add('t.version = ?', filter.version);
  if (filter.channel !== undefined) add('t.channel = ?', filter.channel);
  if (filter.level === 'none') add('t.level IS NULL');
  else if (filter.level !== undefined) add('t.level = ?', filter.level);
  if (filter.vip !== undefined) add(filter.vip ? 't.vip' : 'NOT t.vip');
  if (filter.agent !== undefined) add('EXISTS (SELECT 1 FROM step_log fa WHERE fa.ticket_id = t.id AND fa.agent = ?)', filter.agent);
  if (filter.team !== undefined) {
    add("EXISTS (SELECT 1 FROM step_log ft WHERE ft.ticket_id = t.id AND ft.agent IS NOT NULL AND COALESCE(ft.owner, 'none') = ?)", filter.team);
  }
  return { text: parts.join(' AND '), bindings };
}

/** How a grouping reads: an optional join (one row per ticket and group) and the key expression. */
export interface GroupSource {
  join: string;
  key: string;
  /** `GROUP BY …` or nothing (one group: every ticket). */
  groupBy: string;
  /** `PARTITION BY …` or nothing. */
  partition: string;
}

/** `offsetMinutes`: where (east of UTC) weeks start on Monday 00:00. */
export function groupSource(grouping: FactGrouping, offsetMinutes: number): GroupSource {
  const keyed = (key: string, join = ''): GroupSource => ({ join, key, groupBy: `GROUP BY ${key}`, partition: `PARTITION BY ${key}` });
  switch (grouping) {
    case 'all':
      return { join: '', key: "'all'", groupBy: '', partition: '' };
    case 'channel':
      return keyed('t.channel');
    case 'level':
      return keyed("COALESCE(t.level, 'none')");
    case 'vip':
      return keyed("CASE WHEN t.vip THEN 'true' ELSE 'false' END");
    case 'version':
      return keyed('t.version');
    case 'week':
      return keyed(`((t.created_at + (${Math.trunc(offsetMinutes) * 60_000 - MONDAY_MS})) / ${WEEK_MS})`);
    // A ticket is in the group of every person (lane) who closed one of its steps: its first such visit joins.
    case 'agent':
      return keyed(
        'g.agent',
        'JOIN step_log g ON g.ticket_id = t.id AND g.agent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM step_log e WHERE e.ticket_id = g.ticket_id AND e.agent = g.agent AND e.visit < g.visit)',
      );
    case 'team':
      return keyed(
        "COALESCE(g.owner, 'none')",
        "JOIN step_log g ON g.ticket_id = t.id AND g.agent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM step_log e WHERE e.ticket_id = g.ticket_id AND e.agent IS NOT NULL AND COALESCE(e.owner, 'none') = COALESCE(g.owner, 'none') AND e.visit < g.visit)",
      );
  }
}

/** The Monday (local date YYYY-MM-DD) a `week` group key stands for: keys count local weeks. */
export function weekStart(key: number): string {
  return new Date(key * WEEK_MS + MONDAY_MS).toISOString().slice(0, 10);
}

/** The condition selecting a drill-down's subset; `now` decides which FCR windows have passed. */
export function subsetOf(subset: FactSubset, now: number): Sql {
  const sql = (text: string, ...bindings: SqlValue[]): Sql => ({ text, bindings });
  switch (subset) {
    case 'tickets':
      return sql('1 = 1');
    case 'open':
      return sql('t.closed_at IS NULL');
    case 'closed':
      return sql('t.closed_at IS NOT NULL');
    case 'firstResponse':
      return sql('t.first_response_ms IS NOT NULL');
    case 'fcr':
      return sql('(t.fcr_at <= ? AND t.fcr)', now);
    case 'fcrCounted':
      return sql('(t.fcr IS NOT NULL AND t.fcr_at <= ?)', now);
    case 'abandoned':
      return sql('t.abandoned');
    case 'breached':
      return sql('(t.step_breaches > 0 OR t.resolution_breached)');
    case 'resolutionBreached':
      return sql('(t.resolution_sla_ms IS NOT NULL AND t.resolution_breached)');
    case 'warned':
      return sql('t.warnings > 0');
    case 'reopened':
      return sql('(t.closed_at IS NOT NULL AND t.reopenings > 0)');
    case 'complaint':
      return sql('t.complaint');
    case 'csat':
      return sql('t.csat IS NOT NULL');
    case 'escalated':
      return sql('t.escalations > 0');
  }
}
