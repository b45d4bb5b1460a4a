// A ticket's recorded history replayed through another version of its workflow on a virtual clock: the proof
// a migration rests on. Pure: the caller reads the history and stores the result.
import { AppError, ConditionFailedError, EventNotAllowedError, ValidationError, type FieldProblem } from '../shared/errors.js';
import { timerEvent } from './compile/build-machine.js';
import {
  activeSteps,
  advance,
  fireTimer,
  startTicket,
  SYSTEM_ACTOR,
  type Advance,
  type EngineOptions,
  type PendingTimer,
  type TicketState,
} from './ticket-engine.js';
import { dueAt } from './time/iso8601.js';
import type { Workflow } from './workflow.js';

/** One event as the step log recorded it: the visit of `step` it ended, by whom, when, with which fields. */
export interface RecordedEvent {
  type: string;
  actor: string;
  at: number;
  step: string;
  fields: Record<string, unknown>;
  /** The instance of a multi-instance step it finished. */
  instance?: number;
}

/** What a replay starts from: the ticket's opening and its events in the order they happened. */
export interface TicketHistory {
  createdAt: number;
  createdBy: string;
  /** The fields the ticket was opened with. */
  intake: Record<string, unknown>;
  vip: boolean;
  calendar?: string;
  events: RecordedEvent[];
  /** The steps it waits in now, on its own version. */
  openSteps: string[];
  /** Its state's counter: the replay numbers its visits and timers after it, so none collides with a stored one. */
  seq: number;
}

/** A visit the step log recorded as ended (automatic steps and visits still open are skipped). */
export interface ClosedVisit {
  step: string;
  event?: string;
  actor?: string;
  exitedAt?: number;
  automatic: boolean;
  /** The values given with the event, when the step log kept them (rows from before it did have none). */
  fields?: Record<string, unknown>;
  /** A looping step's visit: which pass or item it was. */
  instance?: { index: number };
}

export type BlockCode = 'step_removed' | 'event_not_allowed' | 'field_required' | 'field_invalid' | 'condition_failed' | 'would_close' | 'refused';

/** Why a ticket cannot move: the first recorded event the new version refuses, or where the replay ends. */
export interface Blocked {
  code: BlockCode;
  message: string;
  event?: string;
  step?: string;
  fields?: string[];
  /** For `field_required` and `field_invalid`: each field's problem, with its code and values for pages to word. */
  problems?: FieldProblem[];
}

export type ReplayOutcome =
  { kind: 'clean' | 'moved'; steps: string[]; state: TicketState; fields: Record<string, unknown> } | { kind: 'blocked'; reason: Blocked };

/**
 * The history a ticket's record and step log tell, read with the version it ran on: events in the order
 * they ended visits (one event that closed several visits at once counts once), each with the values the
 * step log kept for it, or else (rows from before it kept them) the ticket's values of the fields its step
 * asks for; what no event of the history gave was given at intake.
 */
export function historyOf(
  old: Workflow,
  ticket: { createdAt: number; createdBy: string; fields: Record<string, unknown>; state: TicketState },
  visits: readonly ClosedVisit[],
): TicketHistory {
  // Instances a completion condition ended were closed by the system, not by an event of their own.
  const ended = visits
    .filter((v) => !v.automatic && v.event !== undefined && v.exitedAt !== undefined && v.actor !== SYSTEM_ACTOR)
    .sort((a, b) => a.exitedAt! - b.exitedAt!);
  const events: RecordedEvent[] = [];
  const asked = new Set<string>();
  for (const visit of ended) {
    const last = events[events.length - 1];
    // Two instances of one step finished in the same millisecond are two events, not one that closed both.
    const otherInstance = last?.step === visit.step && last.instance !== undefined && last.instance !== visit.instance?.index;
    if (last && last.at === visit.exitedAt && last.type === visit.event && last.actor === visit.actor && !otherInstance) continue;
    const names = (old.steps[visit.step]?.fields ?? []).map((f) => f.name);
    names.forEach((name) => asked.add(name));
    Object.keys(visit.fields ?? {}).forEach((name) => asked.add(name));
    const fields = visit.fields ?? Object.fromEntries(names.filter((name) => name in ticket.fields).map((name) => [name, ticket.fields[name]]));
    const event: RecordedEvent = { type: visit.event!, actor: visit.actor ?? 'unknown', at: visit.exitedAt!, step: visit.step, fields };
    if (visit.instance) event.instance = visit.instance.index;
    events.push(event);
  }
  const intake = Object.fromEntries(Object.entries(ticket.fields).filter(([name]) => !asked.has(name) && name !== 'vip'));
  const history: TicketHistory = {
    createdAt: ticket.createdAt,
    createdBy: ticket.createdBy,
    intake,
    vip: ticket.state.vip,
    events,
    openSteps: [...new Set(ticket.state.openVisits.map((v) => v.step))],
    seq: ticket.state.seq,
  };
  if (ticket.state.calendar !== undefined) history.calendar = ticket.state.calendar;
  return history;
}

/**
 * Replays `history` through `workflow` with the clock at each event's time: the ticket is opened, every
 * recorded event is given again, and the new version's interrupting timers fire when they fall due between
 * them (and up to `now`). The outcome: `clean` (it waits in the same steps), `moved` (in others), or `blocked`
 * with the first thing the new version refuses. Reminders of the past are not sent again; cycles are moved
 * on to their next occurrence after `now`.
 */
export function replayTicket(workflow: Workflow, history: TicketHistory, now: number, options: EngineOptions = {}): ReplayOutcome {
  let moved: Advance;
  let current: RecordedEvent | undefined;
  try {
    const input = { fields: history.intake, vip: history.vip, ...(history.calendar !== undefined ? { calendar: history.calendar } : {}) };
    moved = startTicket(workflow, { now: history.createdAt, actor: history.createdBy }, input, options);
    for (const event of history.events) {
      // Strictly before: a timer due at the event's very moment is the one it records, or lost the race to it.
      moved = fireInterrupting(workflow, moved, event.at - 1, options);
      if (moved.done) break;
      current = event;
      moved = replayOne(workflow, moved, event, options);
    }
    current = undefined;
    if (!moved.done) moved = fireInterrupting(workflow, moved, now, options);
  } catch (error) {
    return { kind: 'blocked', reason: blockedBy(workflow, error, current) };
  }
  if (moved.done)
    return { kind: 'blocked', reason: { code: 'would_close', message: 'its history ends the ticket on this version, and a migration never closes tickets' } };
  const state = renumbered(fastForward(workflow, moved.state, now), history.seq);
  const steps = activeSteps(workflow, state);
  const same = steps.length === history.openSteps.length && [...steps].sort().join('\n') === [...history.openSteps].sort().join('\n');
  return { kind: same ? 'clean' : 'moved', steps, state, fields: moved.fields };
}

function replayOne(workflow: Workflow, moved: Advance, event: RecordedEvent, options: EngineOptions): Advance {
  if (!event.type.startsWith(timerEvent('')))
    return advance(
      workflow,
      moved.state,
      { type: event.type, fields: event.fields, ...(event.instance !== undefined ? { instance: event.instance } : {}) },
      { now: event.at, actor: event.actor },
      options,
    );
  const timerId = event.type.slice(timerEvent('').length);
  const pending = moved.state.timers.find((t) => t.kind === 'bpmn' && t.timerId === timerId);
  const fired = pending && fireTimer(workflow, moved.state, pending.key, { now: event.at }, options);
  if (!fired) throw new EventNotAllowedError(`timer ${timerId} is not armed at this point in this version`, moved.allowedEvents);
  return fired;
}

/** Fires, in due order, the interrupting BPMN timers of `workflow` due by `until`. */
function fireInterrupting(workflow: Workflow, moved: Advance, until: number, options: EngineOptions): Advance {
  for (;;) {
    const due = moved.state.timers
      .filter((t) => t.kind === 'bpmn' && t.dueAt <= until && workflow.timers[t.timerId!]?.behaviour === 'interrupting')
      .sort((a, b) => a.dueAt - b.dueAt)[0];
    if (!due || moved.done) return moved;
    moved = fireTimer(workflow, moved.state, due.key, { now: due.dueAt }, options) ?? moved;
  }
}

/** A reminder cycle armed in the replayed past goes on from its next occurrence after `now`, not in a burst. */
function fastForward(workflow: Workflow, state: TicketState, now: number): TicketState {
  const timers: PendingTimer[] = [];
  for (const timer of state.timers) {
    const spec = timer.kind === 'bpmn' ? workflow.timers[timer.timerId!]?.spec : undefined;
    if (!spec || spec.type !== 'cycle' || timer.dueAt > now) {
      timers.push(timer);
      continue;
    }
    let occurrence = timer.occurrence;
    let due: number | undefined = timer.dueAt;
    while (due !== undefined && due <= now) due = dueAt(spec, timer.armedAt, ++occurrence);
    if (due !== undefined) timers.push({ ...timer, occurrence, dueAt: due });
  }
  return { ...state, timers };
}

/** Visits and timer keys numbered after `offset`: the stored ticket's own go up to it. */
function renumbered(state: TicketState, offset: number): TicketState {
  const key = (k: string) => (/^t\d+$/.test(k) ? `t${Number(k.slice(1)) + offset}` : k);
  return {
    ...state,
    seq: state.seq + offset,
    openVisits: state.openVisits.map((v) => ({ ...v, visit: v.visit + offset })),
    timers: state.timers.map((t) => ({ ...t, key: key(t.key), ...(t.visit !== undefined ? { visit: t.visit + offset } : {}) })),
  };
}

function blockedBy(workflow: Workflow, error: unknown, event: RecordedEvent | undefined): Blocked {
  const at = event ? { event: event.type, step: event.step } : {};
  if (event && !workflow.steps[event.step] && error instanceof EventNotAllowedError)
    return { code: 'step_removed', message: `step ${event.step}, which "${event.type}" left, is not in this version`, ...at };
  if (error instanceof EventNotAllowedError) return { code: 'event_not_allowed', message: error.message, ...at };
  if (error instanceof ValidationError) {
    const missing = error.problems.filter((p) => event && isBlank(event.fields[p.field]));
    const fields = error.problems.map((p) => p.field);
    return missing.length
      ? {
          code: 'field_required',
          message: `${missing.map((p) => p.field).join(', ')} now required, never given`,
          ...at,
          fields: missing.map((p) => p.field),
          problems: missing,
        }
      : { code: 'field_invalid', message: error.problems.map((p) => p.message).join('; '), ...at, fields, problems: error.problems };
  }
  if (error instanceof ConditionFailedError) return { code: 'condition_failed', message: error.message, ...at };
  if (error instanceof AppError) return { code: 'refused', message: error.message, ...at };
  throw error;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}
