import type { GraphNode, StateNodeJson, StepDefinition, StepLoop, TransitionJson, Workflow } from '../workflow.js';
import { ACTIONS } from './build-machine.js';
import type { GraphIndex } from './graph-index.js';

/** The machine's loop bookkeeping (context `loops`, by step id), implemented in `../loop-behaviour.ts`. */
export const LOOP_ACTIONS = {
  /** Entering the looping step: passes counted from 0, the collection or cardinality read. */
  start: 'sop.loopStart',
  /** A pass (or, one after the other, an instance) begins. */
  next: 'sop.loopNext',
  /** An instance is finished by the agent's action. */
  done: 'sop.loopDone',
  /** Instances all at once: the one just finished leaves, the others wait on (the engine closes its visit). */
  close: 'sop.instanceClose',
} as const;

export const LOOP_GUARDS = {
  /** Another pass, or another instance, may begin. */
  more: 'sop.loopMore',
  /** Standard loop with a condition: it holds after this pass (the values just given counted in). */
  again: 'sop.loopAgain',
  /** Instances all at once: finishing this one finishes the step (all done, or the completion condition holds). */
  last: 'sop.loopLast',
} as const;

/** The label of the action that runs a standard loop's step again (labels are authored text, in both languages). */
export const REPEAT_LABEL = '重复 Repeat';

/**
 * Makes each looping step's state a compound state: `<step>__check` decides whether a pass or instance begins,
 * `<step>__run` is the step itself (its visit opens and closes there), `<step>__done` ends a multi-instance step.
 * The step's own actions move into `__run`; what its boundary events added (timers, their transitions) stays
 * on the outer state, so a boundary interrupts the step as a whole. Run after the machine is built.
 */
export function wrapLoops(workflow: Workflow, index: GraphIndex): void {
  const looping = workflow.graph.nodes.filter((n) => n.loop && workflow.steps[n.id]);
  if (!looping.length) return;
  const stateOf = new Map<string, StateNodeJson>();
  const walk = (states: Record<string, StateNodeJson> | undefined) => {
    for (const state of Object.values(states ?? {})) {
      const enter = state.entry?.find((a) => a.type === ACTIONS.enter);
      if (enter) stateOf.set(String(enter.params!.step), state);
      walk(state.states);
    }
  };
  walk(workflow.machine.states);
  for (const node of looping) wrap(node, stateOf.get(node.id)!, workflow.steps[node.id]!, index);
}

function wrap(node: GraphNode, state: StateNodeJson, step: StepDefinition, index: GraphIndex): void {
  const loop = node.loop!;
  const id = state.id!;
  const [check, run, done] = [`${id}__check`, `${id}__run`, `${id}__done`];
  const params = { step: node.id };
  const ownFlows = new Set(index.outgoing(node.id).map((f) => f.id));
  const ownEvents = step.actions.filter((a) => ownFlows.has(a.flowId)).map((a) => a.event);
  const inner: StateNodeJson & { on: Record<string, TransitionJson | TransitionJson[]> } = {
    id: run,
    entry: state.entry!.filter((a) => a.type === ACTIONS.enter),
    exit: state.exit!.filter((a) => a.type === ACTIONS.exit),
    on: {},
  };
  for (const event of ownEvents) {
    inner.on[event] = state.on![event]!;
    delete state.on![event];
  }
  const start = { type: LOOP_ACTIONS.start, params: { ...params } as Record<string, unknown> };
  state.entry = [start, ...state.entry!.filter((a) => a.type !== ACTIONS.enter)];
  state.exit = state.exit!.filter((a) => a.type !== ACTIONS.exit);
  if (!state.exit.length) delete state.exit;
  if (!Object.keys(state.on!).length) delete state.on;
  state.initial = check;
  state.states = { [check]: { id: check }, [run]: inner };
  const next = { type: LOOP_ACTIONS.next, params };

  if (loop.kind === 'standard') {
    const described: StepLoop = { mode: 'standard' };
    if (loop.maximum !== undefined) described.maximum = loop.maximum;
    const limit = loop.maximum === undefined ? {} : { maximum: loop.maximum };
    if (loop.condition === undefined) {
      let repeat = 'repeat';
      for (let n = 2; step.actions.some((a) => a.event === repeat); n++) repeat = `repeat_${n}`;
      inner.on[repeat] = {
        target: `#${run}`,
        reenter: true,
        guard: { type: LOOP_GUARDS.more, params: { ...params, ...limit } },
        actions: [{ type: ACTIONS.record }, next],
      };
      step.actions.push({ event: repeat, label: REPEAT_LABEL, flowId: node.id });
      described.repeat = repeat;
      state.states[check]!.always = { target: `#${run}`, actions: [next] };
    } else {
      const again = { type: LOOP_GUARDS.again, params: { ...params, ...limit, condition: loop.condition } };
      for (const event of ownEvents) {
        const leave = inner.on[event] as TransitionJson;
        inner.on[event] = [{ target: `#${run}`, reenter: true, guard: again, actions: [...(leave.actions ?? []), next] }, leave];
      }
      const first = inner.on[ownEvents[0]!] as TransitionJson[];
      state.states[check]!.always = loop.testBefore
        ? [{ target: `#${run}`, guard: { ...again, params: { ...again.params, before: true } }, actions: [next] }, { target: first[1]!.target! }]
        : { target: `#${run}`, actions: [next] };
    }
    step.loop = described;
    return;
  }

  // Multi-instance: checked to have exactly one way out, which it takes once every instance is finished.
  const mode = loop.sequential ? 'sequential' : 'parallel';
  if (loop.collection !== undefined) start.params.collection = loop.collection;
  if (loop.cardinality !== undefined) start.params.cardinality = loop.cardinality;
  const judged = {
    ...params,
    mode,
    ...(loop.completion !== undefined ? { completion: loop.completion } : {}),
    ...(loop.element ? { element: loop.element } : {}),
  };
  const event = ownEvents[0]!;
  const leave = inner.on[event] as TransitionJson;
  const finished = { type: LOOP_ACTIONS.done, params };
  state.states[done] = { id: done, type: 'final' };
  state.onDone = { target: leave.target!, ...(leave.reenter ? { reenter: true } : {}) };
  if (mode === 'sequential') {
    inner.on[event] = { target: `#${check}`, actions: [...(leave.actions ?? []), finished] };
    state.states[check]!.always = [{ target: `#${run}`, guard: { type: LOOP_GUARDS.more, params: judged }, actions: [next] }, { target: `#${done}` }];
  } else {
    inner.on[event] = [
      { target: `#${done}`, guard: { type: LOOP_GUARDS.last, params: judged }, actions: [...(leave.actions ?? []), finished] },
      { actions: [...(leave.actions ?? []), finished, { type: LOOP_ACTIONS.close, params }] },
    ];
    state.states[check]!.always = [{ target: `#${run}`, guard: { type: LOOP_GUARDS.more, params: judged } }, { target: `#${done}` }];
  }
  const described: StepLoop = { mode };
  if (loop.element) described.element = loop.element;
  step.loop = described;
}
