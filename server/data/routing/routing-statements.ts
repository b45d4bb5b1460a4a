/** The routing repository's hot statements, a decision's read and its claims, with why they are written so. */
import { listSql } from '../database.js';

/** What a decision asks of an agent: the channel, a skill and the levels accepted (any when not given). */
export interface CandidateFilter {
  channel: string;
  skill?: string | null;
  levels?: readonly string[] | null;
}

/**
 * The channel's rows with room, in `agent_capacity_rank`'s order (its expression word for word, so both
 * databases read the index in order and stop at the LIMIT), each joined to its profile by primary key. The
 * lane and the user are looked up by correlated subqueries rather than joins: PostgreSQL plans each as a
 * one-table subplan, where two more joins cost more to plan than the whole decision takes to run. They name
 * the profile's id, not the capacity row's, so that they run after the profile's own filters (presence, and
 * the skill and level the caller adds): agents without the skill, who keep their room and so stay first in
 * the index, are passed over by one primary-key lookup each.
 */
export const CANDIDATES = `SELECT c.user_id AS id, (SELECT u.email FROM users u WHERE u.id = c.user_id) AS email, p.skills_json, p.level, c.capacity, c.load, c.idle_since
  FROM agent_capacity c JOIN agent_profiles p ON p.user_id = c.user_id
  WHERE c.channel = ? AND c.load < c.capacity AND p.presence = 'online'
    AND (SELECT TRUE FROM user_lanes l WHERE l.user_id = p.user_id AND l.lane = ?)
    AND (SELECT u.active FROM users u WHERE u.id = p.user_id)`;
export const RANK = 'CAST(c.load AS DOUBLE PRECISION) / c.capacity, c.idle_since, c.user_id';

/**
 * A claim on PostgreSQL as one statement: the visit locked if nobody holds it (or `from` still does), then the
 * room on the channel (the agent online), then the assignment, then the notification, each only if the one
 * before found a row; answers whether the visit was free, whether there was room and whether it moved. The
 * visit is locked before the agent's row, as every other write of both takes them (a decision, a visit's
 * end, an unassignment), so two of them never wait for each other. A second claim on a locked row waits for
 * the first and re-checks the row as committed.
 */
const claimOnPostgres = (held: string) => `WITH slot AS MATERIALIZED (
    SELECT ticket_id FROM ticket_assignments WHERE ticket_id = ?::bigint AND visit = ?::integer AND ${held} FOR UPDATE),
  room AS (
    UPDATE agent_capacity SET load = load + 1, idle_since = ?::bigint
    WHERE user_id = ?::integer AND channel = ? AND load < capacity AND EXISTS (SELECT 1 FROM slot)
      AND EXISTS (SELECT 1 FROM agent_profiles p WHERE p.user_id = ?::integer AND p.presence = 'online')
    RETURNING user_id),
  moved AS (
    UPDATE ticket_assignments SET agent_id = ?::integer, assigned_at = ?::bigint, started_at = NULL, flagged_at = NULL
    WHERE ticket_id = ?::bigint AND visit = ?::integer AND ${held} AND EXISTS (SELECT 1 FROM room)
    RETURNING ticket_id),
  note AS (
    INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)
    SELECT ?::bigint, ?, ?, ?, ?, ?::bigint FROM moved
    RETURNING id)
  SELECT (SELECT COUNT(*) FROM slot) AS free, (SELECT COUNT(*) FROM room) AS room, (SELECT COUNT(*) FROM note) AS moved`;
export const CLAIM_ON_POSTGRES = claimOnPostgres('agent_id IS NULL');
export const CLAIM_FROM_ON_POSTGRES = claimOnPostgres('agent_id = ?::integer');

/**
 * A decision on PostgreSQL as one statement, committed on its own: the policy's best candidate (CANDIDATES
 * with `where`, every rule of `eligible` in assignment-policy.ts written in SQL, so its first row is the one the
 * service would rank first) claimed as above. The visit is locked first (FOR UPDATE re-reads it once a
 * concurrent claim commits), so once the agent's room is taken the visit is sure to move: nothing is left
 * to roll back, and no transaction is needed around it. Answers whether the visit was free, the agent chosen (none: nobody in the lane may take
 * it) and whether their room held; a concurrent claim that filled them leaves it to the caller to go on.
 */
export const claimBestOnPostgres = (where: string) => `WITH slot AS MATERIALIZED (
    SELECT ticket_id FROM ticket_assignments WHERE ticket_id = ?::bigint AND visit = ?::integer AND agent_id IS NULL FOR UPDATE),
  best AS MATERIALIZED (${CANDIDATES}${where} ORDER BY ${RANK} LIMIT 1),
  room AS (
    UPDATE agent_capacity c SET load = c.load + 1, idle_since = ?::bigint
    FROM best WHERE c.user_id = best.id AND c.channel = ? AND c.load < c.capacity AND EXISTS (SELECT 1 FROM slot)
      AND EXISTS (SELECT 1 FROM agent_profiles p WHERE p.user_id = best.id AND p.presence = 'online')
    RETURNING c.user_id),
  moved AS (
    UPDATE ticket_assignments SET agent_id = (SELECT user_id FROM room), assigned_at = ?::bigint, started_at = NULL, flagged_at = NULL
    WHERE ticket_id = ?::bigint AND visit = ?::integer AND agent_id IS NULL AND EXISTS (SELECT 1 FROM room)
    RETURNING ticket_id),
  note AS (
    INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)
    SELECT moved.ticket_id, ?, best.email, ?, ? || best.email, ?::bigint FROM moved CROSS JOIN best
    RETURNING id)
  SELECT (SELECT COUNT(*) FROM slot) AS free, best.id, best.email, (SELECT COUNT(*) FROM room) AS room, (SELECT COUNT(*) FROM note) AS moved
  FROM (SELECT 1) AS one LEFT JOIN best ON TRUE`;

/**
 * The filter's conditions after CANDIDATES, with their values. A skill is first looked for in the JSON list as
 * its quoted string (names with LIKE's wildcards are left to the exact check). `exact` (PostgreSQL) adds every
 * rule of the policy's `eligible` in SQL: the skill in the list, a level among those accepted, and a list of
 * `channel:` skills that names the channel when there is one; else the caller checks those on the rows.
 */
export function candidateWhere(lane: string, { channel, skill, levels }: CandidateFilter, exact: boolean): { where: string; values: Array<string | number> } {
  const where: string[] = [];
  const values: Array<string | number> = [channel, lane];
  if (skill && !/[%_\\]/.test(skill)) {
    where.push('p.skills_json LIKE ?');
    values.push(`%${JSON.stringify(skill)}%`);
  }
  if (skill && exact) {
    where.push('p.skills_json::jsonb @> jsonb_build_array(?::text)');
    values.push(skill);
  }
  if (levels && exact) {
    where.push(levels.length ? `p.level IN (${listSql(levels.length)})` : 'FALSE');
    values.push(...levels);
  } else if (levels?.length) {
    where.push('p.level >= ?');
    values.push(levels[0]!);
  }
  if (exact) {
    where.push(
      `(p.skills_json NOT LIKE '%channel:%' OR p.skills_json::jsonb @> jsonb_build_array(?::text)
        OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(p.skills_json::jsonb) AS s (skill) WHERE s.skill LIKE 'channel:%'))`,
    );
    values.push(`channel:${channel}`);
  }
  return { where: where.map((w) => ` AND ${w}`).join(''), values };
}

export const ASSIGNMENT_SELECT = `SELECT a.ticket_id, a.visit, a.step, a.lane, a.channel, a.agent_id, u.email AS agent_email, a.assigned_at, a.started_at,
  a.flagged_at, a.created_at FROM ticket_assignments a LEFT JOIN users u ON u.id = a.agent_id`;
