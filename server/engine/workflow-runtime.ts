// What the engine derives once per compiled workflow (its xstate machine, step keys) and the pure xstate calls on it.
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject, type ExecutableActionObject } from 'xstate';
import { AppError } from '../shared/errors.js';
import { ACTIONS } from './compile/build-machine.js';
import { exhaustedRepeats } from './loop-instances.js';
import { machineOf } from './machine.js';
import type { TicketState } from './ticket-state.js';
import type { StateNodeJson, TriggerDefinition, Workflow } from './workflow.js';
import { IN_STATE_GUARD, triggerOf } from './compile/event-kinds.js';

export interface WorkflowRuntime {
  machine: AnyStateMachine;
  stepByKey: Map<string, string>;
  finalKeys: Set<string>;
  /** Lent to every xstate call on this machine; see `transitionOf`. */
  scope: AnyActorScope;
  actions: ExecutableActionObject[];
  /** Messages and signals by event type (`Workflow.triggers`, or for older versions the graph's messages). */
  triggers: Map<string, TriggerDefinition>;
  /** Events a step lists that are taken only in some states (a path beside a step that is not running yet). */
  guarded: Set<string>;
}

const runtimes = new WeakMap<Workflow, WorkflowRuntime>();

export function runtimeOf(workflow: Workflow): WorkflowRuntime {
  let runtime = runtimes.get(workflow);
  if (!runtime) {
    if (workflow.calls && !workflow.linked)
      throw new AppError(
        'bad_request',
        `workflow ${workflow.key} calls ${Object.values(workflow.calls)
          .map((c) => c.key)
          .join(', ')}: it runs linked to them`,
      );
    const stepByKey = new Map<string, string>();
    const finalKeys = new Set<string>();
    const guarded = new Set<string>();
    const walk = (states: Record<string, StateNodeJson> | undefined) => {
      for (const [key, state] of Object.entries(states ?? {})) {
        const enter = state.entry?.find((a) => a.type === ACTIONS.enter);
        if (enter) stepByKey.set(key, String(enter.params!.step));
        // A region beside the steps rests idle until its event comes.
        if (state.type === 'final' || state.meta?.rests) finalKeys.add(key);
        for (const [event, transitions] of Object.entries(state.on ?? {}))
          if ([transitions].flat().some((t) => t.guard?.type === IN_STATE_GUARD)) guarded.add(event);
        walk(state.states);
      }
    };
    walk(workflow.machine.states);
    const machine = machineOf(workflow);
    const actions: ExecutableActionObject[] = [];
    runtime = { machine, stepByKey, finalKeys, scope: inertScope(machine, actions), actions, triggers: triggersOf(workflow), guarded };
    runtimes.set(workflow, runtime);
  }
  return runtime;
}

/**
 * An actor scope that executes nothing and collects the actions a transition would run, as xstate's own
 * `transition()` builds for each call. NOTE: building it constructs an actor, which computes the machine's
 * whole initial snapshot: about as costly as the transition itself. SOP machines spawn no child actors, so
 * one scope per machine serves every call.
 */
function inertScope(machine: AnyStateMachine, actions: ExecutableActionObject[]): AnyActorScope {
  const self = createActor(machine);
  const none = () => {};
  return {
    self,
    id: '',
    sessionId: '',
    logger: none,
    defer: none,
    emit: none,
    system: self.system,
    stopChild: none,
    actionExecutor: (action) => {
      actions.push(action);
    },
  };
}

/** xstate's pure `transition()` (or `initialTransition()` without a snapshot) on the workflow's own scope. */
export function transitionOf(
  runtime: WorkflowRuntime,
  snapshot: AnyMachineSnapshot | undefined,
  event: EventObject | { fields: Record<string, unknown> },
): [AnyMachineSnapshot, ExecutableActionObject[]] {
  runtime.actions.length = 0;
  const next = snapshot
    ? (runtime.machine.transition(snapshot, event as EventObject, runtime.scope) as AnyMachineSnapshot)
    : (runtime.machine.getInitialSnapshot(runtime.scope, event) as AnyMachineSnapshot);
  return [next, runtime.actions.splice(0)];
}

export function leafKeys(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' || (child && typeof child === 'object' && Object.keys(child).length)) leafKeys(child, into);
      else into.push(key);
    }
  }
  return into;
}

/** The steps a ticket is in now (several inside parallel branches). */
export function activeSteps(workflow: Workflow, state: TicketState): string[] {
  const steps = state.openVisits.filter((v) => workflow.steps[v.step]?.kind !== 'automatic').map((v) => v.step);
  // The instances of a multi-instance step are one step.
  return steps.length > 1 ? [...new Set(steps)] : steps;
}

/** The events an agent or program may send now: one button each. Timer events are not among them, nor signals (`POST /api/signals`). */
export function allowedEvents(workflow: Workflow, state: TicketState): string[] {
  const { triggers } = runtimeOf(workflow);
  return acceptedEvents(workflow, state).filter((event) => triggers.get(event)?.kind !== 'signal');
}

/** Every event the ticket takes now: its steps' actions, the messages and the signals it waits for. */
export function acceptedEvents(workflow: Workflow, state: TicketState): string[] {
  if (state.done) return [];
  const events = new Set<string>();
  const exhausted = exhaustedRepeats(workflow, state);
  for (const step of activeSteps(workflow, state))
    for (const action of workflow.steps[step]!.actions) if (!exhausted?.has(action.event)) events.add(action.event);
  const { guarded, machine } = runtimeOf(workflow);
  if (![...events].some((event) => guarded.has(event))) return [...events];
  const snapshot = machine.resolveState(state.machine as Parameters<AnyStateMachine['resolveState']>[0]);
  return [...events].filter((event) => !guarded.has(event) || snapshot.can({ type: event }));
}

/** The names of the messages and of the signals the ticket waits for now. */
export function awaitedTriggers(workflow: Workflow, state: TicketState): { messages: string[]; signals: string[] } {
  const { triggers } = runtimeOf(workflow);
  const awaited = { messages: [] as string[], signals: [] as string[] };
  for (const event of acceptedEvents(workflow, state)) {
    const trigger = triggers.get(event);
    if (trigger) (trigger.kind === 'message' ? awaited.messages : awaited.signals).push(trigger.name);
  }
  return awaited;
}

/** The compiled catalogue, or for versions compiled before it existed, the messages their graph catches. */
function triggersOf(workflow: Workflow): Map<string, TriggerDefinition> {
  if (workflow.triggers) return new Map(Object.entries(workflow.triggers));
  const triggers = new Map<string, TriggerDefinition>();
  for (const node of workflow.graph.nodes) {
    const event = triggerOf(node);
    if (event && node.message !== undefined) triggers.set(event, { kind: 'message', name: node.message, fields: [] });
  }
  return triggers;
}
