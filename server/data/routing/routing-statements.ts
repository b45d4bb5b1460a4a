/** The routing repository's two hot statements, a decision's read and its claim, with why they are written so. */

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
 * A claim on PostgreSQL as one statement: the room on the channel (the agent online), then the assignment if
 * nobody holds it (or `from` still does), then the notification, each only if the one before changed a row;
 * answers whether there was room and whether the ticket moved. There was room but the ticket had gone: the
 * caller rolls the transaction back. A second claim on the same row waits for the first's lock and re-checks.
 */
const claimOnPostgres = (held: string) => `WITH room AS (
    UPDATE agent_capacity SET load = load + 1, idle_since = ?::bigint
    WHERE user_id = ?::integer AND channel = ? AND load < capacity
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
  SELECT (SELECT COUNT(*) FROM room) AS room, (SELECT COUNT(*) FROM note) AS moved`;
export const CLAIM_ON_POSTGRES = claimOnPostgres('agent_id IS NULL');
export const CLAIM_FROM_ON_POSTGRES = claimOnPostgres('agent_id = ?::integer');
