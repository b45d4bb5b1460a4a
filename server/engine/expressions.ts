import { Script, createContext } from 'node:vm';
import { evaluate, parseExpression } from 'feelin';
import { DEFAULT_CONDITION_MAX_ITERATIONS, DEFAULT_CONDITION_TIMEOUT_MS } from '../shared/config.js';
import { ConditionFailedError } from '../shared/errors.js';

/**
 * FEEL conditions over a ticket's fields, evaluated by feelin (the FEEL engine Camunda 8 uses).
 * feelin re-parses on every call, so results are memoized per expression and the values of the
 * variables it reads: gateways see few distinct inputs (levels, yes/no answers) over and over.
 *
 * Conditions come from uploaded files, so they are bounded twice: at import `compile/check-conditions.ts`
 * refuses what can never be bounded (huge or open ranges, backtracking regular expressions), and here every
 * evaluation that could loop (iteration, filters, function calls) runs under a wall-time budget, stopped by
 * V8 when it runs out. Plain comparisons (`level = "L2"`) cannot loop and run directly, in microseconds.
 */

export interface ConditionLimits {
  /** Values a condition may iterate over (`for`, `some`, `every`), nested iterations multiplied: checked at import. */
  maxIterations: number;
  /** Longest wall time the conditions of one engine call (an advance, a timer) may take together, in ms; past it the call is refused with `condition_failed`. */
  timeoutMs: number;
}

export const DEFAULT_CONDITION_LIMITS: ConditionLimits = { maxIterations: DEFAULT_CONDITION_MAX_ITERATIONS, timeoutMs: DEFAULT_CONDITION_TIMEOUT_MS };

interface Compiled {
  variables: string[];
  /** The expression iterates, filters or calls functions: its time is not bounded by its length. */
  guarded: boolean;
  results: Map<string, boolean>;
}

const MAX_RESULTS_PER_EXPRESSION = 1_000;
const compiled = new Map<string, Compiled>();
/** Nodes whose evaluation may take time out of proportion to the expression's text. */
const UNBOUNDED_NODES = new Set(['ForExpression', 'QuantifiedExpression', 'FilterExpression', 'FunctionInvocation', 'FunctionDefinition']);

/** The syntax error in `expression`, or undefined when it parses. */
export function feelSyntaxError(expression: string): string | undefined {
  return feelSyntaxProblem(expression)?.message;
}

/** The syntax error in `expression` and, when the parser says, the 1-based character it is at; undefined when it parses. */
export function feelSyntaxProblem(expression: string): { message: string; at?: number } | undefined {
  try {
    let error: { message: string; at: number } | undefined;
    parseExpression(expression, {}, undefined).iterate({
      enter(node) {
        if (node.type.isError && !error) error = { message: `syntax error at character ${node.from + 1} of ${JSON.stringify(expression)}`, at: node.from + 1 };
      },
    });
    return error;
  } catch (e) {
    return { message: e instanceof Error ? e.message : String(e) };
  }
}

function compile(expression: string): Compiled {
  let entry = compiled.get(expression);
  if (!entry) {
    const variables = new Set<string>();
    let guarded = false;
    parseExpression(expression, {}, undefined).iterate({
      enter(node) {
        if (UNBOUNDED_NODES.has(node.name)) guarded = true;
        // A path such as `customer.tier` reads the whole `customer` value, so key on the root name.
        if (node.name === 'VariableName') variables.add(expression.slice(node.from, node.to).trim().split('.')[0]!);
      },
    });
    entry = { variables: [...variables].sort(), guarded, results: new Map() };
    compiled.set(expression, entry);
  }
  return entry;
}

// One context and script for every budgeted evaluation: `run()` calls back into this realm, and V8 stops
// whatever runs (feelin's loops, a regular expression backtracking) when the script's timeout passes.
let job: (() => unknown) | undefined;
const sandbox = createContext({ run: () => job?.() });
const runJob = new Script('run()');

function withinTime<T>(timeoutMs: number, work: () => T): T {
  job = work;
  try {
    return runJob.runInContext(sandbox, { timeout: Math.max(1, Math.round(timeoutMs)) }) as T;
  } finally {
    job = undefined;
  }
}

/** The budget of the engine call in progress: its size, and the time its conditions have taken so far. */
let budget = { ms: DEFAULT_CONDITION_LIMITS.timeoutMs, spentMs: 0 };

/**
 * Runs `work` (one engine call) with its conditions sharing `budgetMs` of wall time (default
 * DEFAULT_CONDITION_LIMITS.timeoutMs): a chain of gateways cannot add up to more than one budget. Only time
 * spent evaluating conditions counts.
 */
export function withConditionBudget<T>(budgetMs: number | undefined, work: () => T): T {
  const before = budget;
  const ms = budgetMs ?? DEFAULT_CONDITION_LIMITS.timeoutMs;
  budget = { ms, spentMs: 0 };
  try {
    return work();
  } finally {
    budget = before;
  }
}

/**
 * True only when the condition evaluates to FEEL `true`; null (a missing field) or any other value counts
 * as false. Throws `ConditionFailedError` (naming `flowId`) when FEEL fails or the time budget runs out.
 */
export function conditionHolds(expression: string, fields: Record<string, unknown>, flowId = '?'): boolean {
  const entry = compile(expression);
  const key = JSON.stringify(entry.variables.map((name) => fields[name] ?? null));
  const known = entry.results.get(key);
  if (known !== undefined) return known;
  let result: boolean;
  const outOfTime = () => new ConditionFailedError(flowId, 'timeout', `the conditions took longer than their budget of ${budget.ms} ms`);
  const started = performance.now();
  try {
    const run = () => evaluate(expression, fields).value === true;
    if (!entry.guarded) result = run();
    else {
      const left = budget.ms - budget.spentMs;
      if (left < 1) throw outOfTime();
      result = withinTime(left, run);
    }
  } catch (error) {
    if (error instanceof ConditionFailedError) throw error;
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw outOfTime();
    throw new ConditionFailedError(flowId, 'error', error instanceof Error ? error.message : String(error));
  } finally {
    budget.spentMs += performance.now() - started;
  }
  if (entry.results.size >= MAX_RESULTS_PER_EXPRESSION) entry.results.clear();
  entry.results.set(key, result);
  return result;
}

/**
 * The value of a FEEL expression over `variables` (a multi-instance step's collection or cardinality), under the
 * same time budget as conditions. Throws `ConditionFailedError` naming `elementId` when FEEL fails or runs out.
 */
export function feelValue(expression: string, variables: Record<string, unknown>, elementId: string): unknown {
  const entry = compile(expression);
  const started = performance.now();
  try {
    const run = () => evaluate(expression, variables).value as unknown;
    if (!entry.guarded) return run();
    const left = budget.ms - budget.spentMs;
    if (left < 1) throw new ConditionFailedError(elementId, 'timeout', `the conditions took longer than their budget of ${budget.ms} ms`);
    return withinTime(left, run);
  } catch (error) {
    if (error instanceof ConditionFailedError) throw error;
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new ConditionFailedError(elementId, 'timeout', `the conditions took longer than their budget of ${budget.ms} ms`);
    throw new ConditionFailedError(elementId, 'error', error instanceof Error ? error.message : String(error));
  } finally {
    budget.spentMs += performance.now() - started;
  }
}
