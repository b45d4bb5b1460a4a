// Messages and signals: events from outside the ticket, delivered by name. Pure, as the rest of the engine.
import { EventNotAllowedError, MessageNotAwaitedError } from '../shared/errors.js';
import { signalEvent } from './compile/event-kinds.js';
import { advance, awaitedTriggers, type Advance, type EngineOptions, type Moment, type TicketState } from './ticket-engine.js';
import { runtimeOf } from './workflow-runtime.js';
import type { Workflow } from './workflow.js';

/** Who moved a ticket by a signal in its step log: a broadcast, not a person. */
export const SIGNAL_ACTOR = 'signal';

/** A signal's event type (`signal.<name>`) the workflow catches: delivered by `POST /api/signals`, never as one ticket's event. */
export function isSignal(workflow: Workflow, event: string): boolean {
  return runtimeOf(workflow).triggers.get(event)?.kind === 'signal';
}

/** Whether a workflow version has events that wait for signal `name`. */
export function catchesSignal(workflow: Workflow, name: string): boolean {
  return isSignal(workflow, signalEvent(name));
}

/** The event type of a message by its name, when the workflow catches it anywhere. */
function messageEvent(workflow: Workflow, name: string): string | undefined {
  for (const [event, trigger] of runtimeOf(workflow).triggers) if (trigger.kind === 'message' && trigger.name === name) return event;
  return undefined;
}

/**
 * Delivers a message to a ticket that waits for it now (a message catch event, a boundary on a step it is in,
 * an event subprocess it may start), with the fields the catching events ask for, checked as an advance's.
 * Throws `MessageNotAwaitedError` naming the messages it does wait for, else what `advance` throws.
 *
 * @example
 * deliverMessage(workflow, ticket.state, { name: 'Customer replied', fields: { reply: 'It works now' } }, { now, actor: 'crm@example.com' });
 */
export function deliverMessage(
  workflow: Workflow,
  state: TicketState,
  message: { name: string; fields?: Record<string, unknown> },
  moment: Moment,
  options: EngineOptions = {},
): Advance {
  const messages = state.done ? [] : awaitedTriggers(workflow, state).messages;
  const event = messageEvent(workflow, message.name);
  if (event === undefined || !messages.includes(message.name)) {
    const why = state.done ? 'the ticket is closed' : `it waits for ${messages.map((m) => JSON.stringify(m)).join(', ') || 'no message'}`;
    throw new MessageNotAwaitedError(`the ticket does not wait for message "${message.name}" now: ${why}`, messages);
  }
  return advance(workflow, state, { type: event, ...(message.fields ? { fields: message.fields } : {}) }, moment, options);
}

/**
 * Delivers signal `id` to a ticket, once: undefined when the ticket does not wait for it now or has had it
 * already (its state keeps the ids of the signals it received). The step log names `SIGNAL_ACTOR`.
 */
export function deliverSignal(
  workflow: Workflow,
  state: TicketState,
  signal: { id: number; name: string },
  moment: Pick<Moment, 'now'>,
  options: EngineOptions = {},
): Advance | undefined {
  if (state.done || state.signals?.includes(signal.id) || !awaitedTriggers(workflow, state).signals.includes(signal.name)) return undefined;
  try {
    const moved = advance(workflow, state, { type: signalEvent(signal.name) }, { now: moment.now, actor: SIGNAL_ACTOR }, options);
    moved.state.signals = [...(state.signals ?? []), signal.id];
    return moved;
  } catch (error) {
    // A gateway with no way on for the ticket's fields: the signal passes it by, as a refused event would.
    if (error instanceof EventNotAllowedError) return undefined;
    throw error;
  }
}
