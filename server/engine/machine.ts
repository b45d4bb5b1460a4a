import { assign, setup, stateIn, type AnyStateMachine } from 'xstate';
import { conditionHolds } from './expressions.js';
import type { StateNodeJson, TransitionJson, Workflow } from './workflow.js';
import { ACTIONS, ANY_HOLDS_GUARD, CONDITION_GUARD, NONE_HOLD_GUARD } from './compile/build-machine.js';
import { reenterSelfLoops } from './compile/self-loops.js';
import { LOOP_ACTIONS, LOOP_GUARDS } from './compile/loops.js';
import { loopAgain, loopDone, loopLast, loopMore, loopNext, loopStarted, type Loops } from './loop-behaviour.js';
import { EVENT_ACTIONS, IN_STATE_GUARD } from './compile/event-kinds.js';

export interface SopContext {
  fields: Record<string, unknown>;
  /** The passes and instances of looping steps, by step id (`loop-behaviour.ts`). */
  loops?: Loops;
}

export interface SopEvent {
  type: string;
  fields?: Record<string, unknown>;
  /** Which instance of a multi-instance step the event finishes (1-based; the engine fills it in). */
  instance?: number;
}

export interface SopInput {
  fields?: Record<string, unknown>;
}

const noop = () => undefined;

/**
 * The behaviour behind the names a compiled machine config refers to. Step, timer and reminder actions do
 * nothing here on purpose: the engine runs the machine with XState's pure `transition()` and turns the
 * actions it returns into effects for the caller to store.
 */
const sop = setup({
  types: {} as { context: SopContext; events: SopEvent; input: SopInput },
  actions: {
    [ACTIONS.enter]: noop,
    [ACTIONS.exit]: noop,
    [ACTIONS.arm]: noop,
    [ACTIONS.cancel]: noop,
    [ACTIONS.remind]: noop,
    [EVENT_ACTIONS.send]: noop,
    [EVENT_ACTIONS.repeat]: noop,
    [ACTIONS.record]: assign(({ context, event }) => (event.fields ? { fields: { ...context.fields, ...event.fields } } : {})),
    [LOOP_ACTIONS.start]: assign(({ context }, params: Parameters<typeof loopStarted>[1]) => ({ loops: loopStarted(context, params) })),
    [LOOP_ACTIONS.next]: assign(({ context }, params: { step: string }) => ({ loops: loopNext(context, params) })),
    [LOOP_ACTIONS.done]: assign(({ context, event }, params: { step: string }) => ({ loops: loopDone(context, event, params) })),
    [LOOP_ACTIONS.close]: noop,
  },
  guards: {
    [CONDITION_GUARD]: ({ context }, params: { expression: string; flow?: string }) => conditionHolds(params.expression, context.fields, params.flow),
    [ANY_HOLDS_GUARD]: ({ context }, params: { expressions: string[]; flows: string[] }) =>
      params.expressions.some((expression, i) => conditionHolds(expression, context.fields, params.flows[i])),
    [NONE_HOLD_GUARD]: ({ context }, params: { expressions: string[]; flows: string[] }) =>
      params.expressions.every((expression, i) => !conditionHolds(expression, context.fields, params.flows[i])),
    [LOOP_GUARDS.more]: ({ context }, params: Parameters<typeof loopMore>[1]) => loopMore(context, params),
    [LOOP_GUARDS.again]: ({ context, event }, params: Parameters<typeof loopAgain>[2]) => loopAgain(context, event, params),
    [LOOP_GUARDS.last]: ({ context, event }, params: Parameters<typeof loopLast>[2]) => loopLast(context, event, params),
  },
});

const machines = new WeakMap<Workflow, AnyStateMachine>();

/** The XState machine of a workflow, built once per workflow object. */
export function machineOf(workflow: Workflow): AnyStateMachine {
  let machine = machines.get(workflow);
  if (!machine) {
    // Versions compiled before self-loops re-entered their step are marked here too (a copy: stored JSON is left alone).
    const { context: _unused, ...config } = withStateGuards(reenterSelfLoops(structuredClone(workflow.machine)));
    machine = sop.createMachine({
      ...(config as unknown as Parameters<typeof sop.createMachine>[0]),
      context: ({ input }) => ({ fields: { ...(input?.fields ?? {}) } }),
    });
    machines.set(workflow, machine);
  }
  return machine;
}

/** `sop.in` guards (a path beside a step waits for its event only while the step is active) become XState's `stateIn`. */
function withStateGuards<C extends { states: Record<string, StateNodeJson> }>(config: C): C {
  const fix = (transition: TransitionJson) => {
    if (transition.guard?.type === IN_STATE_GUARD) (transition as { guard: unknown }).guard = stateIn(String(transition.guard.params.state));
  };
  const visit = (states: Record<string, StateNodeJson> | undefined) => {
    for (const state of Object.values(states ?? {})) {
      for (const transitions of Object.values(state.on ?? {})) [transitions].flat().forEach(fix);
      [state.always ?? []].flat().forEach(fix);
      visit(state.states);
    }
  };
  visit(config.states);
  return config;
}
