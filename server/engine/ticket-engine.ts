// The ticket engine's public face: open, advance, fire a timer, change a ticket. Pure; the caller stores the result.
import type { AnyStateMachine } from 'xstate';
import { ConditionFailedError, EventNotAllowedError, ValidationError } from '../shared/errors.js';
import { timerEvent } from './compile/build-machine.js';
import { withConditionBudget } from './expressions.js';
import { checkFields, declaredFields } from './fields.js';
import { actingInstance } from './loop-instances.js';
import type { SopContext, SopEvent } from './machine.js';
import { TIMER_ACTOR, type Advance, type EngineOptions, type Moment, type TicketChange, type TicketState } from './ticket-state.js';
import { Run } from './ticket-run.js';
import { acceptedEvents, activeSteps, allowedEvents, runtimeOf, transitionOf as transitionUnbounded } from './workflow-runtime.js';
import type { Workflow } from './workflow.js';

export * from './ticket-state.js';
export { activeSteps, allowedEvents, awaitedTriggers } from './workflow-runtime.js';

/**
 * Opens a ticket: runs the workflow from its start event up to the first step that waits, and starts its
 * resolution clock. `input.calendar` gives the ticket its own business calendar (e.g. the customer's region).
 *
 * @example
 * const opened = startTicket(workflow, { now: Date.parse('2026-11-23T09:00:00Z'), actor: 'agent@example.com' }, { fields: { channel: 'phone' } });
 * opened.activeSteps; // ['Task_Answer']
 */
export function startTicket(
  workflow: Workflow,
  moment: Moment,
  input: { fields?: Record<string, unknown>; vip?: boolean; calendar?: string } = {},
  options: EngineOptions = {},
): Advance {
  const runtime = runtimeOf(workflow);
  const vip = input.vip === true;
  const blank: TicketState = { machine: undefined, openVisits: [], timers: [], seq: 0, vip, resolution: { usedMs: 0 }, done: false };
  if (input.calendar !== undefined) blank.calendar = input.calendar;
  if (workflow.linked) blank.calls = Object.fromEntries(Object.entries(workflow.linked).map(([path, { key, version }]) => [path, { key, version }]));
  // The clock starts paused without a limit; the run starts it once it knows the first steps and fields.
  const checked = checkFields([], input.fields ?? {}, {}, declaredFields(workflow));
  if (checked.problems.length) throw new ValidationError('the fields of the new ticket are not valid', checked.problems);
  const run = new Run(workflow, blank, moment, options, 'start');
  const [snapshot, actions] = transitionOf(workflow, options, runtime, undefined, { fields: { ...checked.values, vip } });
  return run.apply(snapshot, actions);
}

/**
 * Advances a ticket by one agent or program event. Pure: returns the next state and the effects.
 * Throws `EventNotAllowedError` (with the allowed events) or `ValidationError` (with field problems).
 */
export function advance(workflow: Workflow, state: TicketState, event: SopEvent, moment: Moment, options: EngineOptions = {}): Advance {
  if (state.done) throw new EventNotAllowedError('the ticket is closed', []);
  if (!acceptedEvents(workflow, state).includes(event.type)) {
    const allowed = allowedEvents(workflow, state);
    throw new EventNotAllowedError(`event "${event.type}" is not allowed now; allowed: ${allowed.join(', ') || 'none'}`, allowed);
  }
  const runtime = runtimeOf(workflow);
  const snapshot = runtime.machine.resolveState(state.machine as Parameters<AnyStateMachine['resolveState']>[0]);
  const handling = activeSteps(workflow, state)
    .map((id) => workflow.steps[id]!)
    .filter((s) => s.actions.some((a) => a.event === event.type));
  // A message or signal carries the fields of the events that catch it, not those of the step it arrives at.
  const trigger = workflow.triggers?.[event.type];
  const checked = checkFields(
    trigger ? trigger.fields : handling.flatMap((s) => s.fields),
    event.fields ?? {},
    snapshot.context.fields,
    declaredFields(workflow),
  );
  const what = trigger ? `${trigger.kind} "${trigger.name}"` : `"${handling.map((s) => s.name).join(', ')}"`;
  if (checked.problems.length) throw new ValidationError(`the fields of ${what} are not valid`, checked.problems);
  const instance = actingInstance(workflow, state, handling, event.instance);
  const run = new Run(workflow, state, moment, options, event.type, checked.values, instance);
  const [next, actions] = transitionOf(workflow, options, runtime, snapshot, { type: event.type, fields: checked.values, ...(instance ? { instance } : {}) });
  return run.apply(next, actions);
}

/**
 * Fires a pending timer by its key. Returns undefined when the timer is no longer pending (fired or
 * cancelled already), which makes firing idempotent.
 */
export function fireTimer(
  workflow: Workflow,
  state: TicketState,
  key: string,
  moment: Omit<Moment, 'actor'>,
  options: EngineOptions = {},
): Advance | undefined {
  const timer = state.timers.find((t) => t.key === key);
  if (!timer || state.done) return undefined;
  const run = new Run(workflow, state, { now: moment.now, actor: TIMER_ACTOR }, options, timer.timerId ? timerEvent(timer.timerId) : timer.kind);
  run.consume(timer);
  const runtime = runtimeOf(workflow);
  const snapshot = runtime.machine.resolveState(state.machine as Parameters<AnyStateMachine['resolveState']>[0]);
  if (timer.kind !== 'bpmn') {
    run.slaTimerFired(timer);
    return run.apply(snapshot, []);
  }
  const definition = workflow.timers[timer.timerId!]!;
  if (definition.behaviour === 'interrupting' && workflow.steps[definition.scope] && definition.scope !== definition.id) {
    run.remind('escalation', definition.scope, definition.id, definition.reminder);
  }
  const [next, actions] = transitionOf(workflow, options, runtime, snapshot, { type: timerEvent(timer.timerId!) });
  return run.apply(next, actions, timer);
}

/**
 * Changes a running ticket's VIP flag or its own calendar (`calendar: null` drops it). The resolution clock
 * and the open steps' limits switch to the new limits and calendar, keeping the business time already used
 * (counted on the calendar in force until now); their old timers are cancelled and new ones armed.
 *
 * @example
 * const upgraded = updateTicket(workflow, ticket.state, { vip: true }, { now, actor: 'lead@example.com' }, options);
 * upgraded.timersArmed; // the VIP limits' warning and breach timers
 */
export function updateTicket(workflow: Workflow, state: TicketState, change: TicketChange, moment: Moment, options: EngineOptions = {}): Advance {
  if (state.done) throw new EventNotAllowedError('the ticket is closed', []);
  const { machine } = runtimeOf(workflow);
  const persisted = state.machine as { context: SopContext };
  const vip = change.vip ?? state.vip;
  // Conditions may route on `vip`, so the field follows the flag.
  const patched = { ...persisted, context: { ...persisted.context, fields: { ...persisted.context.fields, vip } } };
  const snapshot = machine.resolveState(patched as unknown as Parameters<AnyStateMachine['resolveState']>[0]);
  const run = new Run(workflow, state, moment, options, 'update');
  run.update(vip, change.calendar);
  return run.apply(snapshot, []);
}

/**
 * xstate's transition with gateway conditions under the time budget; a condition that fails is reported
 * with the gateway its flow leaves. Nothing has been changed when it throws: the engine is pure.
 */
function transitionOf(workflow: Workflow, options: EngineOptions, ...args: Parameters<typeof transitionUnbounded>): ReturnType<typeof transitionUnbounded> {
  try {
    const result = withConditionBudget(options.conditionTimeoutMs, () => transitionUnbounded(...args));
    // xstate keeps an error an action threw (a multi-instance step's collection that is not a list) in the snapshot.
    if (result[0].status === 'error') throw result[0].error;
    return result;
  } catch (error) {
    if (error instanceof ConditionFailedError && !error.gatewayId) {
      const gateway = workflow.graph.flows.find((flow) => flow.id === error.flowId)?.source;
      if (gateway) throw error.at(gateway);
    }
    throw error;
  }
}
