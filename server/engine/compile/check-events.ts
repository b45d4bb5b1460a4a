import type { BpmnProblemCode } from '../../shared/errors.js';
import { bpmnTypeOf, type GraphNode } from '../workflow.js';
import { EVENT_STARTS } from './event-kinds.js';
import type { GraphIndex } from './graph-index.js';
import { opensSidePath, runsSteps, sidePathOf } from './side-paths.js';

export type Report = (node: GraphNode | { id: string }, type: string, code: BpmnProblemCode, message: string) => void;

const typeOf = (node: GraphNode) => bpmnTypeOf(node.kind);

/**
 * An event subprocess starts with exactly one message, signal, error, escalation or timer start event. One
 * that only reminds (a non-interrupting timer, then automatic tasks) keeps to that; any other runs its steps,
 * interrupting what runs in its container or beside it, and holds no event subprocess nor path beside a step
 * of its own when it runs beside.
 */
export function checkEventSubProcess(index: GraphIndex, owner: GraphNode, report: Report): void {
  const children = index.children(owner.id);
  const starts = children.filter((n) => EVENT_STARTS.has(n.kind));
  if (starts.length === 0) {
    report(owner, typeOf(owner), 'no_start_event', `event subprocess "${owner.id}" has no start event: a message, signal, error, escalation or timer`);
    return;
  }
  if (starts.length > 1) {
    const ids = starts.map((s) => s.id).join(', ');
    report(owner, typeOf(owner), 'invalid_event_subprocess', `an event subprocess starts with exactly one event; this one has ${starts.length} (${ids})`);
    return;
  }
  const parent = owner.parentId ? index.nodes.get(owner.parentId) : undefined;
  if (parent && parent.kind !== 'subProcess')
    report(owner, typeOf(owner), 'invalid_event_subprocess', 'an event subprocess inside an event subprocess is not supported: put it beside it');
  if (!runsSteps(index, owner)) return;
  const start = starts[0]!;
  if (start.kind === 'errorStartEvent' && !start.interrupting)
    report(start, typeOf(start), 'invalid_event_subprocess', 'an error start event always interrupts: remove isInterrupting="false"');
  if (start.interrupting) return;
  for (const node of index.graph.nodes) {
    if (!within(index, node, owner.id)) continue;
    if (node.kind === 'eventSubProcess' || opensSidePath(index, node))
      report(
        node,
        typeOf(node),
        'invalid_event_subprocess',
        'an event subprocess that does not interrupt runs beside the steps: it cannot open paths beside its own',
      );
    if (node.kind === 'terminateEndEvent')
      report(node, typeOf(node), 'invalid_event_subprocess', 'a terminate end event would end the whole ticket from beside its steps: use a plain end event');
  }
}

/**
 * A non-interrupting boundary: an error never (it always interrupts); a timer whose path only notifies is a
 * reminder; any other opens a path beside its step, which must end on its own (its end events), without
 * joining the main flow, ending the whole ticket, or opening paths beside its own steps.
 */
export function checkNonInterrupting(index: GraphIndex, node: GraphNode, report: Report): void {
  if (node.kind === 'errorBoundaryEvent') {
    report(node, typeOf(node), 'invalid_boundary', 'an error boundary event always interrupts: remove cancelActivity="false"');
    return;
  }
  if (!opensSidePath(index, node)) return;
  if (index.outgoing(node.id).length !== 1) {
    report(node, typeOf(node), 'invalid_boundary', 'a non-interrupting boundary event needs exactly one outgoing flow: the path beside the step');
    return;
  }
  const path = sidePathOf(index, node);
  const members = new Set([node.id, ...path.nodes, ...path.boundaries]);
  for (const id of path.nodes) {
    const joining = index.incoming(id).find((f) => !members.has(f.source));
    if (joining) {
      report(
        index.node(id),
        typeOf(index.node(id)),
        'invalid_boundary',
        `the path beside the step that ${node.id} opens joins the main flow here (from ${joining.source}): end it with an end event of its own`,
      );
      return;
    }
    const inner = index.node(id);
    if (inner.kind === 'eventSubProcess' || index.boundaryEvents(id).some((b) => opensSidePath(index, b)))
      report(inner, typeOf(inner), 'invalid_boundary', `a step on the path beside ${node.attachedTo} cannot open a path beside itself`);
  }
  for (const id of path.ends) {
    const end = index.node(id);
    if (end.kind === 'terminateEndEvent')
      report(end, typeOf(end), 'invalid_boundary', `the path beside the step that ${node.id} opens would end the whole ticket here: use a plain end event`);
  }
}

/** Inside `container`, at any depth. */
function within(index: GraphIndex, node: GraphNode, container: string): boolean {
  for (let parent = node.parentId; parent; parent = index.nodes.get(parent)?.parentId) if (parent === container) return true;
  return false;
}
