import type { GraphNode, NodeKind } from '../workflow.js';

/** The event type a signal is delivered as: signals and messages (whose type is their name) never clash. */
export function signalEvent(name: string): string {
  return `signal.${name}`;
}

/** The event a message or signal catch, boundary or start event waits for; undefined for other nodes. */
export function triggerOf(node: Pick<GraphNode, 'kind' | 'message' | 'signal'>): string | undefined {
  if (node.signal !== undefined && SIGNAL_KINDS.has(node.kind)) return signalEvent(node.signal);
  if (node.message !== undefined && MESSAGE_KINDS.has(node.kind)) return node.message;
  return undefined;
}

const MESSAGE_KINDS: ReadonlySet<NodeKind> = new Set(['messageCatchEvent', 'messageBoundaryEvent', 'messageStartEvent']);
const SIGNAL_KINDS: ReadonlySet<NodeKind> = new Set(['signalCatchEvent', 'signalBoundaryEvent', 'signalStartEvent']);

/** The start event of an event subprocess, by what starts it. */
export const EVENT_STARTS: ReadonlySet<NodeKind> = new Set([
  'timerStartEvent',
  'messageStartEvent',
  'signalStartEvent',
  'errorStartEvent',
  'escalationStartEvent',
]);

/** Where a container's steps begin: its start event, or an event subprocess's. */
export function isStart(kind: NodeKind): boolean {
  return kind === 'startEvent' || EVENT_STARTS.has(kind);
}

/** A catch event a ticket waits at: a timer, a message or a signal. */
export function isCatch(kind: NodeKind): boolean {
  return kind === 'timerCatchEvent' || kind === 'messageCatchEvent' || kind === 'signalCatchEvent';
}

/** A message or signal end event sends its message, or raises its signal, as it ends: a send step, like a throw event. */
export function sendsAtEnd(node: Pick<GraphNode, 'kind' | 'message' | 'signal'>): boolean {
  return node.kind === 'endEvent' && (node.message !== undefined || node.signal !== undefined);
}

type EventKind =
  'signalCatchEvent' | 'signalBoundaryEvent' | 'throwEvent' | 'messageStartEvent' | 'signalStartEvent' | 'errorStartEvent' | 'escalationStartEvent';

/**
 * The kind a node's state is built as: a signal catch (or boundary) as a message one (its event is
 * `triggerOf`), a throw event as a send task, an event subprocess's start as a start event. What is
 * particular to them is added around the built machine (`event-scopes.ts`).
 */
export function stateKind(kind: NodeKind): Exclude<NodeKind, EventKind> {
  switch (kind) {
    case 'signalCatchEvent':
      return 'messageCatchEvent';
    case 'signalBoundaryEvent':
      return 'messageBoundaryEvent';
    case 'throwEvent':
      return 'sendTask';
    case 'messageStartEvent':
    case 'signalStartEvent':
    case 'errorStartEvent':
    case 'escalationStartEvent':
      return 'startEvent';
    default:
      return kind;
  }
}

/** Machine actions of what this file adds: a send step's message goes out; a cycle timer that opened a path beside a step is armed again. */
export const EVENT_ACTIONS = { send: 'sop.send', repeat: 'sop.repeat' } as const;

/** A guard that holds while the machine is in the state it names (`params.state`, `#key`): XState's `stateIn`. */
export const IN_STATE_GUARD = 'sop.in';
