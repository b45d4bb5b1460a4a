import { DEFAULT_WARN_AT, type GraphNode, type StateNodeJson, type StepAction, type TriggerDefinition, type Workflow } from '../workflow.js';
import { ACTIONS } from './build-machine.js';
import { EVENT_ACTIONS, sendsAtEnd, triggerOf } from './event-kinds.js';
import type { GraphIndex } from './graph-index.js';

/** What `event-scopes.ts` hands these helpers: the workflow being built, its graph, each node's state key and state. */
export interface EventContext {
  workflow: Workflow;
  index: GraphIndex;
  keys: Map<string, string>;
  stateOf: Map<string, StateNodeJson>;
}

/** The steps a state holds, itself included. */
export function stepsUnder(state: StateNodeJson): string[] {
  const steps: string[] = [];
  const visit = (s: StateNodeJson) => {
    const enter = s.entry?.find((a) => a.type === ACTIONS.enter);
    if (enter) steps.push(String(enter.params!.step));
    for (const child of Object.values(s.states ?? {})) visit(child);
  };
  visit(state);
  return steps;
}

export function addAction(workflow: Workflow, stepId: string, action: StepAction): void {
  const step = workflow.steps[stepId];
  if (step && !step.actions.some((a) => a.event === action.event)) step.actions.push(action);
}

/** The event that opens a path or starts an event subprocess, as a step passed at once (`wait`): the step log records it. */
export function triggerStep(workflow: Workflow, node: GraphNode, state: StateNodeJson): void {
  state.entry = [{ type: ACTIONS.enter, params: { step: node.id } }, ...(state.entry ?? [])];
  state.exit = [...(state.exit ?? []), { type: ACTIONS.exit, params: { step: node.id } }];
  workflow.steps[node.id] = {
    id: node.id,
    name: node.name ?? node.message ?? node.signal ?? node.thrown ?? node.id,
    kind: 'wait',
    waitingOnCustomer: false,
    warnAt: DEFAULT_WARN_AT,
    checklist: [],
    fields: node.step?.fields ?? [],
    actions: [],
    timers: [],
    ...(node.step?.owner ? { owner: node.step.owner } : {}),
    ...(node.documentation ? { guidance: node.documentation } : {}),
  };
}

/**
 * A step beside the flow may be open with the flow's steps: an agent's event both have would move both. Its
 * events that a step elsewhere also has are qualified by its id, as in parallel branches (messages and signals stay).
 */
export function qualify({ workflow, index, keys, stateOf }: EventContext, run: StateNodeJson): void {
  const inside = new Set(stepsUnder(run));
  const outside = new Set(
    Object.values(workflow.steps)
      .filter((step) => !inside.has(step.id))
      .flatMap((step) => step.actions.map((a) => a.event)),
  );
  const triggers = new Set(index.graph.nodes.map((n) => triggerOf(n)).filter(Boolean));
  for (const id of inside) {
    const step = workflow.steps[id]!;
    const state = stateOf.get(keys.get(id) ?? id);
    for (const action of step.actions) {
      if (!outside.has(action.event) || triggers.has(action.event) || !state?.on?.[action.event]) continue;
      const qualified = `${id}.${action.event}`;
      state.on[qualified] = state.on[action.event]!;
      delete state.on[action.event];
      action.event = qualified;
    }
  }
}

/** Signal catch events (after an event-based gateway too) and signal boundaries are actions of the steps that wait for them. */
export function signalActions({ workflow, index, keys, stateOf }: EventContext): void {
  for (const node of index.graph.nodes) {
    const event = triggerOf(node);
    if (!event || node.signal === undefined || node.kind === 'signalStartEvent') continue;
    const flow = index.outgoing(node.id)[0];
    const action = { event, label: node.name ?? node.signal, flowId: flow?.id ?? node.id };
    if (node.kind === 'signalCatchEvent') {
      const gateway = index.incoming(node.id).find((f) => index.nodes.get(f.source)?.kind === 'eventBasedGateway');
      addAction(workflow, gateway?.source ?? node.id, action);
    } else if (node.attachedTo) {
      const host = stateOf.get(keys.get(node.attachedTo)!);
      for (const step of host ? stepsUnder(host) : []) addAction(workflow, step, action);
    }
  }
}

/** Throw events, and message and signal end events, send: the step's entry says what (its message, or the signal it raises). */
export function sends({ index, keys, stateOf }: EventContext): void {
  for (const node of index.graph.nodes) {
    if (node.kind !== 'throwEvent' && !sendsAtEnd(node)) continue;
    const state = stateOf.get(keys.get(node.id) ?? '');
    if (!state) continue;
    const params = node.signal !== undefined ? { step: node.id, signal: node.signal } : { step: node.id, message: node.message ?? node.name ?? node.id };
    state.entry = [...(state.entry ?? []), { type: EVENT_ACTIONS.send, params }];
  }
}

/** Messages and signals by event type, with the fields the events that catch them ask for. */
export function catalogue({ workflow, index, keys }: EventContext): void {
  const triggers: Record<string, TriggerDefinition> = {};
  for (const node of index.graph.nodes) {
    const event = triggerOf(node);
    if (!event || (!keys.has(node.id) && !node.attachedTo)) continue;
    const trigger = (triggers[event] ??= { kind: node.signal !== undefined ? 'signal' : 'message', name: node.signal ?? node.message!, fields: [] });
    for (const field of node.step?.fields ?? []) if (!trigger.fields.some((f) => f.name === field.name)) trigger.fields.push(field);
  }
  if (Object.keys(triggers).length) workflow.triggers = triggers;
}
