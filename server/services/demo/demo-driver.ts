import type { ManualClock } from '../../shared/clock.js';
import type { DemoData } from '../../data/demo/demo-data.js';
import { ConflictError, EventNotAllowedError } from '../../shared/errors.js';
import { PROCESS_SCOPE, type Workflow } from '../../engine/workflow.js';
import type { Sopflow } from '../../sopflow.js';
import type { Ticket } from '../tickets/ticket-views.js';
import { Agenda } from './agenda.js';
import type { Arrival } from './arrivals.js';
import type { DemoProgress, DemoStatus } from './demo-progress.js';
import type { DemoCounters } from './demo-summary.js';
import { seededRandom, streamSeed } from './seeded-random.js';
import { agentFor, planAction, type PlannedAction, type TicketStory } from './step-behaviour.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * How far apart in simulated time things may be and still happen at one instant. At a few thousand
 * tickets over weeks, hardly two events ever fall on the same millisecond, so each would be its own commit;
 * letting an action happen a little early (a tenth of its step's limit, at most `MAX_SLACK`), an arrival a
 * few minutes early and a timer fire up to `TIMER_LATENCY` late gathers them into shared instants, whose
 * writes then share commits.
 */
export const COALESCING = { MAX_SLACK: 5 * MINUTE, ARRIVAL_SLACK: 5 * MINUTE, STEP_SLACK_SHARE: 0.1, TIMER_LATENCY: MINUTE };

type AgendaItem =
  | { kind: 'arrival'; arrival: Arrival; slack: number }
  | { kind: 'act'; ticket: DemoTicket; step: string; enteredAt: number; action: PlannedAction; slack: number };

interface DemoTicket {
  arrival: Arrival;
  story: TicketStory;
  workflow: Workflow;
  id?: number;
  /** The visit each active step's plan belongs to: step → enteredAt. */
  planned: Map<string, number>;
  closed: boolean;
}

export interface DriverSettings {
  seed: number;
  /** The end of the simulated period: nothing happens after it. */
  to: number;
  workflows: ReadonlyMap<string, Workflow>;
  improvementAt: (at: number) => number;
}

/**
 * Drives planned arrivals through the real ticket runtime on a manual clock. Moves the clock forward in
 * time order to each instant where something is due, fires due timers through the scheduler, then runs
 * everything due at that instant concurrently; every result is followed by a plan for the next step.
 */
export class DemoDriver {
  readonly counters: DemoCounters = { created: 0, closed: 0, advances: 0, timersFired: 0, reopenings: 0, replanned: 0, instants: 0, timerRounds: 0 };
  readonly ids: number[] = [];
  private readonly agenda = new Agenda<AgendaItem>();
  private readonly interruptible = new WeakMap<Workflow, Set<string>>();
  /** Timers due up to here could not be claimed (another process has them): not waited for again. */
  private unclaimableUpTo = -Infinity;

  constructor(
    private readonly app: Sopflow,
    private readonly clock: ManualClock,
    private readonly settings: DriverSettings,
    private readonly data: DemoData,
  ) {}

  async run(arrivals: readonly Arrival[], progress: DemoProgress): Promise<void> {
    for (const arrival of arrivals) this.agenda.add(arrival.at, { kind: 'arrival', arrival, slack: COALESCING.ARRIVAL_SLACK });
    const { to } = this.settings;
    progress.start(arrivals.length);
    for (;;) {
      const deadline = this.agenda.peekTime() ?? Infinity;
      const due = (await this.nextDue()) ?? Infinity;
      if (deadline > to && due > to) break;
      // As late as the most urgent item or timer allows, to gather as much as possible into this instant.
      const at = Math.max(this.clock.now(), Math.min(deadline, due + COALESCING.TIMER_LATENCY, to));
      this.clock.set(at);
      if (due <= at) await this.fireTimers(at);
      const ready = this.takeReady(at);
      this.counters.instants++;
      await Promise.all(ready.map((item) => (item.kind === 'arrival' ? this.open(item.arrival) : this.act(item))));
      progress.update(this.status());
    }
    this.clock.set(Math.max(this.clock.now(), to));
    progress.stop(this.status());
  }

  status(): DemoStatus {
    return {
      simulatedAt: this.clock.now(),
      opened: this.counters.created,
      open: this.counters.created - this.counters.closed,
      advances: this.counters.advances,
      timersFired: this.counters.timersFired,
    };
  }

  /** Items whose window has opened by `at`, in agenda order; the others go back. */
  private takeReady(at: number): AgendaItem[] {
    const ready: AgendaItem[] = [];
    for (const entry of this.agenda.takeUntil(at + COALESCING.MAX_SLACK)) {
      if (entry.at - entry.item.slack <= at) ready.push(entry.item);
      else this.agenda.add(entry.at, entry.item);
    }
    return ready;
  }

  private async fireTimers(at: number): Promise<void> {
    const fired = await this.app.scheduler.runDue();
    this.counters.timerRounds++;
    this.counters.timersFired += fired.fired;
    // Claimed by another process (or failing there): leave them to it rather than wait for them.
    if (fired.claimed === 0) this.unclaimableUpTo = at;
  }

  private async open(arrival: Arrival): Promise<void> {
    const workflow = this.settings.workflows.get(arrival.workflow)!;
    const story: TicketStory = {
      random: seededRandom(streamSeed(this.settings.seed, arrival.index + 1)),
      workflow: arrival.workflow,
      channel: arrival.channel,
      subject: arrival.subject,
      visits: new Map(),
      agents: new Map(),
      troubled: false,
    };
    const ticket: DemoTicket = { arrival, story, workflow, planned: new Map(), closed: false };
    const input = {
      workflow: arrival.workflow,
      channel: arrival.channel,
      subject: arrival.subject,
      customer: { name: arrival.customer.name, externalId: arrival.customer.externalId },
      vip: arrival.customer.vip,
    };
    // The agent on duty opens tickets of staffed channels; the channel's gateway the others.
    const staffed = arrival.channel === 'phone' || arrival.channel === 'store' || arrival.channel === 'chat';
    const actor = staffed ? agentFor(story, 'desk', this.clock.now()) : `${arrival.channel}-gateway@demo`;
    // Two first tickets of one customer at one instant race to create the customer: the loser tries again.
    const view = await this.app.tickets.create(input, actor).catch((error: unknown) => {
      if (error instanceof ConflictError) return this.app.tickets.create(input, actor);
      throw error;
    });
    ticket.id = view.id;
    this.ids.push(view.id);
    this.counters.created++;
    this.follow(ticket, view);
  }

  private async act(item: Extract<AgendaItem, { kind: 'act' }>): Promise<void> {
    const { ticket, action } = item;
    if (ticket.planned.get(item.step) !== item.enteredAt) return;
    let expectedRevision: number | undefined;
    if (this.interruptibleSteps(ticket.workflow).has(item.step)) {
      // An interrupting timer may have moved the ticket on, into a step with an event of the same name.
      const current = await this.app.tickets.get(ticket.id!);
      if (!current.steps.some((s) => s.id === item.step && s.enteredAt === item.enteredAt)) return this.replan(ticket, item.step, current);
      expectedRevision = current.revision;
    }
    try {
      const view = await this.app.tickets.advance(
        ticket.id!,
        { type: action.event, fields: action.fields, ...(expectedRevision === undefined ? {} : { expectedRevision }) },
        action.actor,
      );
      this.counters.advances++;
      if (action.reopens) this.counters.reopenings++;
      this.follow(ticket, view);
    } catch (error) {
      // A timer got there first: look again and plan from what the ticket is doing now.
      if (!(error instanceof EventNotAllowedError || error instanceof ConflictError)) throw error;
      this.replan(ticket, item.step, await this.app.tickets.get(ticket.id!));
    }
  }

  private replan(ticket: DemoTicket, step: string, current: Ticket): void {
    this.counters.replanned++;
    ticket.planned.delete(step);
    this.follow(ticket, current);
  }

  /** Plans the next action of every active step that has none; forgets plans of steps the ticket left. */
  private follow(ticket: DemoTicket, view: Ticket): void {
    if (view.status === 'closed') {
      if (!ticket.closed) this.counters.closed++;
      ticket.closed = true;
      ticket.planned.clear();
      return;
    }
    const active = new Map(view.steps.map((s) => [s.id, s.enteredAt]));
    for (const [step, enteredAt] of ticket.planned) if (active.get(step) !== enteredAt) ticket.planned.delete(step);
    const now = this.clock.now();
    for (const visit of view.steps) {
      if (ticket.planned.get(visit.id) === visit.enteredAt) continue;
      const step = ticket.workflow.steps[visit.id]!;
      const action = planAction(step, visit, ticket.story, this.settings.improvementAt);
      if (!action) continue;
      const at = Math.max(action.at, now + SECOND);
      const limit = visit.slaMs ?? step.slaMs;
      const slack = Math.min(COALESCING.MAX_SLACK, limit === undefined ? COALESCING.MAX_SLACK : limit * COALESCING.STEP_SLACK_SHARE, at - now - SECOND);
      ticket.planned.set(visit.id, visit.enteredAt);
      this.agenda.add(at, { kind: 'act', ticket, step: visit.id, enteredAt: visit.enteredAt, action, slack });
    }
  }

  /** Steps an interrupting timer can leave: its own boundary timer, or one on the process or a subprocess. */
  private interruptibleSteps(workflow: Workflow): Set<string> {
    let steps = this.interruptible.get(workflow);
    if (!steps) {
      const interrupting = Object.values(workflow.timers).filter((t) => t.behaviour === 'interrupting');
      const wide = interrupting.some((t) => t.scope === PROCESS_SCOPE || !workflow.steps[t.scope]);
      steps = new Set(wide ? Object.keys(workflow.steps) : interrupting.map((t) => t.scope));
      this.interruptible.set(workflow, steps);
    }
    return steps;
  }

  private nextDue(): Promise<number | undefined> {
    return this.data.nextTimerDue(this.unclaimableUpTo > -Infinity ? this.unclaimableUpTo : undefined);
  }
}
