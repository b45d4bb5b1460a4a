// What the loop actions and guards of a compiled machine do (`compile/loops.ts` names them): the passes and
// instances of each looping step, kept in the machine's context beside the fields, so a snapshot holds them.
import { ConditionFailedError } from '../shared/errors.js';
import { conditionHolds, feelValue } from './expressions.js';
import type { StepInstance, StepLoop } from './workflow.js';

/** One looping step's bookkeeping: passes begun (`n`), and for multi-instance the instances and those finished. */
export interface LoopState {
  n: number;
  count?: number;
  items?: unknown[];
  completed?: number;
  /** Instances all at once: the indexes (1-based) finished so far. */
  done?: number[];
}

export type Loops = Record<string, LoopState>;

/** The most instances one multi-instance step runs: a list field holds no more items (TICKET_FIELD_LIST_MAX_ITEMS's default). */
export const MAX_INSTANCES = 100;

interface LoopContext {
  fields: Record<string, unknown>;
  loops?: Loops;
}

interface LoopEvent {
  type: string;
  fields?: Record<string, unknown>;
  instance?: number;
}

type Params = { step: string; collection?: string; cardinality?: string; maximum?: number; condition?: string; before?: boolean };
type Judged = { step: string; mode: 'sequential' | 'parallel'; completion?: string; element?: string };

/** Entering the step: no pass begun; a multi-instance step reads how many instances it runs, and over which items. */
export function loopStarted(context: LoopContext, params: Params): Loops {
  const state: LoopState = { n: 0 };
  if (params.collection !== undefined) {
    const value = feelValue(params.collection, context.fields, params.step);
    const items = value === null || value === undefined ? [] : value;
    if (!Array.isArray(items)) throw new ConditionFailedError(params.step, 'error', `the collection ${params.collection} is not a list`);
    if (items.length > MAX_INSTANCES)
      throw new ConditionFailedError(params.step, 'error', `the collection ${params.collection} has ${items.length} items, more than ${MAX_INSTANCES}`);
    state.items = items as unknown[];
    state.count = items.length;
  } else if (params.cardinality !== undefined) {
    const value = feelValue(params.cardinality, context.fields, params.step);
    const count = typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : undefined;
    if (count === undefined) throw new ConditionFailedError(params.step, 'error', `the loop cardinality ${params.cardinality} is not a number`);
    if (count > MAX_INSTANCES) throw new ConditionFailedError(params.step, 'error', `the loop cardinality is ${count}, more than ${MAX_INSTANCES}`);
    state.count = count;
  }
  if (state.count !== undefined) {
    state.completed = 0;
    state.done = [];
  }
  return { ...context.loops, [params.step]: state };
}

export function loopNext(context: LoopContext, params: { step: string }): Loops {
  const state = context.loops![params.step]!;
  return { ...context.loops, [params.step]: { ...state, n: state.n + 1 } };
}

/** An instance finished: counted, and (all at once) remembered by index. */
export function loopDone(context: LoopContext, event: LoopEvent, params: { step: string }): Loops {
  const state = context.loops![params.step]!;
  const next: LoopState = { ...state, completed: (state.completed ?? 0) + 1 };
  if (event.instance !== undefined) next.done = [...(state.done ?? []), event.instance];
  return { ...context.loops, [params.step]: next };
}

/** The variables a completion condition reads: the fields, BPMN's instance counters and the current item. */
function counters(state: LoopState, fields: Record<string, unknown>, completed: number, index: number, element: string | undefined): Record<string, unknown> {
  const count = state.count ?? 0;
  const variables: Record<string, unknown> = {
    ...fields,
    nrOfInstances: count,
    nrOfCompletedInstances: completed,
    nrOfActiveInstances: Math.max(0, count - completed),
    loopCounter: index,
  };
  if (element && state.items) variables[element] = state.items[index - 1] ?? null;
  return variables;
}

/**
 * Whether another pass or instance begins. A standard loop: below its maximum. One instance after the other:
 * not all begun, and the completion condition does not hold yet. All at once (on entry): any instance at all.
 */
export function loopMore(context: LoopContext, params: Params & Partial<Judged>): boolean {
  const state = context.loops![params.step]!;
  if (params.mode === undefined) return params.maximum === undefined || state.n < params.maximum;
  const count = state.count ?? 0;
  if (params.mode === 'parallel') return count > 0;
  if (state.n >= count) return false;
  if (state.n === 0 || params.completion === undefined) return true;
  return !conditionHolds(params.completion, counters(state, context.fields, state.completed ?? 0, state.n, params.element), params.step);
}

/** A standard loop with a condition: another pass when it holds now, the values of this event counted in, within the maximum. */
export function loopAgain(context: LoopContext, event: LoopEvent, params: Params): boolean {
  const state = context.loops![params.step]!;
  if (params.maximum !== undefined && state.n >= params.maximum) return false;
  const fields = { ...context.fields, ...(params.before ? {} : event.fields), loopCounter: state.n };
  return conditionHolds(params.condition!, fields, params.step);
}

/** All at once: finishing this instance finishes the step, every other one finished or the completion condition met. */
export function loopLast(context: LoopContext, event: LoopEvent, params: Judged): boolean {
  const state = context.loops![params.step]!;
  const completed = (state.completed ?? 0) + 1;
  if (completed >= (state.count ?? 0)) return true;
  if (params.completion === undefined) return false;
  const fields = { ...context.fields, ...event.fields };
  return conditionHolds(params.completion, counters(state, fields, completed, event.instance ?? 1, params.element), params.step);
}

/** The visits a looping step opens as it is entered: one per pass, one for the current instance, or one per instance at once. */
export function instancesEntered(loop: StepLoop | undefined, state: LoopState | undefined): Array<StepInstance | undefined> {
  if (!loop || !state) return [undefined];
  const describe = (index: number): StepInstance => {
    const instance: StepInstance = { index };
    if (state.count !== undefined) instance.count = state.count;
    if (state.items) instance.item = state.items[index - 1] ?? null;
    return instance;
  };
  if (loop.mode !== 'parallel') return [describe(state.n)];
  const done = new Set(state.done);
  return Array.from({ length: state.count ?? 0 }, (_, i) => i + 1)
    .filter((i) => !done.has(i))
    .map(describe);
}
