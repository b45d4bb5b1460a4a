import { bpmnError, type BpmnProblem, type BpmnProblemCode } from '../../shared/errors.js';
import { overChars } from '../../shared/limits.js';
import { feelSyntaxError } from '../expressions.js';
import { validateTimer, durationMs } from '../time/iso8601.js';
import { bpmnTypeOf, MAX_WORKFLOW_KEY_CHARS as MAX_KEY_CHARS, type GraphNode } from '../workflow.js';
import { checkEventSubProcess, checkNonInterrupting, type Report } from './check-events.js';
import { isCatch, isStart } from './event-kinds.js';
import { GraphIndex, isAutomaticTask, isBoundary, isEnd, isWaitTask, linkFlowId, thrownFlowId } from './graph-index.js';

function typeOf(node: GraphNode): string {
  return bpmnTypeOf(node.kind);
}

/**
 * Structural rules an executable SOP must keep. Every broken element is reported, not just the first, so
 * an author can mend a diagram in one pass.
 */
export function checkGraph(index: GraphIndex, reported: ReadonlySet<string> = new Set()): BpmnProblem[] {
  const problems: BpmnProblem[] = [];
  const report: Report = (node, type, code, message) => problems.push(bpmnError(node.id, type, code, message));
  const { graph } = index;

  for (const flow of graph.flows) {
    const source = index.nodes.get(flow.source);
    const target = index.nodes.get(flow.target);
    if (!source || !target) {
      const missing = source ? flow.target : flow.source;
      if (!reported.has(missing)) report(flow, 'sequenceFlow', 'dangling_flow', `the flow connects to "${missing}", which is not an executable flow node`);
      continue;
    }
    if (source.parentId !== target.parentId)
      report(flow, 'sequenceFlow', 'flow_crosses_subprocess', 'the flow crosses a subprocess border: connect the subprocess itself');
    if (flow.condition !== undefined) {
      if (source.kind !== 'exclusiveGateway' && source.kind !== 'inclusiveGateway')
        report(flow, 'sequenceFlow', 'condition_not_on_gateway', 'conditions are only supported on flows leaving an exclusive or inclusive gateway');
      const syntax = feelSyntaxError(flow.condition);
      if (syntax) report(flow, 'sequenceFlow', 'invalid_condition', `the condition is not valid FEEL: ${syntax}`);
    }
  }

  const containers: Array<string | undefined> = [
    undefined,
    ...graph.nodes.filter((n) => n.kind === 'subProcess' || n.kind === 'eventSubProcess').map((n) => n.id),
  ];
  for (const container of containers) checkStarts(index, container, report);

  for (const node of graph.nodes) {
    if (node.kind === 'eventSubProcess') continue;
    checkFlows(index, node, report, reported);
    if (node.timer) {
      const error = validateTimer(node.timer);
      if (error) report(node, typeOf(node), 'invalid_timer', error);
    }
    for (const key of ['sla', 'vipSla'] as const) {
      const value = node.step?.[key];
      const problem = value ? validateTimer({ type: 'duration', value }) : undefined;
      if (problem) report(node, typeOf(node), 'invalid_property', `${key}: ${problem}`);
      else if (value && durationMs(value) <= 0) report(node, typeOf(node), 'invalid_property', `${key} must be longer than zero`);
    }
    if (node.step?.warnAt !== undefined && !(node.step.warnAt > 0 && node.step.warnAt < 1))
      report(node, typeOf(node), 'invalid_property', 'warnAt must be a share of the limit between 0 and 1, e.g. 0.8');
  }
  if (overChars(graph.id, MAX_KEY_CHARS))
    report(
      { id: graph.id },
      'process',
      'invalid_property',
      `the process id is the workflow's key: at most ${MAX_KEY_CHARS} characters, not ${graph.id.length}`,
    );
  for (const key of ['sla', 'vipSla'] as const) {
    const value = graph.properties?.[key];
    const problem = value ? validateTimer({ type: 'duration', value }) : undefined;
    if (problem) report({ id: graph.id }, 'process', 'invalid_property', `${key}: ${problem}`);
  }
  problems.push(...instantLoops(index));
  return problems;
}

function checkStarts(index: GraphIndex, container: string | undefined, report: Report): void {
  const children = index.children(container);
  const where = container ? `subprocess "${container}"` : 'the process';
  const owner = container ? index.node(container) : undefined;
  if (owner?.kind === 'eventSubProcess') return checkEventSubProcess(index, owner, report);
  const starts = children.filter((n) => n.kind === 'startEvent');
  if (starts.length === 0 && (container === undefined || children.length > 0)) {
    report(owner ?? { id: index.graph.id }, owner ? typeOf(owner) : 'process', 'no_start_event', `${where} has no start event`);
  }
  if (starts.length > 1) {
    const ids = starts.map((s) => s.id).join(', ');
    for (const start of starts)
      report(start, typeOf(start), 'several_start_events', `${where} has ${starts.length} start events (${ids}) and no way to choose between them: keep one`);
  }
}

function checkFlows(index: GraphIndex, node: GraphNode, report: Report, reported: ReadonlySet<string>): void {
  if (index.inEventSubProcess(node)) return;
  const outgoing = index.outgoing(node.id);
  const incoming = index.incoming(node.id);
  const kind = node.kind;
  const entered = isStart(kind) || isBoundary(kind);
  if (entered && incoming.length) report(node, typeOf(node), 'incoming_not_allowed', `${kind} cannot have incoming sequence flows`);
  if (!entered && incoming.length === 0) report(node, typeOf(node), 'unreachable', 'no sequence flow leads here, so it can never be reached');
  if (isEnd(kind)) {
    if (outgoing.length) report(node, typeOf(node), 'outgoing_not_allowed', 'an end event cannot have outgoing sequence flows');
    return;
  }
  if (isBoundary(kind)) {
    checkBoundary(index, node, report, reported);
    return;
  }
  if (kind === 'errorEndEvent' || kind === 'escalationEndEvent') {
    checkThrownEnd(index, node, report);
    return;
  }
  // At process level, as an end event there, it is for a call activity running the workflow to catch (`link-calls.ts`).
  if (kind === 'escalationThrowEvent' && node.parentId && !index.escalationCatcher(node))
    report(node, typeOf(node), 'uncaught_error', `no escalation boundary event on a subprocess around it catches "${node.thrown}"`);
  if (kind === 'linkThrowEvent' || kind === 'linkCatchEvent') {
    checkLink(index, node, report);
    if (kind === 'linkThrowEvent') return;
  }
  if (outgoing.length === 0) {
    report(
      node,
      typeOf(node),
      'no_outgoing_flow',
      kind.endsWith('Gateway') ? 'the gateway has no way out' : 'no sequence flow leaves it: connect it to the next step or an end event',
    );
    return;
  }
  const single =
    isStart(kind) ||
    kind === 'linkCatchEvent' ||
    kind === 'escalationThrowEvent' ||
    isAutomaticTask(kind) ||
    isCatch(kind) ||
    kind === 'subProcess' ||
    kind === 'callActivity';
  if (single && outgoing.length > 1) {
    report(
      node,
      typeOf(node),
      'implicit_fork',
      `${outgoing.length} flows leave it and BPMN would run them all at once: use a parallel gateway to fork, or an exclusive gateway to choose`,
    );
  }
  if (kind === 'exclusiveGateway') checkExclusive(index, node, report, reported);
  if ((kind === 'parallelGateway' || kind === 'inclusiveGateway') && incoming.length > 1 && outgoing.length > 1) {
    report(
      node,
      typeOf(node),
      'invalid_gateway',
      `a ${kind === 'parallelGateway' ? 'parallel' : 'inclusive'} gateway that both joins and forks is not supported: split it into a join and a fork`,
    );
  }
  if (kind === 'eventBasedGateway') checkEventGateway(index, node, report);
  if (isWaitTask(kind)) {
    const events = new Set<string>();
    for (const flow of outgoing) {
      if (flow.event && events.has(flow.event))
        report(flow, 'sequenceFlow', 'duplicate_event', `event "${flow.event}" already leaves step ${node.id}: events of one step must differ`);
      if (flow.event) events.add(flow.event);
    }
  }
}

/** An error or escalation end event leaves its subprocess by the boundary catching it; it has no flows of its own. */
function checkThrownEnd(index: GraphIndex, node: GraphNode, report: Report): void {
  const outgoing = index.outgoing(node.id);
  const what = node.kind === 'errorEndEvent' ? 'error' : 'escalation';
  if (outgoing.some((f) => f.id !== thrownFlowId(node.id)))
    report(node, typeOf(node), 'outgoing_not_allowed', 'an end event cannot have outgoing sequence flows');
  // At process level it ends the process: a call activity running it as a called workflow catches it (`link-calls.ts`).
  if (outgoing.some((f) => f.id === thrownFlowId(node.id)) || index.caughtInside(node) || !node.parentId) return;
  report(node, typeOf(node), 'uncaught_error', `no ${what} boundary event on subprocess ${node.parentId} catches "${node.thrown}": add one, with the way on`);
}

/** A link throw goes on at the one catch of its name in its container; its only flows are that go-to. */
function checkLink(index: GraphIndex, node: GraphNode, report: Report): void {
  const link = linkFlowId(node.id);
  if (node.kind === 'linkCatchEvent') {
    if (index.incoming(node.id).some((f) => f.id !== linkFlowId(f.source)))
      report(node, typeOf(node), 'incoming_not_allowed', 'a link catch event is reached only by its link throw events, not by sequence flows');
    return;
  }
  const outgoing = index.outgoing(node.id);
  if (outgoing.some((f) => f.id !== link))
    report(node, typeOf(node), 'outgoing_not_allowed', 'a link throw event goes on at its catch event: remove its outgoing flows');
  if (outgoing.some((f) => f.id === link)) return;
  const catches = index
    .children(node.parentId)
    .filter((n) => n.kind === 'linkCatchEvent' && n.link === node.link)
    .map((n) => n.id);
  report(
    node,
    typeOf(node),
    'unmatched_link',
    catches.length
      ? `link "${node.link}" is caught by ${catches.length} events (${catches.join(', ')}): keep one`
      : `no link catch event named "${node.link}" in the same ${node.parentId ? 'subprocess' : 'process'}`,
  );
}

function checkExclusive(index: GraphIndex, node: GraphNode, report: Report, reported: ReadonlySet<string>): void {
  const outgoing = index.outgoing(node.id);
  // A flow whose condition the reader refused has lost it: what the gateway would be is unknown, so say nothing more.
  if (outgoing.some((f) => reported.has(f.id))) return;
  if (node.defaultFlow && !outgoing.some((f) => f.id === node.defaultFlow)) {
    report(node, typeOf(node), 'invalid_gateway', `the default flow "${node.defaultFlow}" does not leave this gateway`);
  }
  if (outgoing.length < 2) return;
  if (index.isChoice(node)) {
    for (const flow of outgoing) {
      if (!flow.name) {
        report(
          flow,
          'sequenceFlow',
          'unnamed_choice',
          `no flow leaving exclusive gateway ${node.id} has a condition, so the agent chooses, but this flow has no name to label the choice: name it (e.g. "yes")`,
        );
      }
    }
    return;
  }
  for (const flow of outgoing) {
    if (flow.id !== node.defaultFlow && flow.condition === undefined) {
      report(flow, 'sequenceFlow', 'missing_condition', `the flow leaves exclusive gateway ${node.id} without a condition and is not its default flow`);
    }
  }
}

function checkEventGateway(index: GraphIndex, node: GraphNode, report: Report): void {
  const outgoing = index.outgoing(node.id);
  if (outgoing.length < 2) report(node, typeOf(node), 'invalid_gateway', 'an event-based gateway needs at least two events to wait for');
  for (const flow of outgoing) {
    const target = index.nodes.get(flow.target);
    if (!target) continue;
    if (!isCatch(target.kind)) {
      report(target, typeOf(target), 'invalid_gateway', `follows event-based gateway ${node.id} but is not a timer, message or signal catch event`);
    } else if (index.incoming(target.id).length !== 1) {
      report(target, typeOf(target), 'invalid_gateway', `an event after event-based gateway ${node.id} must have no other incoming flow`);
    }
  }
}

function checkBoundary(index: GraphIndex, node: GraphNode, report: Report, reported: ReadonlySet<string>): void {
  const host = node.attachedTo ? index.nodes.get(node.attachedTo) : undefined;
  if (!host) {
    // A host the reader refused is reported already: its boundary is not refused again for it.
    if (node.attachedTo && !reported.has(node.attachedTo))
      report(node, typeOf(node), 'invalid_boundary', `it is attached to "${node.attachedTo}", which is not an executable activity`);
    return;
  }
  if (!isWaitTask(host.kind) && host.kind !== 'subProcess' && host.kind !== 'callActivity' && !index.awaitsOutcome(host)) {
    report(node, typeOf(node), 'invalid_boundary', `it sits on ${host.kind} ${host.id}, which never waits, so it could never fire`);
  }
  const outgoing = index.outgoing(node.id);
  if (node.cancelActivity !== false) {
    if (outgoing.length !== 1)
      report(node, typeOf(node), 'invalid_boundary', 'an interrupting boundary event needs exactly one outgoing flow: where the ticket goes next');
    return;
  }
  checkNonInterrupting(index, node, report);
}

/** Cycles through gateways and automatic tasks only would spin forever: each loop needs a step that waits. */
function instantLoops(index: GraphIndex): BpmnProblem[] {
  const instant = (id: string) => {
    const node = index.nodes.get(id);
    return !!node && !index.waits(node) && !isBoundary(node.kind) && !index.inEventSubProcess(node);
  };
  const problems: BpmnProblem[] = [];
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  const successors = (id: string) =>
    index
      .outgoing(id)
      .map((f) => f.target)
      .filter(instant);
  // Tarjan's strongly connected components, iteratively: SOPs with thousands of steps must not overflow the stack.
  const visit = (root: string): void => {
    const work: Array<{ id: string; next: string[] }> = [];
    const open = (id: string) => {
      indexOf.set(id, counter);
      low.set(id, counter++);
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: successors(id) });
    };
    open(root);
    while (work.length) {
      const frame = work.at(-1)!;
      const target = frame.next.shift();
      if (target !== undefined) {
        if (!indexOf.has(target)) open(target);
        else if (onStack.has(target)) low.set(frame.id, Math.min(low.get(frame.id)!, indexOf.get(target)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === indexOf.get(frame.id)) report(frame.id);
    }
  };
  const report = (id: string): void => {
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== id);
    const selfLoop = index.outgoing(id).some((f) => f.target === id);
    if (component.length > 1 || selfLoop) {
      const ids = component.reverse().join(' → ');
      for (const member of component) {
        problems.push(
          bpmnError(member, typeOf(index.node(member)), 'instant_loop', `it is on a loop with no step that waits (${ids}): the ticket would spin forever`, {
            loop: ids,
          }),
        );
      }
    }
  };
  for (const node of index.graph.nodes) if (instant(node.id) && !indexOf.has(node.id)) visit(node.id);
  return problems;
}
