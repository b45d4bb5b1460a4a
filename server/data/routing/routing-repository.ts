import type { Knex } from 'knex';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { listSql, rowsOf, type Database, type Transaction } from '../database.js';
import type { AgentProfile, Assignment, Candidate, Classification, LanePolicy, LaneSetting, OpenSlot, Presence, RoutingNote, Rule, StoredClassification } from './routing-records.js';

interface ProfileRow {
  id: number;
  email: string;
  name: string;
  skills_json: string | null;
  level: string | null;
  capacity: number | null;
  load: number | null;
  presence: string | null;
  seen_at: number | string | null;
  idle_since: number | string | null;
}

interface AssignmentRow {
  ticket_id: number | string;
  visit: number;
  step: string;
  lane: string;
  agent_id: number | null;
  agent_email: string | null;
  assigned_at: number | string | null;
  started_at: number | string | null;
  flagged_at: number | string | null;
  created_at: number | string;
}

const num = (v: number | string | null) => (v === null ? null : Number(v));

function assignmentOf(row: AssignmentRow): Assignment {
  return {
    ticketId: Number(row.ticket_id),
    visit: row.visit,
    step: row.step,
    lane: row.lane,
    agentId: row.agent_id,
    agentEmail: row.agent_email,
    assignedAt: num(row.assigned_at),
    startedAt: num(row.started_at),
    flaggedAt: num(row.flagged_at),
    createdAt: Number(row.created_at),
  };
}

function profileOf(row: ProfileRow, lanes: string[]): AgentProfile {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    skills: JSON.parse(row.skills_json ?? '[]') as string[],
    level: (row.level as AgentProfile['level']) ?? null,
    capacity: row.capacity ?? 0,
    load: row.load ?? 0,
    presence: (row.presence as Presence) ?? 'offline',
    seenAt: Number(row.seen_at ?? 0),
    idleSince: Number(row.idle_since ?? 0),
    lanes,
  };
}

/** Outcome of an atomic claim: the agent was at capacity (or not online), or another decision got the ticket first. */
export type ClaimResult = 'claimed' | 'full' | 'taken';

/**
 * Routing's assignment tables (rules and classifications: `rule-repository.ts`): lane policies, agents'
 * profiles and the live assignments. A claim is one conditional UPDATE (`load < capacity`) and the assignment's conditional
 * UPDATE in one transaction: two decisions, in one process or two, never overfill an agent.
 */
export class RoutingRepository {
  constructor(private readonly db: Database) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  async lanes(): Promise<LaneSetting[]> {
    const rows = (await this.knex('routing_lanes').orderBy('lane')) as Array<{ lane: string; policy: string; lead: string | null }>;
    return rows.map((r) => ({ lane: r.lane, policy: r.policy as LanePolicy, lead: r.lead }));
  }

  setLane(setting: LaneSetting, audit: AuditEntry): Promise<void> {
    return this.db.write(async (trx) => {
      await trx('routing_lanes').insert({ lane: setting.lane, policy: setting.policy, lead: setting.lead }).onConflict('lane').merge();
      await appendAudit(trx, [audit]);
    });
  }

  /** Active agents with their profile and lanes; only the members of `lane` when given. */
  async profiles(lane?: string): Promise<AgentProfile[]> {
    const rows = (await this.knex('users as u')
      .leftJoin('agent_profiles as p', 'p.user_id', 'u.id')
      .where('u.active', true)
      .modify((q: Knex.QueryBuilder) => {
        if (lane !== undefined) q.whereExists(this.knex('user_lanes as l').select(this.knex.raw('1')).whereRaw('l.user_id = u.id').where('l.lane', lane));
      })
      .orderBy('u.id')
      .select('u.id', 'u.email', 'u.name', 'p.skills_json', 'p.level', 'p.capacity', 'p.load', 'p.presence', 'p.seen_at', 'p.idle_since')) as ProfileRow[];
    const lanes = new Map<number, string[]>();
    const laneRows = (await this.knex('user_lanes').orderBy('lane')) as Array<{ user_id: number; lane: string }>;
    for (const r of laneRows) lanes.set(r.user_id, [...(lanes.get(r.user_id) ?? []), r.lane]);
    return rows.map((r) => profileOf(r, lanes.get(r.id) ?? []));
  }

  /**
   * The lane's members who could take a ticket now (active, online, below capacity, holding `skill` and at least
   * `level` when given), in the policy's order — least load relative to capacity, longest idle, lowest id — at
   * most `limit` of them. The database filters and sorts: a decision reads a few rows, not the whole lane.
   */
  async candidates(lane: string, { skill, level, limit }: { skill?: string | null; level?: string | null; limit?: number } = {}): Promise<Candidate[]> {
    const where: string[] = [];
    const values: Array<string | number> = [lane];
    // A skill is looked for in the JSON list as its quoted string; names with LIKE's wildcards are left to the caller's check.
    if (skill && !/[%_\\]/.test(skill)) {
      where.push('p.skills_json LIKE ?');
      values.push(`%${JSON.stringify(skill)}%`);
    }
    if (level) {
      where.push('p.level >= ?');
      values.push(level);
    }
    const sql = `${CANDIDATES}${where.map((w) => ` AND ${w}`).join('')} ORDER BY CAST(p.load AS REAL) / p.capacity, p.idle_since, u.id${limit ? ` LIMIT ${Math.floor(limit)}` : ''}`;
    // On SQLite one cached prepared statement per shape on the owned connection.
    const rows = (this.db.sqlite ? this.db.sqlite.prepare(sql).all(...values) : rowsOf(await this.knex.raw(sql, values))) as Array<
      Pick<ProfileRow, 'id' | 'email' | 'skills_json' | 'level' | 'capacity' | 'load' | 'idle_since'>
    >;
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      skills: JSON.parse(r.skills_json ?? '[]') as string[],
      level: (r.level as Candidate['level']) ?? null,
      capacity: r.capacity ?? 0,
      load: r.load ?? 0,
      presence: 'online',
      idleSince: Number(r.idle_since ?? 0),
    }));
  }

  /** Sets skills, level and capacity (a profile made when missing), with its audit entry. */
  setProfile(userId: number, set: { skills?: string[]; level?: string | null; capacity?: number }, audit: AuditEntry): Promise<void> {
    return this.db.write(async (trx) => {
      await ensureProfile(trx, userId);
      const values: Record<string, unknown> = {};
      if (set.skills) values.skills_json = JSON.stringify(set.skills);
      if (set.level !== undefined) values.level = set.level;
      if (set.capacity !== undefined) values.capacity = set.capacity;
      await trx('agent_profiles').where('user_id', userId).update(values);
      await appendAudit(trx, [audit]);
    });
  }

  /** Presence and last activity; coming online starts the idle clock. */
  setPresence(userId: number, presence: Presence, now: number): Promise<void> {
    return this.db.write(async (trx) => {
      await ensureProfile(trx, userId);
      const [row] = (await trx('agent_profiles').where('user_id', userId).select('presence')) as Array<{ presence: string }>;
      const values: Record<string, unknown> = { presence, seen_at: now };
      if (presence === 'online' && row?.presence !== 'online') values.idle_since = now;
      await trx('agent_profiles').where('user_id', userId).update(values);
    });
  }

  async presenceOf(userId: number): Promise<Presence | undefined> {
    const [row] = (await this.knex('agent_profiles').where('user_id', userId).select('presence')) as Array<{ presence: Presence }>;
    return row?.presence;
  }

  /** Agents online or away whose last activity is before `before`: set offline; their ids. */
  expirePresence(before: number): Promise<number[]> {
    return this.db.write(async (trx) => {
      const rows = (await trx('agent_profiles').whereIn('presence', ['online', 'away']).where('seen_at', '<', before).select('user_id')) as Array<{ user_id: number }>;
      const ids = rows.map((r) => r.user_id);
      if (ids.length) await trx('agent_profiles').whereIn('user_id', ids).update({ presence: 'offline' });
      return ids;
    });
  }

  /** Opens assignment rows for visits entering push lanes (existing ones stay as they are). */
  openSlots(slots: readonly OpenSlot[], now: number): Promise<void> {
    if (!slots.length) return Promise.resolve();
    return this.db.write(async (trx) => {
      await trx('ticket_assignments')
        .insert(slots.map((s) => ({ ticket_id: s.ticketId, visit: s.visit, step: s.step, lane: s.lane, created_at: now })))
        .onConflict(['ticket_id', 'visit'])
        .ignore();
    });
  }

  /**
   * Open step visits in these lanes that routing never took up (the lane became push, or the process stopped
   * between a ticket's change and its routing): the sweep opens them.
   */
  async unslotted(lanes: readonly string[], limit: number): Promise<OpenSlot[]> {
    if (!lanes.length) return [];
    const rows = (await this.knex('step_log as s')
      .join('tickets as t', 't.id', 's.ticket_id')
      .whereNull('s.exited_at')
      .whereNull('t.closed_at')
      .whereIn('s.owner', lanes)
      .whereNotExists(this.knex('ticket_assignments as a').select(this.knex.raw('1')).whereRaw('a.ticket_id = s.ticket_id AND a.visit = s.visit'))
      .orderBy('s.ticket_id')
      .limit(limit)
      .select('s.ticket_id', 's.visit', 's.step', 's.owner')) as Array<{ ticket_id: number | string; visit: number; step: string; owner: string }>;
    return rows.map((r) => ({ ticketId: Number(r.ticket_id), visit: r.visit, step: r.step, lane: r.owner }));
  }

  /** Ends the ticket's assignments whose visit is no longer open, giving their agents the capacity back. */
  async closeSlots(ticketId: number, openVisits: readonly number[]): Promise<number> {
    // Read first: most changes end no routed visit, and must not pay for a write transaction.
    const held = await this.db.rows<{ visit: number }>('SELECT visit FROM ticket_assignments WHERE ticket_id = ?', [ticketId]);
    if (!held.some((r) => !openVisits.includes(r.visit))) return 0;
    return this.db.write(async (trx) => {
      const rows = (await trx('ticket_assignments').where('ticket_id', ticketId).select('visit', 'agent_id')) as Array<{ visit: number; agent_id: number | null }>;
      const ended = rows.filter((r) => !openVisits.includes(r.visit));
      for (const r of ended) {
        await trx('ticket_assignments').where({ ticket_id: ticketId, visit: r.visit }).delete();
        if (r.agent_id !== null) await release(trx, r.agent_id);
      }
      return ended.length;
    });
  }

  async assignments(ticketIds: readonly number[]): Promise<Assignment[]> {
    if (!ticketIds.length) return [];
    // Every answer of an advance asks this (who holds the ticket): a cached statement, not a built query.
    return (await this.db.rows<AssignmentRow>(`${ASSIGNMENT_SELECT} WHERE a.ticket_id IN (${listSql(ticketIds.length)})`, ticketIds)).map(assignmentOf);
  }

  async assignment(ticketId: number, visit: number): Promise<Assignment | undefined> {
    const [row] = (await this.assignmentQuery().where({ 'a.ticket_id': ticketId, 'a.visit': visit })) as AssignmentRow[];
    return row && assignmentOf(row);
  }

  /** Assignments nobody holds, in push lanes: what the sweep offers again. */
  async waiting(limit: number): Promise<Array<Assignment & { vip: boolean; priority: string | null }>> {
    const rows = (await this.assignmentQuery()
      .join('tickets as t', 't.id', 'a.ticket_id')
      .leftJoin('ticket_classifications as c', 'c.ticket_id', 'a.ticket_id')
      .whereNull('a.agent_id')
      .orderBy('a.created_at')
      .limit(limit)
      .select('t.vip', 'c.value_json')) as Array<AssignmentRow & { vip: boolean | number; value_json: string | null }>;
    return rows.map((r) => ({
      ...assignmentOf(r),
      vip: r.vip === true || Number(r.vip) === 1,
      priority: r.value_json ? (JSON.parse(r.value_json) as Classification).priority : null,
    }));
  }

  /** Unstarted tickets held by these agents. */
  async unstartedOf(agentIds: readonly number[]): Promise<Assignment[]> {
    if (!agentIds.length) return [];
    return ((await this.assignmentQuery().whereIn('a.agent_id', agentIds).whereNull('a.started_at')) as AssignmentRow[]).map(assignmentOf);
  }

  /**
   * Gives the visit to the agent if they are online with room and nobody holds it (from `from`: a
   * reassignment), with its notification, in one transaction.
   */
  claim(slot: { ticketId: number; visit: number }, agentId: number, from: number | null, now: number, note: RoutingNote, audit?: AuditEntry): Promise<ClaimResult> {
    return this.db
      .write(async (trx) => {
        const room = await trx('agent_profiles')
          .where('user_id', agentId)
          .where('presence', 'online')
          .where('load', '<', trx.ref('capacity'))
          .update({ load: trx.raw('?? + 1', ['load']), idle_since: now });
        if (!room) return 'full' as const;
        const held = trx('ticket_assignments').where({ ticket_id: slot.ticketId, visit: slot.visit });
        const moved = await (from === null ? held.whereNull('agent_id') : held.where('agent_id', from)).update({
          agent_id: agentId,
          assigned_at: now,
          started_at: null,
          flagged_at: null,
        });
        if (!moved) throw new Taken();
        if (from !== null) await release(trx, from);
        await insertNote(trx, note, now);
        if (audit) await appendAudit(trx, [audit]);
        return 'claimed' as const;
      })
      .catch((error: unknown) => {
        if (error instanceof Taken) return 'taken' as const;
        throw error;
      });
  }

  /** Takes the visit back from its agent (offline, or a lead's unassign); false when they no longer held it. */
  unassign(slot: { ticketId: number; visit: number }, agentId: number): Promise<boolean> {
    return this.db.write(async (trx) => {
      const changed = await trx('ticket_assignments')
        .where({ ticket_id: slot.ticketId, visit: slot.visit, agent_id: agentId })
        .update({ agent_id: null, assigned_at: null, started_at: null });
      if (changed) await release(trx, agentId);
      return changed > 0;
    });
  }

  /** The assignee has started on the ticket: it no longer returns to routing when they go offline. */
  start(ticketId: number, agentId: number, now: number): Promise<number> {
    return this.db.write((trx) => trx('ticket_assignments').where({ ticket_id: ticketId, agent_id: agentId }).whereNull('started_at').update({ started_at: now }));
  }

  /** Marks a visit nobody can take, once, with the notification to the lane's lead. */
  flag(slot: { ticketId: number; visit: number }, now: number, note: RoutingNote): Promise<boolean> {
    return this.db.write(async (trx) => {
      const changed = await trx('ticket_assignments')
        .where({ ticket_id: slot.ticketId, visit: slot.visit })
        .whereNull('agent_id')
        .whereNull('flagged_at')
        .update({ flagged_at: now });
      if (changed) await insertNote(trx, note, now);
      return changed > 0;
    });
  }

  async channels(ticketIds: readonly number[]): Promise<Map<number, string>> {
    if (!ticketIds.length) return new Map();
    const rows = (await this.knex('tickets').whereIn('id', ticketIds).select('id', 'channel')) as Array<{ id: number | string; channel: string }>;
    return new Map(rows.map((r) => [Number(r.id), r.channel]));
  }

  private assignmentQuery(): Knex.QueryBuilder {
    return this.knex('ticket_assignments as a')
      .leftJoin('users as u', 'u.id', 'a.agent_id')
      .select('a.ticket_id', 'a.visit', 'a.step', 'a.lane', 'a.agent_id', 'u.email as agent_email', 'a.assigned_at', 'a.started_at', 'a.flagged_at', 'a.created_at');
  }
}

const ASSIGNMENT_SELECT = `SELECT a.ticket_id, a.visit, a.step, a.lane, a.agent_id, u.email AS agent_email, a.assigned_at, a.started_at,
  a.flagged_at, a.created_at FROM ticket_assignments a LEFT JOIN users u ON u.id = a.agent_id`;

const CANDIDATES = `SELECT u.id, u.email, p.skills_json, p.level, p.capacity, p.load, p.idle_since
  FROM user_lanes l JOIN agent_profiles p ON p.user_id = l.user_id JOIN users u ON u.id = l.user_id
  WHERE l.lane = ? AND u.active = TRUE AND p.presence = 'online' AND p.load < p.capacity`;

class Taken extends Error {}

async function ensureProfile(trx: Transaction, userId: number): Promise<void> {
  await trx('agent_profiles').insert({ user_id: userId }).onConflict('user_id').ignore();
}

async function release(trx: Transaction, agentId: number): Promise<void> {
  await trx('agent_profiles').where('user_id', agentId).where('load', '>', 0).update({ load: trx.raw('?? - 1', ['load']) });
}

async function insertNote(trx: Transaction, note: RoutingNote, now: number): Promise<void> {
  await trx('notifications').insert({ ticket_id: note.ticketId, kind: note.kind, recipient: note.recipient, step: note.step, message: note.message, created_at: now });
}
