import type { GraphFlow, GraphNode, NodeKind, ProcessGraph } from '../workflow.js';
import { AUTOMATIC_TASKS, WAIT_TASKS } from '../workflow.js';

/** Lookups over a `ProcessGraph` that every compiler pass needs. */
export class GraphIndex {
  readonly nodes = new Map<string, GraphNode>();
  private readonly out = new Map<string, GraphFlow[]>();
  private readonly in = new Map<string, GraphFlow[]>();
  private readonly boundary = new Map<string, GraphNode[]>();

  constructor(readonly graph: ProcessGraph) {
    for (const node of graph.nodes) {
      this.nodes.set(node.id, node);
      if (node.attachedTo) this.boundary.set(node.attachedTo, [...(this.boundary.get(node.attachedTo) ?? []), node]);
    }
    for (const flow of graph.flows) {
      this.out.set(flow.source, [...(this.out.get(flow.source) ?? []), flow]);
      this.in.set(flow.target, [...(this.in.get(flow.target) ?? []), flow]);
    }
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
    return this.graph.nodes.filter((n) => n.parentId === parentId);
  }

  /** Inside an event subprocess, at any depth: those nodes describe a reminder, not states. */
  inEventSubProcess(node: GraphNode): boolean {
    for (let parent = node.parentId; parent; parent = this.nodes.get(parent)?.parentId) {
      if (this.nodes.get(parent)?.kind === 'eventSubProcess') return true;
    }
    return false;
  }
}

export function isWaitTask(kind: NodeKind): boolean {
  return WAIT_TASKS.has(kind);
}

export function isAutomaticTask(kind: NodeKind): boolean {
  return AUTOMATIC_TASKS.has(kind);
}

export function isBoundary(kind: NodeKind): boolean {
  return kind === 'timerBoundaryEvent' || kind === 'messageBoundaryEvent';
}

export function isEnd(kind: NodeKind): boolean {
  return kind === 'endEvent' || kind === 'terminateEndEvent';
}

/** Where a ticket comes to rest until somebody or something acts. */
export function isWaitState(kind: NodeKind): boolean {
  return isWaitTask(kind) || kind === 'timerCatchEvent' || kind === 'messageCatchEvent' || kind === 'eventBasedGateway' || kind === 'subProcess' || kind === 'parallelGateway';
}
