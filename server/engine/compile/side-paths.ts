import type { GraphNode } from '../workflow.js';
import { EVENT_STARTS } from './event-kinds.js';
import { GraphIndex, isEnd } from './graph-index.js';

/**
 * A path that runs beside the steps: what follows a non-interrupting boundary event (a message, a signal, an
 * escalation, or a timer whose path waits somewhere) while the step it sits on stays open.
 */
export interface SidePath {
  boundary: GraphNode;
  /** The nodes that run beside the step, in the order reached (the first is where the boundary leads). */
  nodes: string[];
  /** The end events it reaches. */
  ends: string[];
  /** Boundaries on its nodes: they belong to it too. */
  boundaries: string[];
}

/** A non-interrupting boundary whose path runs beside its step: not an error (always interrupting), nor a timer that only reminds. */
export function opensSidePath(index: GraphIndex, node: GraphNode): boolean {
  if (node.cancelActivity !== false || !node.attachedTo) return false;
  if (node.kind === 'timerBoundaryEvent') return !index.onlyNotifies(node.id);
  return node.kind === 'messageBoundaryEvent' || node.kind === 'signalBoundaryEvent' || node.kind === 'escalationBoundaryEvent';
}

/** Everything reachable from the boundary up to end events, boundaries of the nodes reached included. */
export function sidePathOf(index: GraphIndex, boundary: GraphNode): SidePath {
  const nodes: string[] = [];
  const ends: string[] = [];
  const boundaries: string[] = [];
  const seen = new Set<string>([boundary.id]);
  const queue = index.outgoing(boundary.id).map((f) => f.target);
  for (let at = 0; at < queue.length; at++) {
    const id = queue[at]!;
    const node = index.nodes.get(id);
    if (seen.has(id) || !node) continue;
    seen.add(id);
    if (isEnd(node.kind)) {
      ends.push(id);
      continue;
    }
    nodes.push(id);
    queue.push(...index.outgoing(id).map((f) => f.target));
    for (const attached of index.boundaryEvents(id)) {
      if (seen.has(attached.id)) continue;
      seen.add(attached.id);
      boundaries.push(attached.id);
      queue.push(...index.outgoing(attached.id).map((f) => f.target));
    }
  }
  return { boundary, nodes, ends, boundaries };
}

/** Every side path of the graph, by boundary id. */
export function sidePaths(index: GraphIndex): Map<string, SidePath> {
  const paths = new Map<string, SidePath>();
  for (const node of index.graph.nodes) if (opensSidePath(index, node)) paths.set(node.id, sidePathOf(index, node));
  return paths;
}

/** An event subprocess that runs steps (not one that only reminds), and whether it interrupts what runs beside it. */
export function runsSteps(index: GraphIndex, node: GraphNode): boolean {
  return node.kind === 'eventSubProcess' && !index.remindsOnly(node);
}

/** The start event of an event subprocess. */
export function startOf(index: GraphIndex, sub: GraphNode): GraphNode | undefined {
  return index.children(sub.id).find((n) => EVENT_STARTS.has(n.kind));
}
