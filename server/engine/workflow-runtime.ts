// What the engine derives once per compiled workflow (its xstate machine, step keys) and the pure xstate calls on it.
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject, type ExecutableActionObject } from 'xstate';
import { AppError } from '../shared/errors.js';
import { ACTIONS } from './compile/build-machine.js';
import { exhaustedRepeats } from './loop-instances.js';
import { machineOf } from './machine.js';
import type { TicketState } from './ticket-state.js';
import type { StateNodeJson, Workflow } from './workflow.js';

export interface WorkflowRuntime {
  machine: AnyStateMachine;
  stepByKey: Map<string, string>;
  finalKeys: Set<string>;
  /** Lent to every xstate call on this machine; see `transitionOf`. */
  scope: AnyActorScope;
  actions: ExecutableActionObject[];
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
    const walk = (states: Record<string, StateNodeJson> | undefined) => {
      for (const [key, state] of Object.entries(states ?? {})) {
        const enter = state.entry?.find((a) => a.type === ACTIONS.enter);
        if (enter) stepByKey.set(key, String(enter.params!.step));
        if (state.type === 'final') finalKeys.add(key);
        walk(state.states);
      }
    };
    walk(workflow.machine.states);
    const machine = machineOf(workflow);
    const actions: ExecutableActionObject[] = [];
    runtime = { machine, stepByKey, finalKeys, scope: inertScope(machine, actions), actions };
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

/** The events an agent or program may send now: one button each. Timer events are not among them. */
export function allowedEvents(workflow: Workflow, state: TicketState): string[] {
  if (state.done) return [];
  const events = new Set<string>();
  const exhausted = exhaustedRepeats(workflow, state);
  for (const step of activeSteps(workflow, state))
    for (const action of workflow.steps[step]!.actions) if (!exhausted?.has(action.event)) events.add(action.event);
  return [...events];
}
