import type { Advance, OpenVisit, PendingTimer, StepVisit, TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import type { StepLogEntry, TicketColumns, TicketEffects, TicketFacts, TimerWrite } from '../../data/tickets/ticket-records.js';
import { agentOf, levelOf } from './ticket-facts.js';
import { nearestBreach } from './ticket-views.js';

/** The revision counts moves between steps: a reminder or a warning must not make an agent's next click stale. */
export function revisionAfter(revision: number, moved: Pick<Advance, 'visitsOpened' | 'visitsClosed' | 'done'>): number {
  const moves = moved.visitsOpened.length > 0 || moved.visitsClosed.length > 0 || moved.done;
  return moves ? revision + 1 : revision;
}

/** The ticket's row after an engine result, with its facts folded from it (`factsAfter`). */
export function columnsAfter(
  moved: Pick<Advance, 'state' | 'fields' | 'done'>,
  revision: number,
  now: number,
  closedAt: number | null,
  facts: TicketFacts,
): TicketColumns {
  return {
    facts,
    level: levelOf(moved.fields),
    vip: moved.state.vip,
    fields: moved.fields,
    state: moved.state,
    revision,
    dueAt: moved.done ? null : nearestBreach(moved.state),
    updatedAt: now,
    closedAt: moved.done ? (closedAt ?? now) : null,
  };
}

/** Two engine results in a row as one: a ticket's effects when several of its timers fire together. */
export function mergeAdvances(first: Advance, next: Advance): Advance {
  return {
    ...next,
    visitsClosed: [...first.visitsClosed, ...next.visitsClosed],
    visitsOpened: [...first.visitsOpened, ...next.visitsOpened],
    timersArmed: [...first.timersArmed, ...next.timersArmed],
    timersCancelled: [...first.timersCancelled, ...next.timersCancelled],
    reminders: [...first.reminders, ...next.reminders],
  };
}

/**
 * The step-log rows, timers and notifications an engine result adds or changes. A new visit is a new row; a
 * visit that ended or was breached updates its row. `before` is the state the change started from: it tells
 * which open visits the change breached.
 */
export function effectsOf(
  workflow: Workflow,
  moved: Pick<Advance, 'state' | 'visitsOpened' | 'visitsClosed' | 'timersArmed' | 'timersCancelled' | 'reminders'>,
  before: TicketState | undefined,
  now: number,
  /** Visits that loop back, and the step each came from (`factsAfter`). */
  reworkFrom: ReadonlyMap<number, string> = new Map(),
): TicketEffects {
  const stepLog: StepLogEntry[] = [];
  const closed = new Map(moved.visitsClosed.map((v) => [v.visit, v]));
  const open = new Map(moved.state.openVisits.map((v) => [v.visit, v]));
  const written = new Set<number>();
  for (const visit of moved.visitsOpened) {
    const done = closed.get(visit.visit);
    stepLog.push(entryOf(workflow, reworkFrom, written, visit, done, done?.breached ?? open.get(visit.visit)?.breached ?? visit.breached));
  }
  for (const visit of moved.visitsClosed) if (!written.has(visit.visit)) stepLog.push(entryOf(workflow, reworkFrom, written, visit, visit, visit.breached));
  // A breach timer marks its visit while the ticket still waits there.
  const breachedBefore = new Set(before?.openVisits.filter((v) => v.breached).map((v) => v.visit));
  for (const visit of moved.state.openVisits) {
    if (visit.breached && !breachedBefore.has(visit.visit) && !written.has(visit.visit))
      stepLog.push(entryOf(workflow, reworkFrom, written, visit, undefined, true));
  }

  // A timer armed and cancelled by the same change is kept as cancelled.
  const cancelled = new Set(moved.timersCancelled.map((t) => t.key));
  const armed = new Set(moved.timersArmed.map((t) => t.key));
  const timers: TimerWrite[] = [];
  for (const timer of moved.timersArmed) timers.push(timerWrite(timer, cancelled.has(timer.key) ? now : null));
  for (const timer of moved.timersCancelled) if (!armed.has(timer.key)) timers.push(timerWrite(timer, now));

  // A raised signal is a row of its own, written with the change (the signal deliverer takes it from there).
  const raised = moved.reminders.filter((reminder) => reminder.kind === 'signal').map((reminder) => reminder.message!);
  const notifications = moved.reminders
    .filter((reminder) => reminder.kind !== 'signal')
    .map((reminder) => ({
      kind: reminder.kind,
      createdAt: reminder.at,
      ...(reminder.to ? { recipient: reminder.to } : {}),
      ...(reminder.step ? { step: reminder.step } : {}),
      ...(reminder.message ? { message: reminder.message } : {}),
    }));
  return { stepLog, timers, notifications, ...(raised.length ? { raised } : {}) };
}

/** A visit's step-log row, noted in `written`. A function of its own, not a closure: see `nearestBreach`. */
function entryOf(
  workflow: Workflow,
  reworkFrom: ReadonlyMap<number, string>,
  written: Set<number>,
  visit: OpenVisit,
  done: StepVisit | undefined,
  breached: boolean,
): StepLogEntry {
  const step = workflow.steps[visit.step]!;
  written.add(visit.visit);
  const row: StepLogEntry = {
    visit: visit.visit,
    step: visit.step,
    stepName: step.name,
    enteredAt: visit.enteredAt,
    breached,
    automatic: step.kind === 'automatic',
    waiting: step.waitingOnCustomer,
  };
  if (step.owner) row.owner = step.owner;
  if (visit.instance) row.instance = visit.instance;
  const from = reworkFrom.get(visit.visit);
  if (from !== undefined) row.reworkFrom = from;
  if (done) {
    row.exitedAt = done.exitedAt;
    row.durationMs = done.durationMs;
    row.businessMs = done.businessMs;
    row.actor = done.actor;
    row.event = done.event;
    const agent = agentOf(done, step);
    if (agent !== undefined) row.agent = agent;
    if (done.given) row.fields = done.given;
  }
  if (visit.slaMs !== undefined) row.slaMs = visit.slaMs;
  return row;
}

function timerWrite(timer: PendingTimer, cancelledAt: number | null): TimerWrite {
  const write: TimerWrite = { key: timer.key, kind: timer.kind, dueAt: timer.dueAt, armedAt: timer.armedAt, cancelledAt };
  if (timer.step) write.step = timer.step;
  if (timer.timerId) write.timerId = timer.timerId;
  if (timer.visit !== undefined) write.visit = timer.visit;
  return write;
}
