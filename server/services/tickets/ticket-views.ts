import type { TicketState } from '../../engine/ticket-engine.js';
import { activeSteps } from '../../engine/ticket-engine.js';
import { isSignal } from '../../engine/ticket-triggers.js';
import type { FieldDefinition, StepDefinition, StepInstance, Workflow } from '../../engine/workflow.js';
import type { Customer, PendingTimerView, StepLogEntry } from '../../data/tickets/ticket-records.js';
import { visitStatus, type LimitState, type LimitStatus, type Urgency } from './urgency.js';

export type { Customer, LimitState, LimitStatus, PendingTimerView, StepLogEntry, Urgency };

/** A step the ticket waits in, with everything an agent needs to act on it. */
export interface ActiveStep {
  id: string;
  name: string;
  owner?: string;
  guidance?: string;
  checklist: string[];
  fields: FieldDefinition[];
  actions: Array<{ event: string; label: string }>;
  waitingOnCustomer: boolean;
  enteredAt: number;
  slaMs?: number;
  /** When the step's SLA is breached (business time already counted in). */
  dueAt?: number;
  breached: boolean;
  /** Where the step's limit stands, as of the moment the ticket was read. */
  limitState: LimitState;
  /** A looping step: which pass, or which item (one entry per instance open at once). */
  instance?: StepInstance;
  /** A step of a called workflow: the call it runs in. */
  calledBy?: StepDefinition['calledBy'];
}

export interface Ticket {
  id: number;
  workflow: string;
  version: number;
  channel: string;
  subject: string;
  customer: Customer;
  vip: boolean;
  level?: string;
  fields: Record<string, unknown>;
  status: 'open' | 'closed';
  /** Ids of the steps the ticket waits in (several in parallel branches). */
  state: string[];
  steps: ActiveStep[];
  allowedEvents: string[];
  /** The messages and the signals the ticket waits for now, by name. */
  awaitedMessages: string[];
  awaitedSignals: string[];
  /** The ticket's SLA: its resolution clock against the whole ticket's limit, as of the moment it was read. */
  sla: LimitStatus;
  /** The limit of the step it waits in (the most pressing one of parallel steps), as of the same moment. */
  stepLimit: LimitStatus;
  /** The worse of the two in one word. */
  urgency: Urgency;
  /** The workflows its call activities run, by call path (`Call_1`, `Call_1/Call_2`), chosen when it started. */
  calls?: Record<string, { key: string; version: number }>;
  revision: number;
  /** What "most urgent first" sorts by: the earliest moment either limit breaches or breached. */
  dueAt?: number;
  createdAt: number;
  updatedAt: number;
  closedAt?: number;
  createdBy: string;
}

export interface TicketDetail extends Ticket {
  stepLog: StepLogEntry[];
  pendingTimers: PendingTimerView[];
}

/** The SLA kinds whose due time makes a ticket urgent. */
const BREACH_KINDS = new Set(['sla-breach', 'ticket-sla-breach']);

/**
 * When the ticket breaches (or breached) a limit first: what "most urgent first" sorts by. A limit already
 * breached keeps a moment in the past, so a breached ticket (its SLA or its step) sorts above every ticket
 * still on track, whose moments are all ahead: the order and the badges (`slaStatus`, `visitStatus`) agree
 * at any time. A breached step's moment is its entry plus its limit (business time only adds to it); a
 * breached SLA's is when it fell due, or 0 in a snapshot stored before that moment was kept.
 */
export function nearestBreach(state: TicketState): number | null {
  // No helper closure: under tsx (`npm start`) every named closure made per call costs a defineProperty.
  let due = Infinity;
  for (const timer of state.timers) if (BREACH_KINDS.has(timer.kind) && timer.dueAt < due) due = timer.dueAt;
  for (const visit of state.openVisits)
    if (visit.breached && visit.slaMs !== undefined && visit.enteredAt + visit.slaMs < due) due = visit.enteredAt + visit.slaMs;
  if (state.resolution?.breached && (state.resolution.breachedAt ?? 0) < due) due = state.resolution.breachedAt ?? 0;
  return due === Infinity ? null : due;
}

export function activeStepsOf(workflow: Workflow, state: TicketState, now: number): ActiveStep[] {
  const ids = new Set(activeSteps(workflow, state));
  return state.openVisits
    .filter((visit) => ids.has(visit.step))
    .map((visit) => {
      const step = workflow.steps[visit.step]!;
      const breach = state.timers.find((t) => t.kind === 'sla-breach' && t.visit === visit.visit);
      const view: ActiveStep = {
        id: step.id,
        name: step.name,
        checklist: step.checklist,
        fields: step.fields,
        // A signal is not an action of one ticket: it reaches every ticket waiting for it.
        actions: step.actions.filter((a) => !isSignal(workflow, a.event)).map(({ event, label }) => ({ event, label })),
        waitingOnCustomer: step.waitingOnCustomer,
        enteredAt: visit.enteredAt,
        breached: visit.breached,
        limitState: visitStatus(workflow, state, visit, now).state,
      };
      if (step.owner) view.owner = step.owner;
      if (step.guidance) view.guidance = step.guidance;
      if (visit.slaMs !== undefined) view.slaMs = visit.slaMs;
      if (breach) view.dueAt = breach.dueAt;
      if (visit.instance) view.instance = visit.instance;
      if (step.calledBy) view.calledBy = step.calledBy;
      return view;
    });
}
