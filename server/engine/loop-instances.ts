// The looping steps of a ticket as the engine's callers see them: which instance an event finishes, and which
// repeat actions are used up.
import { EventNotAllowedError } from '../shared/errors.js';
import type { Loops } from './loop-behaviour.js';
import type { TicketState } from './ticket-state.js';
import type { StepDefinition, Workflow } from './workflow.js';

/** The loop bookkeeping of the ticket's stored snapshot. */
export function loopsOf(state: TicketState): Loops | undefined {
  return (state.machine as { context?: { loops?: Loops } } | undefined)?.context?.loops;
}

/** The repeat actions of the active steps that reached their `loopMaximum`: not offered any more. */
export function exhaustedRepeats(workflow: Workflow, state: TicketState): Set<string> | undefined {
  let exhausted: Set<string> | undefined;
  for (const visit of state.openVisits) {
    const loop = workflow.steps[visit.step]?.loop;
    if (!loop?.repeat || loop.maximum === undefined) continue;
    if ((loopsOf(state)?.[visit.step]?.n ?? 0) >= loop.maximum) (exhausted ??= new Set()).add(loop.repeat);
  }
  return exhausted;
}

/**
 * The instance of a multi-instance step that `event` finishes: the one it names (1-based), else the first still
 * open. Undefined when no multi-instance step handles the event. Refused when it names an instance not open.
 */
export function actingInstance(workflow: Workflow, state: TicketState, handling: StepDefinition[], asked: number | undefined): number | undefined {
  const step = handling.find((s) => s.loop && s.loop.mode !== 'standard');
  if (!step) {
    // Naming an instance of a step that has none is a mistake of the caller's, not a detail to drop.
    if (asked !== undefined) {
      const allowed = [...new Set(handling.flatMap((s) => s.actions.map((a) => a.event)))];
      throw new EventNotAllowedError(`instance ${asked}: no step handling this event has instances (${handling.map((s) => s.id).join(', ')})`, allowed);
    }
    return undefined;
  }
  const open = state.openVisits.filter((v) => v.step === step.id && v.instance).map((v) => v.instance!.index);
  if (asked === undefined) return open.length ? Math.min(...open) : undefined;
  if (!open.includes(asked)) {
    const allowed = [...new Set(handling.flatMap((s) => s.actions.map((a) => a.event)))];
    throw new EventNotAllowedError(`instance ${asked} of step ${step.id} is not open now; open: ${open.join(', ') || 'none'}`, allowed);
  }
  return asked;
}
