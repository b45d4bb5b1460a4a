import type { GraphFlow, GraphNode, NodeKind, ProcessGraph } from '../workflow.js';
import { AUTOMATIC_TASKS, WAIT_TASKS } from '../workflow.js';

export { callCatches, callSites, throwingEnd, throwMark } from './call-sites.js';

/** Lookups over a `ProcessGraph` that every compiler pass needs. */
export class GraphIndex {
  readonly nodes = new Map<string, GraphNode>();
  private readonly out = new Map<string, GraphFlow[]>();
  private readonly in = new Map<string, GraphFlow[]>();
  private readonly boundary = new Map<string, GraphNode[]>();
  private readonly reminderPath = new Set<string>();
  private readonly choices = new Set<string>();
  private readonly reminders = new Map<string, boolean>();

  private readonly byParent = new Map<string | undefined, GraphNode[]>();

  /** Linear in the size of the graph: lists grow in place, so a node with thousands of flows costs no more per flow. */
  constructor(readonly graph: ProcessGraph) {
    const add = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
      const list = map.get(key);
      if (list) list.push(value);
      else map.set(key, [value]);
    };
    for (const node of graph.nodes) {
      this.nodes.set(node.id, node);
      if (node.attachedTo) add(this.boundary, node.attachedTo, node);
      add(this.byParent, node.parentId, node);
    }
    for (const flow of [...graph.flows, ...this.linkFlows()]) {
      add(this.out, flow.source, flow);
      add(this.in, flow.target, flow);
    }
    for (const flow of this.thrownFlows()) {
      add(this.out, flow.source, flow);
      add(this.in, flow.target, flow);
    }
    this.markReminderPaths();
    for (const node of graph.nodes) {
      const outgoing = this.outgoing(node.id);
      if (node.kind !== 'exclusiveGateway' || node.defaultFlow || outgoing.length < 2) continue;
      if (outgoing.every((f) => f.condition === undefined)) this.choices.add(node.id);
    }
  }

  /**
   * A link throw event goes on at the link catch event of its name in the same container: every pass sees
   * that go-to as a flow (`<throw>__link`), which the graph and its export do not hold. A throw with no
   * such catch, or several, gets none and is refused by the checks.
   */
  private linkFlows(): GraphFlow[] {
    const catches = new Map<string, GraphNode[]>();
    for (const node of this.graph.nodes) {
      if (node.kind !== 'linkCatchEvent') continue;
      const key = `${node.parentId ?? ''}\u0000${node.link ?? ''}`;
      catches.set(key, [...(catches.get(key) ?? []), node]);
    }
    const flows: GraphFlow[] = [];
    for (const node of this.graph.nodes) {
      if (node.kind !== 'linkThrowEvent') continue;
      const targets = catches.get(`${node.parentId ?? ''}\u0000${node.link ?? ''}`) ?? [];
      if (targets.length === 1) flows.push({ id: linkFlowId(node.id), source: node.id, target: targets[0]!.id });
    }
    return flows;
  }

  /**
   * An error or escalation end event inside a subprocess leaves it by the boundary of that subprocess catching
   * the same name (or its only boundary of that kind): every pass sees a flow (`<end>__thrown`) from the end
   * event to where that boundary leads. None found: no flow, and the checks refuse the end event.
   */
  private thrownFlows(): GraphFlow[] {
    const flows: GraphFlow[] = [];
    for (const node of this.graph.nodes) {
      if ((node.kind !== 'errorEndEvent' && node.kind !== 'escalationEndEvent') || !node.parentId || this.caughtInside(node)) continue;
      const kind = node.kind === 'errorEndEvent' ? 'errorBoundaryEvent' : 'escalationBoundaryEvent';
      const candidates = this.boundaryEvents(node.parentId).filter((n) => n.kind === kind);
      const boundary = candidates.find((b) => b.thrown === node.thrown) ?? (candidates.length === 1 ? candidates[0] : undefined);
      const next = boundary && this.outgoing(boundary.id)[0];
      if (next) flows.push({ id: thrownFlowId(node.id), source: node.id, target: next.target });
    }
    return flows;
  }

  /** The event subprocess of the end event's own container that catches its error or escalation, if any (`event-scopes.ts`). */
  caughtInside(end: GraphNode): GraphNode | undefined {
    const kind = end.kind === 'errorEndEvent' ? 'errorStartEvent' : end.kind === 'escalationEndEvent' ? 'escalationStartEvent' : undefined;
    const starts = this.children(end.parentId)
      .filter((n) => n.kind === 'eventSubProcess')
      .flatMap((sub) => this.children(sub.id).filter((n) => n.kind === kind));
    return starts.find((s) => s.thrown === end.thrown) ?? (starts.length === 1 ? starts[0] : undefined);
  }

  /**
   * The escalation boundary catching what an intermediate escalation throw event raises: on the nearest
   * subprocess around it with escalation boundaries, the one naming the same escalation, else its only one.
   */
  escalationCatcher(node: GraphNode): GraphNode | undefined {
    for (let host = node.parentId; host; host = this.nodes.get(host)?.parentId) {
      const candidates = this.boundaryEvents(host).filter((b) => b.kind === 'escalationBoundaryEvent');
      const found = candidates.find((b) => b.thrown === node.thrown) ?? (candidates.length === 1 ? candidates[0] : undefined);
      if (found) return found;
    }
    return undefined;
  }

  /** Where an escalation throw event goes when the boundary catching it interrupts: that boundary's way on (else its own flow). */
  thrownTo(node: GraphNode): GraphFlow | undefined {
    const catcher = node.kind === 'escalationThrowEvent' ? this.escalationCatcher(node) : undefined;
    return catcher && catcher.cancelActivity !== false ? this.outgoing(catcher.id)[0] : undefined;
  }

  /**
   * An exclusive gateway none of whose ways out has a condition, nor is its default: the agent chooses, one action per flow,
   * labelled by the flow's name (a modeler's "resolved? yes / no"). It waits like a task.
   */
  isChoice(node: GraphNode): boolean {
    return this.choices.has(node.id);
  }

  /** Where a ticket comes to rest until somebody or something acts: a waiting kind, a choice for the agent, an outcome awaited. */
  waits(node: GraphNode): boolean {
    return isWaitState(node.kind) || node.kind === 'callActivity' || this.isChoice(node) || this.awaitsOutcome(node);
  }

  /**
   * An automatic task that can fail: an interrupting error or escalation boundary sits on it. SOPflow runs no
   * integration itself, so such a task waits for its outcome, which whoever does the work reports as an event:
   * its way on (`complete`), or the error's name, which takes the boundary's path.
   */
  awaitsOutcome(node: GraphNode): boolean {
    return isAutomaticTask(node.kind) && this.boundaryEvents(node.id).some((b) => isThrownBoundary(b.kind) && b.cancelActivity !== false);
  }

  /**
   * What follows a non-interrupting timer only describes its reminder (e.g. a send task "notify the lead");
   * the ticket never goes there. Nodes the main flow also reaches (a shared end event) are not such nodes.
   */
  private markReminderPaths(): void {
    const starts = this.graph.nodes.filter((n) => n.kind === 'timerBoundaryEvent' && n.cancelActivity === false && this.onlyNotifies(n.id));
    const stack = starts.flatMap((n) => this.outgoing(n.id).map((f) => f.target));
    while (stack.length) {
      const id = stack.pop()!;
      if (this.reminderPath.has(id) || !this.nodes.has(id)) continue;
      this.reminderPath.add(id);
      stack.push(...this.outgoing(id).map((f) => f.target));
    }
    const fromElsewhere = (id: string) => this.incoming(id).some((f) => !this.reminderPath.has(f.source) && !starts.some((s) => s.id === f.source));
    for (let changed = true; changed;) {
      changed = false;
      for (const id of this.reminderPath) {
        if (fromElsewhere(id)) {
          this.reminderPath.delete(id);
          changed = true;
        }
      }
    }
  }

  /**
   * Everything after `from` (up to its end events) passes at once: automatic tasks (no throw event) and end events only. What
   * follows a non-interrupting timer (or starts an event subprocess with one) is then a reminder; anything
   * that waits makes it a path beside the step (`event-scopes.ts`).
   */
  onlyNotifies(from: string): boolean {
    const seen = new Set<string>();
    const stack = this.outgoing(from).map((f) => f.target);
    while (stack.length) {
      const id = stack.pop()!;
      const next = this.nodes.get(id);
      if (seen.has(id) || !next || isEnd(next.kind)) continue;
      if (!describesReminder(next.kind)) return false;
      seen.add(id);
      stack.push(...this.outgoing(id).map((f) => f.target));
    }
    return true;
  }

  /** An event subprocess kept as before paths could wait: a non-interrupting timer start, then only automatic tasks and ends. */
  remindsOnly(node: GraphNode): boolean {
    if (node.kind !== 'eventSubProcess') return false;
    let reminds = this.reminders.get(node.id);
    if (reminds === undefined) {
      const children = this.children(node.id);
      const starts = children.filter((n) => n.kind === 'timerStartEvent' && !n.interrupting);
      reminds = starts.length === 1 && children.every((n) => n === starts[0] || describesReminder(n.kind) || isEnd(n.kind));
      this.reminders.set(node.id, reminds);
    }
    return reminds;
  }

  onReminderPath(node: GraphNode): boolean {
    return this.reminderPath.has(node.id);
  }

  /** Without `sop:reminder`, the first task after a timer says what to do, and its owner whom to tell. */
  reminderAfter(node: GraphNode): { to?: string; message?: string } | undefined {
    const next = this.outgoing(node.id)[0];
    const task = next ? this.nodes.get(next.target) : undefined;
    if (!task || !isAutomaticTask(task.kind)) return undefined;
    const reminder: { to?: string; message?: string } = {};
    if (task.step?.owner) reminder.to = task.step.owner;
    if (task.name) reminder.message = task.name;
    return reminder;
  }

  node(id: string): GraphNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  outgoing(id: string): GraphFlow[] {
    return this.out.get(id) ?? [];
  }

  incoming(id: string): GraphFlow[] {
    return this.in.get(id) ?? [];
  }

  boundaryEvents(hostId: string): GraphNode[] {
    return this.boundary.get(hostId) ?? [];
  }

  /** Nodes directly inside a container (process level when `parentId` is undefined). */
  children(parentId: string | undefined): GraphNode[] {
    return this.byParent.get(parentId) ?? [];
  }

  /** Inside an event subprocess that only reminds (`remindsOnly`): those nodes describe a reminder, not states. */
  inEventSubProcess(node: GraphNode): boolean {
    for (let parent = node.parentId; parent; parent = this.nodes.get(parent)?.parentId) {
      const container = this.nodes.get(parent);
      if (container && this.remindsOnly(container)) return true;
    }
    return false;
  }
}

/** The id of the flow from an error or escalation end event to where the boundary catching it leads. */
export function thrownFlowId(endId: string): string {
  return `${endId}__thrown`;
}

/** The id of the go-to flow from a link throw event to its catch. */
export function linkFlowId(throwId: string): string {
  return `${throwId}__link`;
}

export function isWaitTask(kind: NodeKind): boolean {
  return WAIT_TASKS.has(kind);
}

export function isAutomaticTask(kind: NodeKind): boolean {
  return AUTOMATIC_TASKS.has(kind);
}

/** An automatic task after a reminder timer says what the reminder is about; a throw event sends, so it runs. */
function describesReminder(kind: NodeKind): boolean {
  return isAutomaticTask(kind) && kind !== 'throwEvent';
}

export function isBoundary(kind: NodeKind): boolean {
  return kind === 'timerBoundaryEvent' || kind === 'messageBoundaryEvent' || kind === 'signalBoundaryEvent' || isThrownBoundary(kind);
}

/** Error and escalation boundaries: an agent raises them on the step they sit on, as an action. */
export function isThrownBoundary(kind: NodeKind): boolean {
  return kind === 'errorBoundaryEvent' || kind === 'escalationBoundaryEvent';
}

export function isEnd(kind: NodeKind): boolean {
  return kind === 'endEvent' || kind === 'terminateEndEvent';
}

/** Where a ticket comes to rest until somebody or something acts. */
export function isWaitState(kind: NodeKind): boolean {
  return (
    isWaitTask(kind) ||
    kind === 'timerCatchEvent' ||
    kind === 'messageCatchEvent' ||
    kind === 'signalCatchEvent' ||
    kind === 'eventBasedGateway' ||
    kind === 'subProcess' ||
    kind === 'parallelGateway' ||
    kind === 'inclusiveGateway'
  );
}
