import type { GraphFlow, GraphNode, StateNodeJson, TransitionJson } from '../workflow.js';

/** A flow's FEEL condition holds for the ticket's fields. */
export const CONDITION_GUARD = 'sop.condition';
/** An inclusive fork's default flow: none of the other flows' conditions holds. */
export const NONE_HOLD_GUARD = 'sop.noneHold';
/** An inclusive fork without a default: some flow's condition holds. */
export const ANY_HOLDS_GUARD = 'sop.anyHolds';

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

/** The guard an inclusive fork with no default and no unconditional flow needs before it opens any branch. */
export function inclusiveCheck(fork: GraphNode, flows: GraphFlow[]): TransitionJson | undefined {
  if (fork.defaultFlow || flows.some((f) => f.condition === undefined)) return undefined;
  return { guard: { type: ANY_HOLDS_GUARD, params: { expressions: flows.map((f) => f.condition!), flows: flows.map((f) => f.id) } } };
}

/**
 * An inclusive fork where every flow has a condition and none is the default: when no condition holds the
 * ticket must not pass through. The fork becomes a compound state whose first child moves into the parallel
 * branches only when some condition holds, and otherwise stays, so the engine refuses the event, as it does
 * at an exclusive gateway.
 */
export function waitForACondition(fork: StateNodeJson, check: TransitionJson): void {
  const branchesKey = `${fork.id!}__branches`;
  const checkKey = `${fork.id!}__check`;
  const branches: StateNodeJson = { id: branchesKey, type: 'parallel', states: fork.states!, onDone: fork.onDone! };
  delete fork.type;
  delete fork.onDone;
  fork.initial = checkKey;
  fork.states = { [checkKey]: { id: checkKey, always: { ...check, target: `#${branchesKey}` } }, [branchesKey]: branches };
}
