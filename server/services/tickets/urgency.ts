import type { OpenVisit, TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';

/**
 * Where one limit stands: on track, warning (its warning went out or is due), breached, paused (the
 * resolution clock while the ticket waits only on the customer), none (no limit), or closed (the ticket is).
 */
export type LimitState = 'on_track' | 'warning' | 'breached' | 'paused' | 'none' | 'closed';

export interface LimitStatus {
  state: LimitState;
  /** When the limit breaches or breached; absent while paused, without a limit, or when the moment was not kept. */
  dueAt?: number;
}

/** The worse of a ticket's two limits: the colour of its queue row. */
export type Urgency = 'breached' | 'near' | 'ok' | 'closed';

/** Worse first: how two limits are compared, and which one a ticket's summary shows. */
const WEIGHT: Record<LimitState, number> = { breached: 5, warning: 4, on_track: 3, paused: 2, none: 1, closed: 0 };

/** The ticket's SLA: its resolution clock against the whole ticket's limit. */
export function slaStatus(state: TicketState, now: number): LimitStatus {
  if (state.done) return { state: 'closed' };
  const clock = state.resolution;
  const breach = state.timers.find((t) => t.kind === 'ticket-sla-breach');
  if (clock?.breached) return clock.breachedAt !== undefined ? { state: 'breached', dueAt: clock.breachedAt } : { state: 'breached' };
  // A breach due but not fired yet (the scheduler is a moment behind) is a breach all the same.
  if (breach && breach.dueAt <= now) return { state: 'breached', dueAt: breach.dueAt };
  if (clock?.slaMs !== undefined && clock.runningSince === undefined) return { state: 'paused' };
  if (!breach) return { state: 'none' };
  const warned = clock?.warned === true || state.timers.some((t) => t.kind === 'ticket-sla-warning' && t.dueAt <= now);
  return { state: warned ? 'warning' : 'on_track', dueAt: breach.dueAt };
}

/**
 * One open step's limit. Its warning went out when the engine removed the visit's `sla-warning` timer (it
 * fires at `warnAt` of the limit), or is due. A breached visit's moment is not kept: its timer has fired.
 */
export function visitStatus(workflow: Workflow, state: TicketState, visit: OpenVisit, now: number): LimitStatus {
  if (state.done) return { state: 'closed' };
  if (visit.slaMs === undefined) return { state: 'none' };
  if (visit.breached) return { state: 'breached' };
  const breach = state.timers.find((t) => t.kind === 'sla-breach' && t.visit === visit.visit);
  if (!breach) return { state: 'none' };
  if (breach.dueAt <= now) return { state: 'breached', dueAt: breach.dueAt };
  const warning = state.timers.find((t) => t.kind === 'sla-warning' && t.visit === visit.visit);
  const warned = warning ? warning.dueAt <= now : (workflow.steps[visit.step]?.warnAt ?? 1) < 1;
  return { state: warned ? 'warning' : 'on_track', dueAt: breach.dueAt };
}

/** The limit of the steps the ticket waits in: the most pressing of them (several in parallel branches). */
export function stepLimitStatus(workflow: Workflow, state: TicketState, now: number): LimitStatus {
  if (state.done) return { state: 'closed' };
  return mostPressing(state.openVisits.map((visit) => visitStatus(workflow, state, visit, now)));
}

/** The worst state; of equals, the one due first (a moment kept before none). */
export function mostPressing(statuses: readonly LimitStatus[]): LimitStatus {
  let worst: LimitStatus = { state: 'none' };
  for (const status of statuses) {
    const heavier = WEIGHT[status.state] - WEIGHT[worst.state];
    if (heavier > 0 || (heavier === 0 && status.dueAt !== undefined && (worst.dueAt === undefined || status.dueAt < worst.dueAt))) worst = status;
  }
  return worst;
}

/** Both limits in one word: breached if either is, near if either warns. */
export function urgencyOf(sla: LimitStatus, step: LimitStatus): Urgency {
  if (sla.state === 'closed') return 'closed';
  const worst = mostPressing([sla, step]).state;
  if (worst === 'breached') return 'breached';
  return worst === 'warning' ? 'near' : 'ok';
}
