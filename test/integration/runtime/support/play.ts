import type { StepLogEntry } from '../../../../server/services/tickets/ticket-views.js';
import type { openTestSopflow } from '../../../helpers/sopflow.js';

export type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

export const SECOND = 1000;
export const MIN = 60 * SECOND;
export const HOUR = 60 * MIN;

/**
 * One stay of a ticket in a step: how long it waits there and what moves it on, either an event sent by
 * `actor` or a BPMN timer (by its id) coming due. The step log must record exactly this.
 */
export interface Stay {
  step: string;
  think: number;
  event?: string;
  fields?: Record<string, unknown>;
  actor?: string;
  /** The stay ends when this BPMN timer fires (after `think`, its due time). */
  timer?: string;
  /** The scheduler runs this long after the step was entered, while the ticket still waits in it. */
  schedulerAt?: number;
}

/** An automatic step (service task, send task) the ticket passes through at once. */
export interface Pass {
  pass: string;
}

/** Stays in parallel branches, entered together; the ticket goes on when the last one ends. */
export interface Together {
  together: Stay[];
}

export type Move = Stay | Pass | Together;

export interface Journey {
  name: string;
  workflow: string;
  channel: string;
  vip?: boolean;
  /** Step limits as the BPMN states them (`sla`, or `vipSla` for a VIP ticket). */
  sla: Record<string, number>;
  moves: Move[];
  /** Notifications the scheduler sends on the way: kind, addressee, step. */
  notifications?: Array<{ kind: string; recipient: string; step: string }>;
}

/** The columns of a step-log row that PRODUCT §5 promises. */
export type LogRow = Pick<StepLogEntry, 'step' | 'enteredAt' | 'exitedAt' | 'durationMs' | 'actor' | 'event' | 'slaMs' | 'breached'>;

export const TIMER_ACTOR = 'timer';

/**
 * Plays a journey with the app's manual clock, on a fresh ticket or on `ticket` (then the journey's moves
 * go on from where it waits). Returns the ticket and the step-log rows these moves must have written.
 */
export async function play(
  app: TestApp,
  journey: Journey,
  ticket?: { id: number; revision: number },
): Promise<{ id: number; revision: number; expected: LogRow[]; closedAt: number }> {
  const current = ticket ?? (await openTicket(app, journey));
  const expected: LogRow[] = [];
  for (const move of journey.moves) {
    if ('pass' in move) expected.push(passed(move.pass, app.clock.now()));
    else expected.push(...(await stayIn(app, current, 'together' in move ? move.together : [move], journey.sla)));
  }
  return { ...current, expected, closedAt: app.clock.now() };
}

async function openTicket(app: TestApp, journey: Journey): Promise<{ id: number; revision: number }> {
  const created = await app.tickets.create(
    {
      workflow: journey.workflow,
      channel: journey.channel,
      subject: journey.name,
      customer: { name: `Customer of ${journey.name}` },
      vip: journey.vip === true,
    },
    'intake@sopflow.test',
  );
  return { id: created.id, revision: created.revision };
}

/** Runs stays entered at the same instant: every scheduler run and every exit, in time order. */
async function stayIn(app: TestApp, ticket: { id: number; revision: number }, stays: Stay[], sla: Record<string, number>): Promise<LogRow[]> {
  const enteredAt = app.clock.now();
  const happenings: Array<{ at: number; run: () => Promise<unknown> }> = [];
  for (const stay of stays) {
    if (stay.schedulerAt !== undefined) happenings.push({ at: enteredAt + stay.schedulerAt, run: () => runScheduler(app, ticket) });
    happenings.push({ at: enteredAt + stay.think, run: () => leave(app, ticket, stay) });
  }
  for (const happening of happenings.sort((a, b) => a.at - b.at)) {
    app.clock.set(happening.at);
    await happening.run();
  }
  return stays.map((stay) => {
    if (sla[stay.step] === undefined) throw new Error(`the journey names no limit for ${stay.step}`);
    return {
      step: stay.step,
      enteredAt,
      exitedAt: enteredAt + stay.think,
      durationMs: stay.think,
      actor: stay.timer ? TIMER_ACTOR : stay.actor!,
      event: stay.timer ? `timer.${stay.timer}` : stay.event!,
      slaMs: sla[stay.step]!,
      breached: stay.think > sla[stay.step]!,
    };
  });
}

/** A timer that moves the ticket changes its revision: the agent reloads before acting. */
async function runScheduler(app: TestApp, ticket: { id: number; revision: number }): Promise<void> {
  await app.scheduler.runDue();
  ticket.revision = (await app.tickets.get(ticket.id)).revision;
}

async function leave(app: TestApp, ticket: { id: number; revision: number }, stay: Stay): Promise<void> {
  if (stay.timer) {
    const pending = (await app.tickets.get(ticket.id)).pendingTimers.find((t) => t.timerId === stay.timer);
    if (pending?.dueAt !== app.clock.now()) throw new Error(`timer ${stay.timer} is not due at ${stay.step} + ${stay.think} ms: ${JSON.stringify(pending)}`);
    // Fired by key, as the scheduler does, so a step limit falling due at the same instant cannot race it.
    const timer = (await app.db.knex('timers').where({ ticket_id: ticket.id, key: pending.key }).first('id')) as { id: number };
    const { fired, failed } = await app.tickets.fireTimers([{ id: Number(timer.id), ticketId: ticket.id, key: pending.key, dueAt: pending.dueAt }]);
    if (failed.length) throw failed[0]!.error;
    if (fired.length !== 1) throw new Error(`timer ${stay.timer} did not fire`);
    ticket.revision = (await app.tickets.get(ticket.id)).revision;
    return;
  }
  const moved = await app.tickets.advance(ticket.id, { type: stay.event!, fields: stay.fields ?? {}, expectedRevision: ticket.revision }, stay.actor!);
  ticket.revision = moved.revision;
}

function passed(step: string, at: number): LogRow {
  return { step, enteredAt: at, exitedAt: at, durationMs: 0, actor: 'system', event: 'automatic', breached: false };
}

/** A step log reduced to the promised columns, in the order visits began (ties: the one that ended first). */
export function logRows(entries: Array<StepLogEntry | LogRow>): LogRow[] {
  return entries
    .map(
      ({ step, enteredAt, exitedAt, durationMs, actor, event, slaMs, breached }) =>
        Object.fromEntries(
          Object.entries({ step, enteredAt, exitedAt, durationMs, actor, event, slaMs, breached }).filter(([, v]) => v !== undefined),
        ) as LogRow,
    )
    .sort((a, b) => a.enteredAt - b.enteredAt || (a.exitedAt ?? Infinity) - (b.exitedAt ?? Infinity) || a.step.localeCompare(b.step));
}
