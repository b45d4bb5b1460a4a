import { AppError } from '../../shared/errors.js';
import type {
  ActionJson,
  CallCatch,
  LinkedCall,
  MachineConfigJson,
  StateNodeJson,
  StepAction,
  TimerDefinition,
  TriggerDefinition,
  TransitionJson,
  Workflow,
} from '../workflow.js';
import { PROCESS_SCOPE, THROWS_META } from '../workflow.js';
import { CALL_PATH_SEPARATOR } from '../workflow-activities.js';
import { ACTIONS, timerEvent } from './build-machine.js';
import { IN_STATE_GUARD, triggerOf } from './event-kinds.js';

/** What one call runs: the called workflow (as published, unlinked) and which version of which key it is. */
export interface CallBinding extends LinkedCall {
  workflow: Workflow;
}

/** How deep calls may nest: publishing refuses cycles, so this only stops a store that was changed by hand. */
export const MAX_CALL_DEPTH = 16;

/**
 * A workflow whose call activities run the workflows `bound` gives for their call paths (`Call_1`,
 * `Call_1/Call_2` for a call inside the called workflow): each called machine is put inside its call
 * activity's state, its state ids, steps, timers and flows prefixed with the path and `/` (BPMN ids never
 * hold one), so the ticket runs one machine and its step log names every called step, and its limits and
 * timers arm as any step's do. Every called step also offers the actions of the call activity's boundary
 * events. The ticket's resolution limit and calendar stay the caller's. Pure; callers cache the result.
 * A workflow without calls is returned as it is.
 */
export function linkCalls(workflow: Workflow, bound: Readonly<Record<string, CallBinding>>): Workflow {
  if (!workflow.calls) return workflow;
  const linked: Workflow = {
    ...workflow,
    machine: structuredClone(workflow.machine),
    steps: { ...workflow.steps },
    timers: { ...workflow.timers },
    linked: {},
  };
  link(linked, workflow, '', [], bound, 0);
  return linked;
}

function link(into: Workflow, caller: Workflow, prefix: string, inherited: StepAction[], bound: Readonly<Record<string, CallBinding>>, depth: number): void {
  for (const [callId, site] of Object.entries(caller.calls ?? {})) {
    const path = `${prefix}${callId}`;
    const binding = bound[path];
    if (!binding) throw new AppError('bad_request', `call activity ${path} of workflow ${into.key} calls ${site.key}, which was not linked`);
    if (depth >= MAX_CALL_DEPTH) throw new AppError('bad_request', `calls nest deeper than ${MAX_CALL_DEPTH} at ${path}: a workflow calls itself`);
    const callee = binding.workflow;
    const px = (id: string) => `${path}${CALL_PATH_SEPARATOR}${id}`;
    const host = findState(into.machine, `${prefix}${site.state}`);
    if (!host) throw new AppError('bad_request', `call activity ${path} has no state in workflow ${into.key}`);
    const machine = prefixed(structuredClone(callee.machine), px);
    throwToCaller(machine.states, site.catches ?? [], prefix, into.machine);
    // A called machine with paths beside its flow (event scopes) is parallel, and so its call activity's state becomes.
    if (machine.type === 'parallel') host.type = 'parallel';
    else host.initial = machine.initial!;
    host.states = machine.states;
    const processTimers = (machine.entry ?? []).filter((a) => a.type === ACTIONS.arm);
    if (processTimers.length) {
      host.entry = [...(host.entry ?? []), ...processTimers];
      host.exit = [...processTimers.map((a) => ({ type: ACTIONS.cancel, params: a.params! })), ...(host.exit ?? [])];
    }
    if (machine.on) host.on = { ...machine.on, ...host.on };
    const offered = [...inherited, ...site.actions.map((a) => ({ ...a, flowId: `${prefix}${a.flowId}` }))];
    const calledBy = { path, key: binding.key, version: binding.version, name: binding.name };
    for (const step of Object.values(callee.steps)) {
      into.steps[px(step.id)] = {
        ...step,
        id: px(step.id),
        actions: [...step.actions.map((a) => ({ ...a, flowId: px(a.flowId) })), ...offered],
        timers: step.timers.map(px),
        calledBy,
      };
    }
    for (const timer of Object.values(callee.timers)) {
      const copy: TimerDefinition = { ...timer, id: px(timer.id), scope: timer.scope === PROCESS_SCOPE ? path : px(timer.scope) };
      into.timers[copy.id] = copy;
    }
    into.linked![path] = { key: binding.key, version: binding.version, name: binding.name };
    addTriggers(into, callee);
    link(into, callee, `${path}${CALL_PATH_SEPARATOR}`, offered, bound, depth + 1);
  }
}

/**
 * A called workflow's error and escalation end events (final states marked `THROWS_META`) and escalation
 * throw events at process level (marked `passes`) go where the boundary catching them leads: on the nearest
 * activity (the call activity, then the subprocesses around it) with a boundary of their kind, the one naming
 * the same error or escalation, else its only one, as inside a subprocess. A non-interrupting one opens its
 * path beside the call activity, and the called workflow ends there (an end event) or goes on (a throw). None:
 * as when it runs alone, the called workflow ends there (the caller goes on after the call activity) or goes on.
 */
function throwToCaller(states: Record<string, StateNodeJson>, catches: readonly CallCatch[], prefix: string, caller: MachineConfigJson): void {
  const target = (t: string) => (t.startsWith('#') ? `#${prefix}${t.slice(1)}` : t);
  for (const state of Object.values(states)) {
    throwToCaller(state.states ?? {}, catches, prefix, caller);
    const throws = state.meta?.[THROWS_META] as { kind: CallCatch['kind']; thrown?: string; passes?: boolean } | undefined;
    if (!throws || (state.type !== 'final' && !throws.passes)) continue;
    const caught = catcherOf(catches, throws.kind, throws.thrown);
    if (!caught) continue;
    const idle = caught.opens && findState(caller, `${prefix}${caught.opens}`);
    if (idle) {
      // The path beside the call activity opens while the called workflow ends (as an event subprocess's does).
      const opens = { target: target(caught.target), guard: { type: IN_STATE_GUARD, params: { state: `#${state.id!}` } } };
      idle.always = [opens, ...[idle.always ?? []].flat()];
      continue;
    }
    delete state.type;
    state.always = { target: target(caught.target) };
  }
}

function catcherOf(catches: readonly CallCatch[], kind: CallCatch['kind'], thrown: string | undefined): CallCatch | undefined {
  for (const host of new Set(catches.map((c) => c.host))) {
    const mine = catches.filter((c) => c.host === host && c.kind === kind);
    const named = mine.find((c) => c.thrown === thrown) ?? (mine.length === 1 ? mine[0] : undefined);
    if (named) return named;
  }
  return undefined;
}

/** The messages and signals the ticket may receive take in those a called workflow waits for (names are not prefixed). */
function addTriggers(into: Workflow, callee: Workflow): void {
  const from = catalogueOf(callee);
  if (!Object.keys(from).length) return;
  const merged = { ...catalogueOf(into) };
  for (const [event, trigger] of Object.entries(from)) {
    const known = merged[event];
    const fields = known ? [...known.fields, ...trigger.fields.filter((f) => !known.fields.some((k) => k.name === f.name))] : trigger.fields;
    merged[event] = { ...(known ?? trigger), fields };
  }
  into.triggers = merged;
}

/** `Workflow.triggers`, or for versions compiled before it, the messages the graph catches (as `workflow-runtime.ts` reads them). */
function catalogueOf(workflow: Workflow): Record<string, TriggerDefinition> {
  if (workflow.triggers) return workflow.triggers;
  const catalogue: Record<string, TriggerDefinition> = {};
  for (const node of workflow.graph.nodes) {
    const event = triggerOf(node);
    if (event && node.message !== undefined) catalogue[event] = { kind: 'message', name: node.message, fields: [] };
  }
  return catalogue;
}

function findState(machine: MachineConfigJson, id: string): StateNodeJson | undefined {
  const stack = Object.values(machine.states);
  while (stack.length) {
    const state = stack.pop()!;
    if (state.id === id) return state;
    stack.push(...Object.values(state.states ?? {}));
  }
  return undefined;
}

/** A machine config with every state key and id, target, step, timer and flow renamed by `px`, in place. */
function prefixed(machine: MachineConfigJson, px: (id: string) => string): MachineConfigJson {
  const target = (t: string | undefined) => (t?.startsWith('#') ? `#${px(t.slice(1))}` : t);
  const action = (a: ActionJson): ActionJson => {
    if (!a.params) return a;
    const params = { ...a.params };
    for (const name of ['step', 'timer'] as const) if (typeof params[name] === 'string') params[name] = px(params[name] as string);
    return { ...a, params };
  };
  const transition = (t: TransitionJson): TransitionJson => {
    const next: TransitionJson = { ...t };
    if (t.target !== undefined) next.target = target(t.target)!;
    if (t.actions) next.actions = t.actions.map(action);
    if (t.guard) {
      const params = { ...t.guard.params };
      if (typeof params.flow === 'string') params.flow = px(params.flow);
      if (typeof params.step === 'string') params.step = px(params.step);
      if (Array.isArray(params.flows)) params.flows = (params.flows as string[]).map(px);
      if (typeof params.state === 'string') params.state = target(params.state as string)!;
      next.guard = { ...t.guard, params };
    }
    return next;
  };
  const transitions = (on: Record<string, TransitionJson | TransitionJson[]>) =>
    Object.fromEntries(
      Object.entries(on).map(([event, t]) => [
        event.startsWith(timerEvent('')) ? timerEvent(px(event.slice(timerEvent('').length))) : event,
        Array.isArray(t) ? t.map(transition) : transition(t),
      ]),
    );
  const state = (node: StateNodeJson): StateNodeJson => {
    const next: StateNodeJson = { ...node };
    if (node.id !== undefined) next.id = px(node.id);
    if (node.initial !== undefined) next.initial = px(node.initial);
    if (node.states) next.states = states(node.states);
    if (node.on) next.on = transitions(node.on);
    if (node.always) next.always = Array.isArray(node.always) ? node.always.map(transition) : transition(node.always);
    if (node.onDone) next.onDone = transition(node.onDone);
    if (node.entry) next.entry = node.entry.map(action);
    if (node.exit) next.exit = node.exit.map(action);
    return next;
  };
  const states = (all: Record<string, StateNodeJson>) => Object.fromEntries(Object.entries(all).map(([key, node]) => [px(key), state(node)]));
  const result: MachineConfigJson = { ...machine, states: states(machine.states) };
  // A machine with paths beside its flow (event scopes) is parallel: it has no initial state.
  if (machine.initial !== undefined) result.initial = px(machine.initial);
  if (machine.on) result.on = transitions(machine.on);
  if (machine.entry) result.entry = machine.entry.map(action);
  return result;
}
