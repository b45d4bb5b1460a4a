import type { CandidateFilter, RoutingRepository } from '../../data/routing/routing-repository.js';
import type { AgentProfile, Assignment, ChannelCounts, LanePolicy, LaneSetting, Level, OpenSlot, Presence } from '../../data/routing/routing-records.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, ConflictError, NotFoundError, outOfRange, ValidationError } from '../../shared/errors.js';
import { overChars } from '../../shared/limits.js';
import type { AuditLog } from '../audit/audit.js';
import { CHANNELS } from '../tickets/channels.js';
import { hasRole, type User } from '../users/users.js';
import { levelsFor, rankAgents, ticketOrder, type Candidate, type Need } from './assignment-policy.js';
import { PRIORITIES } from './classify.js';

/** What routing knows of a ticket when it offers one of its steps. */
export interface Offer extends OpenSlot {
  need: Need;
}

export type Decision = { kind: 'assigned'; agent: string } | { kind: 'flagged' } | { kind: 'held' };

const SKILLS_MAX = 100;
const SKILL_LENGTH = 100;
/** The most tickets an agent may hold on one channel. */
export const CAPACITY_MAX = 1000;
/** How many of the best candidates a decision reads first: claims that lose a race move down this list. */
const CANDIDATE_PAGE = 32;

/**
 * Who works on what: lane policies, agents' profiles and presence, and the decisions. A decision ranks the
 * lane's members (assignment-policy.ts) and claims them in that order; the claim is atomic in the database,
 * so concurrent decisions never give an agent more than their capacity. A step nobody can take stays in the
 * lane's queue, flagged to the lane's lead.
 */
export class Assignments {
  private policies: Map<string, LaneSetting> | undefined;

  constructor(
    private readonly repository: RoutingRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async lanes(): Promise<Map<string, LaneSetting>> {
    this.policies ??= new Map((await this.repository.lanes()).map((l) => [l.lane, l]));
    return this.policies;
  }

  /** Lane settings saved by another process are seen after this. */
  forget(): void {
    this.policies = undefined;
  }

  async setLane(caller: User, lane: string, policy: LanePolicy, lead: string | null): Promise<LaneSetting> {
    if (!lane.trim() || overChars(lane, 200))
      throw new ValidationError('lane must be 1 to 200 characters', [
        { field: 'lane', message: 'must be 1 to 200 characters', code: 'lengthBetween', values: { min: 1, max: 200 } },
      ]);
    const before = (await this.lanes()).get(lane) ?? null;
    const setting = { lane, policy, lead };
    await this.repository.setLane(setting, this.audit.entry(caller.email, 'routing.lane', `lane ${lane}`, before && { ...before }, { ...setting }));
    this.policies = undefined;
    return setting;
  }

  /** Active people (the members of `lane` when given) with capacity and load listed for every channel. */
  async profiles(lane?: string): Promise<AgentProfile[]> {
    return (await this.repository.profiles(lane)).map((p) => ({ ...p, capacity: everyChannel(p.capacity), load: everyChannel(p.load) }));
  }

  /**
   * Skills, level and capacity of a user (admins; through PATCH /api/users/:id); audited. `capacity` is per
   * channel (`{phone: 1, chat: 3}`: the channels named change, the others keep theirs), or one number for every
   * channel.
   */
  async setProfile(caller: User, userId: number, set: { skills?: string[]; level?: Level | null; capacity?: number | ChannelCounts }): Promise<AgentProfile> {
    const current = (await this.profiles()).find((p) => p.id === userId);
    if (!current) throw new NotFoundError(`no active user ${userId}`);
    const skills = set.skills && [...new Set(set.skills.map((s) => s.trim()).filter(Boolean))];
    if (skills && (skills.length > SKILLS_MAX || skills.some((s) => overChars(s, SKILL_LENGTH))))
      throw new ValidationError(`at most ${SKILLS_MAX} skills of ${SKILL_LENGTH} characters`, [
        {
          field: 'skills',
          message: `at most ${SKILLS_MAX} of ${SKILL_LENGTH} characters`,
          code: 'listTooLong',
          values: { most: SKILLS_MAX, longest: SKILL_LENGTH },
        },
      ]);
    const capacity = set.capacity === undefined ? undefined : capacityOf(set.capacity);
    const after = {
      ...(skills ? { skills } : {}),
      ...(set.level !== undefined ? { level: set.level } : {}),
      ...(capacity ? { capacity: { ...current.capacity, ...capacity } } : {}),
    };
    const before = { skills: current.skills, level: current.level, capacity: current.capacity };
    await this.repository.setProfile(
      userId,
      { ...after, ...(capacity ? { capacity } : {}) },
      this.audit.entry(caller.email, 'user.routing', `user ${userId} ${current.email}`, before, { ...before, ...after }),
    );
    return (await this.profiles()).find((p) => p.id === userId)!;
  }

  /** Presence, set by the user themselves or a manager; going offline returns their unstarted tickets to routing. */
  async setPresence(caller: User, userId: number, presence: Presence): Promise<Assignment[]> {
    if (caller.id !== userId && !hasRole(caller, 'manager')) throw new AppError('forbidden', "only a lead or an admin sets another person's presence");
    await this.repository.setPresence(userId, presence, this.clock.now());
    return presence === 'offline' ? this.returnUnstarted([userId]) : [];
  }

  /** Takes unstarted tickets back from these agents; the caller offers them again. */
  async returnUnstarted(agentIds: readonly number[]): Promise<Assignment[]> {
    const returned: Assignment[] = [];
    for (const held of await this.repository.unstartedOf(agentIds)) {
      if (await this.repository.unassign(held, held.agentId!)) returned.push({ ...held, agentId: null, agentEmail: null, assignedAt: null });
    }
    return returned;
  }

  /** Agents silent for longer than `timeoutMs` go offline; their unstarted tickets come back. */
  async expire(timeoutMs: number): Promise<Assignment[]> {
    const gone = await this.repository.expirePresence(this.clock.now() - timeoutMs);
    return gone.length ? this.returnUnstarted(gone) : [];
  }

  /** The push lanes among these steps' owners. */
  async pushLanes(): Promise<Set<string>> {
    return new Set([...(await this.lanes()).values()].filter((l) => l.policy === 'push').map((l) => l.lane));
  }

  /** Who could take the offer now, best first: the page of candidates a decision claims from first (a read only). */
  async candidates(offer: Offer): Promise<Candidate[]> {
    const page = await this.repository.candidates(offer.lane, { ...filterOf(offer), limit: CANDIDATE_PAGE });
    return rankAgents(page, offer.need);
  }

  /** Offers one step visit: the best agent whose claim holds; else flagged to the lead (once) and left in the queue. */
  async decide(offer: Offer): Promise<Decision> {
    const now = this.clock.now();
    const filter = filterOf(offer);
    // Where the database ranks and claims in one statement, most decisions end here.
    const best = await this.repository.claimBest(offer, filter, now, { kind: 'assignment', step: offer.step, message: 'assigned to ' });
    if (best?.kind === 'claimed') return { kind: 'assigned', agent: best.email };
    if (best?.kind === 'taken') return { kind: 'held' };
    if (best?.kind !== 'nobody') {
      const decision = await this.claimInOrder(offer, filter, now);
      if (decision) return decision;
    }
    const lead = (await this.lanes()).get(offer.lane)?.lead ?? offer.lane;
    await this.repository.flag(offer, now, {
      ticketId: offer.ticketId,
      kind: 'unassignable',
      recipient: lead,
      step: offer.step,
      message: `nobody in ${offer.lane} can take this ticket now`,
    });
    return { kind: 'flagged' };
  }

  /** Claims the ranked candidates one by one, the best page first; undefined when nobody's claim held. */
  private async claimInOrder(offer: Offer, filter: CandidateFilter, now: number): Promise<Decision | undefined> {
    const tried = new Set<number>();
    // When every claim on the best page lost a race, the rest of the lane.
    for (const limit of [CANDIDATE_PAGE, undefined]) {
      const page = await this.repository.candidates(offer.lane, { ...filter, ...(limit ? { limit } : {}) });
      for (const agent of rankAgents(page, offer.need)) {
        if (tried.has(agent.id)) continue;
        tried.add(agent.id);
        const note = { ticketId: offer.ticketId, kind: 'assignment' as const, recipient: agent.email, step: offer.step, message: `assigned to ${agent.email}` };
        const result = await this.repository.claim(offer, agent.id, null, now, note);
        if (result === 'claimed') return { kind: 'assigned', agent: agent.email };
        if (result === 'taken') return { kind: 'held' };
      }
      if (page.length < CANDIDATE_PAGE) break;
    }
    return undefined;
  }

  /** A lead gives a step of a ticket to someone else (one call), within that agent's capacity; audited. */
  async reassign(caller: User, ticketId: number, agentId: number, visit?: number): Promise<Assignment> {
    const held = (await this.repository.assignments([ticketId])).filter((a) => visit === undefined || a.visit === visit);
    if (!held.length) throw new NotFoundError(`ticket ${ticketId} has no routed step${visit === undefined ? '' : ` at visit ${visit}`}`);
    if (held.length > 1) throw new ValidationError('the ticket waits in several routed steps: say which visit', [{ field: 'visit', message: 'is required' }]);
    const slot = held[0]!;
    const agent = (await this.profiles(slot.lane)).find((p) => p.id === agentId);
    if (!agent)
      throw new ValidationError(`user ${agentId} is not an active member of ${slot.lane}`, [{ field: 'agentId', message: `is not a member of ${slot.lane}` }]);
    const now = this.clock.now();
    const entry = this.audit.entry(
      caller.email,
      'ticket.assign',
      `ticket ${ticketId} step ${slot.step}`,
      { assignee: slot.agentEmail },
      { assignee: agent.email },
    );
    const note = { ticketId, kind: 'assignment' as const, recipient: agent.email, step: slot.step, message: `assigned to ${agent.email} by ${caller.email}` };
    const result = await this.repository.claim(slot, agentId, slot.agentId, now, note, entry);
    if (result === 'full') {
      const capacity = agent.capacity[slot.channel] ?? 0;
      throw new ConflictError(`${agent.email} is not online or has no room on ${slot.channel} (capacity ${capacity})`, {
        agentId,
        channel: slot.channel,
        capacity,
      });
    }
    if (result === 'taken') throw new ConflictError('the ticket was reassigned meanwhile; reload', { assignee: slot.agentEmail });
    return (await this.repository.assignment(ticketId, slot.visit))!;
  }

  /** A ticket's routed steps, each with the lane members a lead may give it to. */
  async routedSteps(ticketId: number): Promise<Array<{ slot: Assignment; members: AgentProfile[] }>> {
    const slots = await this.repository.assignments([ticketId]);
    return Promise.all(slots.map(async (slot) => ({ slot, members: await this.profiles(slot.lane) })));
  }

  /** The assignee starts work: the ticket stays theirs when they go offline. */
  async start(caller: User, ticketId: number): Promise<void> {
    if (!(await this.repository.start(ticketId, caller.id, this.clock.now()))) throw new NotFoundError(`ticket ${ticketId} is not assigned to you`);
  }

  /** Steps nobody holds in push lanes, VIP and priority first. */
  async waiting(limit: number): Promise<Array<Assignment & { vip: boolean }>> {
    const rows = await this.repository.waiting(limit);
    return rows
      .map((r) => ({
        ...r,
        priority: (PRIORITIES as readonly string[]).includes(r.priority ?? '') ? (r.priority as (typeof PRIORITIES)[number]) : 'normal',
        id: r.ticketId,
      }))
      .sort(ticketOrder);
  }
}

const filterOf = (offer: Offer): CandidateFilter => ({ channel: offer.channel, skill: offer.need.type, levels: levelsFor(offer.need.level) });

/** Every known channel with its count (0 where none is set): what a profile shows and the audit records. */
function everyChannel(counts: ChannelCounts): ChannelCounts {
  return Object.fromEntries([...CHANNELS, ...Object.keys(counts).filter((c) => !(CHANNELS as readonly string[]).includes(c))].map((c) => [c, counts[c] ?? 0]));
}

/** A capacity as given: one number is every channel's; each channel must be a known one, from 0 to CAPACITY_MAX. */
function capacityOf(given: number | ChannelCounts): ChannelCounts {
  const entries = typeof given === 'number' ? CHANNELS.map((c) => [c, given] as const) : Object.entries(given);
  for (const [channel, value] of entries) {
    const field = typeof given === 'number' ? 'capacity' : `capacity.${channel}`;
    if (!(CHANNELS as readonly string[]).includes(channel))
      throw new ValidationError(`capacity: "${channel}" is not a channel`, [
        { field, message: `must be one of ${CHANNELS.join(', ')}`, code: 'channelUnknown', values: { value: channel } },
      ]);
    if (!Number.isSafeInteger(value) || value < 0 || value > CAPACITY_MAX)
      throw new ValidationError(`capacity must be from 0 to ${CAPACITY_MAX}`, [outOfRange(field, 0, CAPACITY_MAX)]);
  }
  return Object.fromEntries(entries);
}
