import type { CallCatch, CallSite, GraphFlow, GraphNode, StateNodeJson, StepAction } from '../workflow.js';
import { THROWS_META } from '../workflow.js';

/** What these need of `GraphIndex` (which re-exports them, so they do not import it). */
interface Index {
  nodes: ReadonlyMap<string, GraphNode>;
  boundaryEvents(id: string): GraphNode[];
  outgoing(id: string): GraphFlow[];
  caughtInside(end: GraphNode): GraphNode | undefined;
}

/**
 * The call activities among `nodes`, by id: the workflow each calls, the id of its (still empty) state, and
 * the actions its boundary events and those of its enclosing subprocesses offer, which every called step
 * gets once linked (`link-calls.ts`). `{}` when there are none, so a workflow without calls is unchanged.
 */
export function callSites(
  nodes: readonly GraphNode[],
  site: (node: GraphNode) => { state: string; actions: StepAction[]; catches?: CallCatch[] },
): { calls?: Record<string, CallSite> } {
  const calls: Record<string, CallSite> = {};
  for (const node of nodes) if (node.kind === 'callActivity' && node.called) calls[node.id] = { ...node.called, ...site(node) };
  return Object.keys(calls).length ? { calls } : {};
}

/**
 * The interrupting error and escalation boundaries that catch what a called workflow's end event throws: the
 * call activity's own, then those of the subprocesses around it (as BPMN propagates an error outwards), each
 * with where its flow leads. A non-interrupting escalation boundary on the call activity is added in front
 * once its path beside exists (`event-scopes.ts`).
 */
export function callCatches(index: Index, node: GraphNode, targetOf: (flow: GraphFlow) => string): { catches?: CallCatch[] } {
  const catches: CallCatch[] = [];
  for (let host: string | undefined = node.id; host; host = index.nodes.get(host)?.parentId) {
    for (const boundary of index.boundaryEvents(host)) {
      const flow = index.outgoing(boundary.id)[0];
      const kind = boundary.kind === 'errorBoundaryEvent' ? 'error' : boundary.kind === 'escalationBoundaryEvent' ? 'escalation' : undefined;
      if (!kind || boundary.cancelActivity === false || !flow) continue;
      catches.push({ kind, host, target: targetOf(flow), ...(boundary.thrown ? { thrown: boundary.thrown } : {}) });
    }
  }
  return catches.length ? { catches } : {};
}

/**
 * The state of an error or escalation end event with no flow to where it is caught: at process level (or caught
 * by an event subprocess beside it, `event-scopes.ts`). At process level it ends the process, marked with what
 * it throws, so that a call activity running the workflow sends it to its boundary (`link-calls.ts`).
 */
export function throwingEnd(index: Index, node: GraphNode): Pick<StateNodeJson, 'type' | 'meta'> {
  if (index.caughtInside(node)) return {};
  const kind = node.kind === 'errorEndEvent' ? 'error' : 'escalation';
  return { type: 'final', meta: { [THROWS_META]: { kind, ...(node.thrown ? { thrown: node.thrown } : {}) } } };
}

/**
 * An escalation throw event at process level: its state, passed at once, is marked with what it raises (`passes`),
 * so that a call activity running the workflow catches it as it passes (`link-calls.ts`); alone, it goes on.
 */
export function throwMark(node: GraphNode): Pick<StateNodeJson, 'meta'> {
  if (node.kind !== 'escalationThrowEvent' || node.parentId) return {};
  return { meta: { [THROWS_META]: { kind: 'escalation', passes: true, ...(node.thrown ? { thrown: node.thrown } : {}) } } };
}
