import type { TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import type { ActiveStep, Urgency } from './ticket-views.js';

export type { Urgency };

/**
 * Breached: a step's or the whole ticket's limit has passed. Near: the warning of a limit has gone out (the
 * engine removes a visit's `sla-warning` timer when it fires), or is due, at `warnAt` of the limit.
 */
export function urgencyOf(workflow: Workflow, state: TicketState, steps: readonly ActiveStep[], dueAt: number | undefined, now: number): Urgency {
  if (state.done) return 'closed';
  if (steps.some((s) => s.breached) || state.resolution?.breached || (dueAt !== undefined && dueAt <= now)) return 'breached';
  if (state.resolution?.warned) return 'near';
  for (const timer of state.timers) {
    if ((timer.kind === 'sla-warning' || timer.kind === 'ticket-sla-warning') && timer.dueAt <= now) return 'near';
  }
  for (const visit of state.openVisits) {
    const step = workflow.steps[visit.step];
    if (!step || step.warnAt >= 1) continue;
    const breachPending = state.timers.some((t) => t.visit === visit.visit && t.kind === 'sla-breach');
    const warningPending = state.timers.some((t) => t.visit === visit.visit && t.kind === 'sla-warning');
    if (breachPending && !warningPending) return 'near';
  }
  return 'ok';
}
