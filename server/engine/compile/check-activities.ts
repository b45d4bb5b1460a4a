import { bpmnError, type BpmnProblem } from '../../shared/errors.js';
import { feelSyntaxError, type ConditionLimits } from '../expressions.js';
import { bpmnTypeOf, type GraphNode } from '../workflow.js';
import { checkConditions } from './check-conditions.js';
import type { GraphIndex } from './graph-index.js';

/** The FEEL expressions a loop evaluates, each with what it is called in a problem. */
function loopExpressions(node: GraphNode): Array<[string, string]> {
  const loop = node.loop;
  if (!loop) return [];
  const named: Array<[string, string | undefined]> =
    loop.kind === 'standard'
      ? [['loop condition', loop.condition]]
      : [
          ['collection', loop.collection],
          ['loop cardinality', loop.cardinality],
          ['completion condition', loop.completion],
        ];
  return named.filter((entry): entry is [string, string] => entry[1] !== undefined);
}

/**
 * What loops need of the graph: their expressions valid FEEL within the cost limits of gateway conditions, and
 * one way out for a multi-instance step (every instance goes the same way) or a loop tested before its first
 * pass (skipping it must lead somewhere). Call activities need nothing beyond the rules of any activity here:
 * what they call is checked when the workflow is published, against the workflows published then.
 */
export function checkActivities(index: GraphIndex, limits?: ConditionLimits): BpmnProblem[] {
  const problems: BpmnProblem[] = [];
  for (const node of index.graph.nodes) {
    if (!node.loop) continue;
    const type = bpmnTypeOf(node.kind);
    for (const [what, expression] of loopExpressions(node)) {
      const syntax = feelSyntaxError(expression);
      if (syntax) {
        problems.push(bpmnError(node.id, type, 'invalid_condition', `the ${what} is not valid FEEL: ${syntax}`));
        continue;
      }
      const costly = checkConditions([{ id: node.id, source: node.id, target: node.id, condition: expression }], limits);
      problems.push(...costly.map((p) => ({ ...p, type, message: p.message.replace(/^the condition/, `the ${what}`) })));
    }
    const ways = index.outgoing(node.id).length;
    if (ways > 1 && node.loop.kind === 'multi') {
      problems.push(
        bpmnError(
          node.id,
          type,
          'unsupported_loop',
          `${ways} flows leave this multi-instance step, but every instance goes the same way: keep one and choose after it with an exclusive gateway`,
        ),
      );
    }
    if (ways > 1 && node.loop.kind === 'standard' && node.loop.testBefore) {
      problems.push(
        bpmnError(node.id, type, 'unsupported_loop', `a loop tested before its first pass may be skipped, so it needs exactly one way on, not ${ways}`),
      );
    }
  }
  return problems;
}
