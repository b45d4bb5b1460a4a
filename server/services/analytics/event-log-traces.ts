import type { EventLogCase } from '../../data/analytics/event-log-read-model.js';

/** XES's standard lifecycle model, the transitions a step visit goes through. */
export type Lifecycle = 'start' | 'suspend' | 'resume' | 'complete';

/** One event of a trace: a step visit entered, paused for the customer, resumed or left. */
export interface LogEvent {
  /** The step's name, as people see it (XES concept:name). */
  activity: string;
  /** The visit number in the ticket's step log (XES concept:instance): pairs a start with its complete. */
  visit: number;
  timestamp: number;
  lifecycle: Lifecycle;
  /** Who ended the visit (the step log's actor); null while it is open or when nobody is recorded. */
  resource: string | null;
  /** 1, 2, … within the trace: the order of events that share a timestamp. */
  sequence: number;
}

/** A ticket as a process-mining case. */
export interface LogTrace {
  caseId: string;
  channel: string;
  level: string | null;
  vip: boolean;
  workflow: string;
  version: number;
  events: LogEvent[];
}

/** Writes traces in one file format; the service streams what it answers. */
export interface EventLogWriter {
  readonly contentType: string;
  readonly extension: string;
  head(): string;
  trace(trace: LogTrace): string;
  tail(): string;
}

/**
 * A ticket's visits as events in time order. Each visit starts when it is entered and completes when it is
 * left (an open visit has only its start); a step that waits on the customer is suspended as it is entered
 * and resumed as it is left, so tools that count active time leave the customer's time out. Events at the
 * same instant keep the step log's order (a visit completes before the next one starts), and `sequence`
 * numbers them so that order survives a sort by timestamp.
 *
 * @example
 * traceOf(ticket, (step) => step === 'await_reply') // → { caseId: '42', events: [{ activity: 'Answer', lifecycle: 'start', … }, …] }
 */
export function traceOf(ticket: EventLogCase, waitsOnCustomer: (step: string) => boolean): LogTrace {
  const events: LogEvent[] = [];
  let ordered = true;
  let last = -Infinity;
  const add = (activity: string, visit: number, timestamp: number, lifecycle: Lifecycle, resource: string | null) => {
    if (timestamp < last) ordered = false;
    last = timestamp;
    events.push({ activity, visit, timestamp, lifecycle, resource, sequence: 0 });
  };
  for (const v of ticket.visits) {
    const waiting = waitsOnCustomer(v.step);
    add(v.stepName, v.visit, v.enteredAt, 'start', v.actor);
    if (waiting) add(v.stepName, v.visit, v.enteredAt, 'suspend', v.actor);
    if (v.exitedAt === null) continue;
    if (waiting) add(v.stepName, v.visit, v.exitedAt, 'resume', v.actor);
    add(v.stepName, v.visit, v.exitedAt, 'complete', v.actor);
  }
  // NOTE: only parallel branches interleave; Array.prototype.sort is stable, so equal instants keep their order.
  if (!ordered) events.sort((a, b) => a.timestamp - b.timestamp);
  for (let i = 0; i < events.length; i++) events[i]!.sequence = i + 1;
  return {
    caseId: String(ticket.id),
    channel: ticket.channel,
    level: ticket.level,
    vip: ticket.vip,
    workflow: ticket.workflowKey,
    version: ticket.version,
    events,
  };
}
