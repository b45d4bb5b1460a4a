import type { GraphFlow, GraphNode, TransitionJson } from '../workflow.js';

/** A flow's FEEL condition holds for the ticket's fields. */
export const CONDITION_GUARD = 'sop.condition';
/** An inclusive fork's default flow: none of the other flows' conditions holds. */
export const NONE_HOLD_GUARD = 'sop.noneHold';

/**
 * The eventless transitions that open one region of an inclusive fork: to `run` (its branch) when its flow's
 * condition holds (no condition: always), else to `skip` (the region's final state, so the join does not wait
 * for it). The default flow's branch runs when no other flow's condition holds.
 */
export function inclusiveGate(fork: GraphNode, flow: GraphFlow, flows: GraphFlow[], run: string, skip: string): TransitionJson[] {
  if (flow.id !== fork.defaultFlow) {
    if (flow.condition === undefined) return [{ target: run }];
    return [{ target: run, guard: { type: CONDITION_GUARD, params: { expression: flow.condition, flow: flow.id } } }, { target: skip }];
  }
  const others = flows.filter((f) => f.id !== flow.id);
  if (others.some((f) => f.condition === undefined)) return [{ target: skip }];
  const params = { expressions: others.map((f) => f.condition!), flows: others.map((f) => f.id) };
  return [{ target: run, guard: { type: NONE_HOLD_GUARD, params } }, { target: skip }];
}
