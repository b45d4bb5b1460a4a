import type { BpmnProblem } from '../../shared/errors.js';
import type { ConditionLimits } from '../expressions.js';
import type { ProcessGraph, Workflow } from '../workflow.js';
import { buildWorkflow } from './build-machine.js';
import { checkActivities } from './check-activities.js';
import { checkConditions } from './check-conditions.js';
import { checkGraph } from './check-graph.js';
import { applyEventScopes } from './event-scopes.js';
import { GraphIndex } from './graph-index.js';
import { wrapLoops } from './loops.js';
import { findParallelBlocks } from './parallel-blocks.js';

export interface CompileOptions {
  /** What a gateway condition may cost (`check-conditions.ts`); default DEFAULT_CONDITION_LIMITS. */
  conditions?: ConditionLimits;
}

export interface CompileResult {
  workflow?: Workflow;
  problems: BpmnProblem[];
}

/**
 * Compiles a process graph into an executable workflow, or returns every problem that prevents it.
 * A graph with any problem yields no workflow: nothing is half-compiled. `reported` names elements the
 * reader already refused, so flows into them are not reported twice. `options.conditions` bounds what a
 * gateway condition may iterate over.
 */
export function compileGraph(graph: ProcessGraph, reported: ReadonlySet<string> = new Set(), options: CompileOptions = {}): CompileResult {
  const index = new GraphIndex(graph);
  const problems = checkGraph(index, reported);
  problems.push(...checkConditions(graph.flows, options.conditions));
  problems.push(...checkActivities(index, options.conditions));
  const { blocks, problems: blockProblems } = findParallelBlocks(index);
  problems.push(...blockProblems);
  if (problems.length) return { problems: dedupe(problems) };
  const keys = new Map<string, string>();
  // Loops wrap their steps' final states: after the event scopes, which may add actions to every step.
  const workflow = applyEventScopes(buildWorkflow(index, blocks, keys), index, keys);
  wrapLoops(workflow, index);
  return { workflow, problems: [] };
}

function dedupe(problems: BpmnProblem[]): BpmnProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.elementId}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
