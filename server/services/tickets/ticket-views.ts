import type { TicketState } from '../../engine/ticket-engine.js';
import { activeSteps } from '../../engine/ticket-engine.js';
import type { FieldDefinition, Workflow } from '../../engine/workflow.js';
import type { Customer, PendingTimerView, StepLogEntry } from '../../data/tickets/ticket-records.js';

export type { Customer, PendingTimerView, StepLogEntry };

/** How close a ticket is to a broken promise: the queue's mark and the ticket page's banner. */
export type Urgency = 'breached' | 'near' | 'ok' | 'closed';

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
  /** How close the ticket is to a broken promise, as of the moment it was read. */
  urgency: Urgency;
  revision: number;
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
 * When the ticket breaches (or breached) a limit first: what "most urgent first" sorts by. A step already
 * breached keeps a due time in the past (its entry plus its limit), so an overdue ticket stays on top
 * instead of sinking once its breach timer has fired.
 */
export function nearestBreach(state: TicketState): number | null {
  let due: number | null = null;
  const earlier = (at: number) => {
    if (due === null || at < due) due = at;
  };
  for (const timer of state.timers) if (BREACH_KINDS.has(timer.kind)) earlier(timer.dueAt);
  for (const visit of state.openVisits) if (visit.breached && visit.slaMs !== undefined) earlier(visit.enteredAt + visit.slaMs);
  return due;
}

export function activeStepsOf(workflow: Workflow, state: TicketState): ActiveStep[] {
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
        actions: step.actions.map(({ event, label }) => ({ event, label })),
        waitingOnCustomer: step.waitingOnCustomer,
        enteredAt: visit.enteredAt,
        breached: visit.breached,
      };
      if (step.owner) view.owner = step.owner;
      if (step.guidance) view.guidance = step.guidance;
      if (visit.slaMs !== undefined) view.slaMs = visit.slaMs;
      if (breach) view.dueAt = breach.dueAt;
      return view;
    });
}
