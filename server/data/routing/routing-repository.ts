import type { Knex } from 'knex';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { listSql, rowsOf, type Database, type Transaction } from '../database.js';
import { assignmentOf, profileOf, type AssignmentRow, type ProfileRow } from './routing-rows.js';
import { ASSIGNMENT_SELECT, CANDIDATES, candidateWhere, claimBestOnPostgres, CLAIM_FROM_ON_POSTGRES, CLAIM_ON_POSTGRES, RANK, type CandidateFilter } from './routing-statements.js';
import type { AgentProfile, Assignment, Candidate, ChannelCounts, Classification, LanePolicy, LaneSetting, OpenSlot, Presence, RoutingNote } from './routing-records.js';

export type { CandidateFilter };

/**
 * What a one-statement decision settled: the visit was no longer free, nobody in the lane may take it, or the
 * best agent got it; undefined when it settled nothing (SQLite, or that agent filled up meanwhile).
 */
export type BestClaim = { kind: 'taken' } | { kind: 'nobody' } | { kind: 'claimed'; email: string } | undefined;

/** Outcome of an atomic claim: the agent was at capacity on the ticket's channel (or not online), or another decision got the ticket first. */
export type ClaimResult = 'claimed' | 'full' | 'taken';

/**
 * Routing's assignment tables (rules and classifications: `rule-repository.ts`): lane policies, agents'
 * profiles with a capacity and a load per channel (`agent_capacity`), and the live assignments. A claim is one
 * conditional UPDATE of the agent's row for the ticket's channel (`load < capacity`) and the assignment's
 * conditional UPDATE in one transaction: two decisions, in one process or two, never overfill an agent on a channel.
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

  /** Active agents with their profile, lanes and per-channel capacity and load; only the members of `lane` when given. */
  async profiles(lane?: string): Promise<AgentProfile[]> {
    const rows = (await this.knex('users as u')
      .leftJoin('agent_profiles as p', 'p.user_id', 'u.id')
      .where('u.active', true)
      .modify((q: Knex.QueryBuilder) => {
        if (lane !== undefined) q.whereExists(this.knex('user_lanes as l').select(this.knex.raw('1')).whereRaw('l.user_id = u.id').where('l.lane', lane));
      })
      .orderBy('u.id')
      .select('u.id', 'u.email', 'u.name', 'p.skills_json', 'p.level', 'p.presence', 'p.seen_at')) as ProfileRow[];
    const lanes = new Map<number, string[]>();
    const laneRows = (await this.knex('user_lanes').orderBy('lane')) as Array<{ user_id: number; lane: string }>;
    for (const r of laneRows) lanes.set(r.user_id, [...(lanes.get(r.user_id) ?? []), r.lane]);
    const channels = new Map<number, { capacity: ChannelCounts; load: ChannelCounts; idleSince: number }>();
    const capacityRows = (await this.knex('agent_capacity').orderBy(['user_id', 'channel'])) as Array<{
      user_id: number;
      channel: string;
      capacity: number;
      load: number;
      idle_since: number | string;
    }>;
    for (const r of capacityRows) {
      const agent = channels.get(r.user_id) ?? { capacity: {}, load: {}, idleSince: 0 };
      agent.capacity[r.channel] = r.capacity;
      agent.load[r.channel] = r.load;
      agent.idleSince = Math.max(agent.idleSince, Number(r.idle_since));
      channels.set(r.user_id, agent);
    }
    return rows.map((r) => {
      const agent = channels.get(r.id);
      return profileOf(r, lanes.get(r.id) ?? [], agent?.capacity ?? {}, agent?.load ?? {}, agent?.idleSince ?? 0);
    });
  }

  /**
   * The lane's members who could take a ticket of `channel` now (active, online, below their capacity on that
   * channel, holding `skill` and at least `level` when given), in the policy's order — least load relative to
   * capacity on the channel, longest idle on it, lowest id — at most `limit` of them. The channel's rows with
   * room are read in that order from the `agent_capacity_rank` index, each checked by primary keys (lane,
   * profile, user), until `limit` qualify: a decision reads a few dozen rows, not the whole lane, nor any ticket.
   */
  async candidates(lane: string, filter: CandidateFilter & { limit?: number }): Promise<Candidate[]> {
    const { where, values } = candidateWhere(lane, filter, false);
    const sql = `${CANDIDATES}${where} ORDER BY ${RANK}${filter.limit ? ` LIMIT ${Math.floor(filter.limit)}` : ''}`;
    // On SQLite one cached prepared statement per shape on the owned connection.
    const rows = (this.db.sqlite ? this.db.sqlite.prepare(sql).all(...values) : rowsOf(await this.knex.raw(sql, values))) as Array<
      Pick<ProfileRow, 'id' | 'email' | 'skills_json' | 'level'> & { capacity: number; load: number; idle_since: number | string }
    >;
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      skills: JSON.parse(r.skills_json ?? '[]') as string[],
      level: (r.level as Candidate['level']) ?? null,
      capacity: r.capacity,
      load: r.load,
      presence: 'online',
      idleSince: Number(r.idle_since ?? 0),
    }));
  }

  /**
   * PostgreSQL: ranks the lane's candidates and claims the best for the free visit in one statement, one round
   * trip with no transaction around it (`claimBestOnPostgres`), with the assignment's notification to them
   * (`message` followed by their email). SQLite, where a read and a write transaction cost no round trip,
   * leaves it to the caller's ranking and claims.
   */
  async claimBest(
    slot: { ticketId: number; visit: number; lane: string },
    filter: CandidateFilter,
    now: number,
    note: { kind: RoutingNote['kind']; step: string; message: string },
  ): Promise<BestClaim> {
    if (!this.db.statement) return undefined;
    const { where, values } = candidateWhere(slot.lane, filter, true);
    const [row] = await this.db.statement<{ free: number | string; id: number | null; email: string | null; room: number | string; moved: number | string }>(
      claimBestOnPostgres(where),
      [slot.ticketId, slot.visit, ...values, now, filter.channel, now, slot.ticketId, slot.visit, note.kind, note.step, note.message, now],
    );
    if (!Number(row!.free)) return { kind: 'taken' };
    if (row!.id === null) return { kind: 'nobody' };
    if (!Number(row!.room)) return undefined;
    // The visit was locked before the room was taken: it moved with it.
    return { kind: 'claimed', email: row!.email! };
  }

  /** Sets skills, level and the capacity of the channels given (others keep theirs; a profile made when missing), with its audit entry. */
  setProfile(userId: number, set: { skills?: string[]; level?: string | null; capacity?: ChannelCounts }, audit: AuditEntry): Promise<void> {
    return this.db.write(async (trx) => {
      await ensureProfile(trx, userId);
      const values: Record<string, unknown> = {};
      if (set.skills) values.skills_json = JSON.stringify(set.skills);
      if (set.level !== undefined) values.level = set.level;
      if (Object.keys(values).length) await trx('agent_profiles').where('user_id', userId).update(values);
      const channels = Object.entries(set.capacity ?? {});
      // The load is kept: lowering a capacity below it only stops new claims until tickets leave.
      if (channels.length)
        await trx('agent_capacity')
          .insert(channels.map(([channel, capacity]) => ({ user_id: userId, channel, capacity })))
          .onConflict(['user_id', 'channel'])
          .merge(['capacity']);
      await appendAudit(trx, [audit]);
    });
  }

  /** Presence and last activity; coming online starts the idle clock. */
  setPresence(userId: number, presence: Presence, now: number): Promise<void> {
    return this.db.write(async (trx) => {
      await ensureProfile(trx, userId);
      const [row] = (await trx('agent_profiles').where('user_id', userId).select('presence')) as Array<{ presence: string }>;
      await trx('agent_profiles').where('user_id', userId).update({ presence, seen_at: now });
      if (presence === 'online' && row?.presence !== 'online') await trx('agent_capacity').where('user_id', userId).update({ idle_since: now });
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
        .insert(slots.map((s) => ({ ticket_id: s.ticketId, visit: s.visit, step: s.step, lane: s.lane, channel: s.channel, created_at: now })))
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
      .select('s.ticket_id', 's.visit', 's.step', 's.owner', 't.channel')) as Array<{ ticket_id: number | string; visit: number; step: string; owner: string; channel: string }>;
    return rows.map((r) => ({ ticketId: Number(r.ticket_id), visit: r.visit, step: r.step, lane: r.owner, channel: r.channel }));
  }

  /** Ends the ticket's assignments whose visit is no longer open, giving their agents the capacity back. */
  async closeSlots(ticketId: number, openVisits: readonly number[]): Promise<number> {
    // Read first: most changes end no routed visit, and must not pay for a write transaction.
    const held = await this.db.rows<{ visit: number }>('SELECT visit FROM ticket_assignments WHERE ticket_id = ?', [ticketId]);
    if (!held.some((r) => !openVisits.includes(r.visit))) return 0;
    return this.db.write(async (trx) => {
      const rows = (await trx('ticket_assignments').where('ticket_id', ticketId).select('visit', 'agent_id', 'channel')) as Array<{
        visit: number;
        agent_id: number | null;
        channel: string;
      }>;
      const ended = rows.filter((r) => !openVisits.includes(r.visit));
      for (const r of ended) {
        await trx('ticket_assignments').where({ ticket_id: ticketId, visit: r.visit }).delete();
        if (r.agent_id !== null) await release(trx, r.agent_id, r.channel);
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
   * Gives the visit to the agent if they are online with room on its channel and nobody holds it (from `from`:
   * a reassignment), with its notification, in one transaction. The room is taken by one conditional UPDATE of
   * the agent's row for the channel: on PostgreSQL a second claim waits for the first's row lock and then
   * re-checks `load < capacity` against the committed row; on SQLite writers take turns.
   */
  claim(
    slot: { ticketId: number; visit: number; channel: string },
    agentId: number,
    from: number | null,
    now: number,
    note: RoutingNote,
    audit?: AuditEntry,
  ): Promise<ClaimResult> {
    return this.db
      .write(async (trx) => {
        if (this.db.client === 'pg') {
          // The same three steps as below in one statement: one round trip instead of three on the hot path.
          const held = from === null ? [] : [from];
          const visit = [slot.ticketId, slot.visit, ...held];
          const values = [...visit, now, agentId, slot.channel, agentId, agentId, now, ...visit, ...noteValues(note, now)];
          const sql = from === null ? CLAIM_ON_POSTGRES : CLAIM_FROM_ON_POSTGRES;
          const [row] = rowsOf<{ free: number | string; room: number | string; moved: number | string }>(await trx.raw(sql, values));
          if (!Number(row!.free)) throw new Taken();
          if (!Number(row!.room)) return 'full' as const;
          if (!Number(row!.moved)) throw new Taken();
        } else {
          const room = await trx('agent_capacity')
            .where({ user_id: agentId, channel: slot.channel })
            .where('load', '<', trx.ref('capacity'))
            .whereExists(trx('agent_profiles as p').select(trx.raw('1')).where('p.user_id', agentId).where('p.presence', 'online'))
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
          await insertNote(trx, note, now);
        }
        if (from !== null) await release(trx, from, slot.channel);
        if (audit) await appendAudit(trx, [audit]);
        return 'claimed' as const;
      })
      .catch((error: unknown) => {
        if (error instanceof Taken) return 'taken' as const;
        throw error;
      });
  }

  /** Takes the visit back from its agent (offline, or a lead's unassign); false when they no longer held it. */
  unassign(slot: { ticketId: number; visit: number; channel: string }, agentId: number): Promise<boolean> {
    return this.db.write(async (trx) => {
      const changed = await trx('ticket_assignments')
        .where({ ticket_id: slot.ticketId, visit: slot.visit, agent_id: agentId })
        .update({ agent_id: null, assigned_at: null, started_at: null });
      if (changed) await release(trx, agentId, slot.channel);
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

  private assignmentQuery(): Knex.QueryBuilder {
    return this.knex('ticket_assignments as a')
      .leftJoin('users as u', 'u.id', 'a.agent_id')
      .select('a.ticket_id', 'a.visit', 'a.step', 'a.lane', 'a.channel', 'a.agent_id', 'u.email as agent_email', 'a.assigned_at', 'a.started_at', 'a.flagged_at', 'a.created_at');
  }
}

class Taken extends Error {}

async function ensureProfile(trx: Transaction, userId: number): Promise<void> {
  await trx('agent_profiles').insert({ user_id: userId }).onConflict('user_id').ignore();
}

async function release(trx: Transaction, agentId: number, channel: string): Promise<void> {
  await trx('agent_capacity').where({ user_id: agentId, channel }).where('load', '>', 0).update({ load: trx.raw('?? - 1', ['load']) });
}

const noteValues = (note: RoutingNote, now: number) => [note.ticketId, note.kind, note.recipient, note.step, note.message, now];

async function insertNote(trx: Transaction, note: RoutingNote, now: number): Promise<void> {
  await trx('notifications').insert({ ticket_id: note.ticketId, kind: note.kind, recipient: note.recipient, step: note.step, message: note.message, created_at: now });
}
