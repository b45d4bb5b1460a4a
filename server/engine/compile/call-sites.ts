import type { CallSite, GraphNode, StepAction } from '../workflow.js';

/**
 * The call activities among `nodes`, by id: the workflow each calls, the id of its (still empty) state, and
 * the actions its boundary events and those of its enclosing subprocesses offer, which every called step
 * gets once linked (`link-calls.ts`). `{}` when there are none, so a workflow without calls is unchanged.
 */
export function callSites(
  nodes: readonly GraphNode[],
  site: (node: GraphNode) => { state: string; actions: StepAction[] },
): { calls?: Record<string, CallSite> } {
  const calls: Record<string, CallSite> = {};
  for (const node of nodes) if (node.kind === 'callActivity' && node.called) calls[node.id] = { ...node.called, ...site(node) };
  return Object.keys(calls).length ? { calls } : {};
}
