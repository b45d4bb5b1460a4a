import type { RoutingRepository } from '../../data/routing/routing-repository.js';
import type { RuleRepository } from '../../data/routing/rule-repository.js';
import type { AgentProfile, Assignment, Classification, Presence, StoredClassification } from '../../data/routing/routing-records.js';

export type { AgentProfile, Assignment };
import type { Clock } from '../../shared/clock.js';
import type { AuditLog } from '../audit/audit.js';
import type { StoredTicket, TicketIntake, TicketListener } from '../tickets/ticket-runtime.js';
import type { User } from '../users/users.js';
import { Assignments, type Offer } from './assignments.js';
import { RoutingRules } from './routing-rules.js';

export interface RoutingSettings {
  /** An agent silent this long (no presence call) goes offline (PRESENCE_TIMEOUT_MS). */
  presenceTimeoutMs: number;
  /** How often the background pass expires presence and offers waiting steps again (ROUTING_SWEEP_MS). */
  sweepMs: number;
}

/** What a ticket shows of routing: its classification, and who holds it (each routed step). */
export interface RoutingAnnotation {
  classification?: StoredClassification;
  assignee?: { id: number; email: string; step: string; assignedAt: number; startedAt: number | null };
}

const SWEEP_BATCH = 200;

/**
 * Routing: classification at intake and assignment in push lanes, hooked into the ticket runtime
 * (`TicketListener`): a new ticket's classification is computed before it is written and stored in the same
 * transaction; every stored ticket is then routed. A background pass (started with the server) drops silent
 * agents to offline and offers waiting steps again as room appears.
 */
export class Routing implements TicketListener {
  readonly rules: RoutingRules;
  readonly assignments: Assignments;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly repository: RoutingRepository,
    ruleRepository: RuleRepository,
    audit: AuditLog,
    private readonly clock: Clock,
    private readonly settings: RoutingSettings,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.rules = new RoutingRules(ruleRepository, audit, clock);
    this.assignments = new Assignments(repository, audit, clock);
  }

  /** A new ticket's classification, written with the ticket (a failure here fails the creation: nothing is written). */
  classify(intake: TicketIntake): Promise<Classification | undefined> {
    return this.rules.classifyIntake(intake);
  }

  async stored(ticket: StoredTicket): Promise<void> {
    try {
      await this.route(ticket);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Ends assignments of steps the ticket left; offers each step it entered in a push lane. */
  private async route(ticket: StoredTicket): Promise<void> {
    const open = ticket.state.done ? [] : ticket.state.openVisits;
    if (!ticket.created)
      await this.repository.closeSlots(
        ticket.id,
        open.map((v) => v.visit),
      );
    const push = await this.assignments.pushLanes();
    const slots = open.flatMap((v) => {
      const lane = ticket.workflow.steps[v.step]?.owner;
      return lane && push.has(lane) ? [{ ticketId: ticket.id, visit: v.visit, step: v.step, lane, channel: ticket.channel }] : [];
    });
    if (!slots.length) return;
    await this.repository.openSlots(slots, this.clock.now());
    const classification = (await this.rules.of([ticket.id])).get(ticket.id);
    for (const slot of slots) {
      const held = await this.repository.assignment(slot.ticketId, slot.visit);
      if (held && held.agentId === null) await this.assignments.decide(this.offer(held, classification));
    }
  }

  private offer(slot: Assignment, classification: StoredClassification | undefined): Offer {
    return { ...slot, need: { type: classification?.type ?? null, level: classification?.level ?? null, channel: slot.channel } };
  }

  /** Presence (the user, or a lead); going offline returns their unstarted tickets, offered to others at once. */
  async setPresence(caller: User, userId: number, presence: Presence): Promise<Assignment[]> {
    const returned = await this.assignments.setPresence(caller, userId, presence);
    if (returned.length || presence === 'online') await this.offerWaiting();
    return returned;
  }

  /** A user's presence as routing last saw it (offline when never set). */
  async presenceOf(userId: number): Promise<Presence> {
    return (await this.repository.presenceOf(userId)) ?? 'offline';
  }

  /** Offers waiting steps (VIP and priority first), e.g. after an agent comes online or returned tickets. */
  async offerWaiting(): Promise<number> {
    const waiting = await this.assignments.waiting(SWEEP_BATCH);
    const classifications = await this.rules.of(waiting.map((w) => w.ticketId));
    let assigned = 0;
    for (const slot of waiting) {
      const decision = await this.assignments.decide(this.offer(slot, classifications.get(slot.ticketId)));
      if (decision.kind === 'assigned') assigned++;
    }
    return assigned;
  }

  /** One background pass: presence expiry, then the waiting steps offered again. */
  async sweep(): Promise<void> {
    this.rules.forget();
    this.assignments.forget();
    await this.assignments.expire(this.settings.presenceTimeoutMs);
    await this.repository.openSlots(await this.repository.unslotted([...(await this.assignments.pushLanes())], SWEEP_BATCH), this.clock.now());
    await this.offerWaiting();
  }

  async annotate<T extends { id: number }>(tickets: readonly T[]): Promise<Array<T & RoutingAnnotation>> {
    const ids = tickets.map((t) => t.id);
    const [classifications, assignments] = await Promise.all([this.rules.of(ids), this.repository.assignments(ids)]);
    return tickets.map((ticket) => {
      const out: T & RoutingAnnotation = { ...ticket };
      const classification = classifications.get(ticket.id);
      if (classification) out.classification = classification;
      const held = assignments.find((a) => a.ticketId === ticket.id && a.agentId !== null);
      if (held) out.assignee = { id: held.agentId!, email: held.agentEmail!, step: held.step, assignedAt: held.assignedAt!, startedAt: held.startedAt };
      return out;
    });
  }

  async annotateOne<T extends { id: number }>(ticket: T): Promise<T & RoutingAnnotation> {
    return (await this.annotate([ticket]))[0]!;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.settings.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
