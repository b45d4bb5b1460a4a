import type { Knex } from 'knex';
import type { TestApp } from './play.js';

/** A timer row as stored, with the columns the tests reason about. */
export interface TimerRecord {
  ticket_id: number;
  key: string;
  kind: string;
  step: string | null;
  timer_id: string | null;
  due_at: number;
  fired_at: number | null;
  cancelled_at: number | null;
  claimed_by: string | null;
}

export interface NotificationRecord {
  ticket_id: number;
  kind: string;
  recipient: string | null;
  step: string | null;
  created_at: number;
}

/** The number of rows a query matches, as a number on both databases. */
export async function count(query: Knex.QueryBuilder): Promise<number> {
  const row = (await query.clone().clearSelect().clearOrder().count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

export function timersOf(knex: Knex, ticketId: number): Promise<TimerRecord[]> {
  return knex('timers')
    .where({ ticket_id: ticketId })
    .orderBy('id')
    .select('ticket_id', 'key', 'kind', 'step', 'timer_id', 'due_at', 'fired_at', 'cancelled_at', 'claimed_by');
}

export function notificationsOf(knex: Knex, ticketId: number): Promise<NotificationRecord[]> {
  return knex('notifications').where({ ticket_id: ticketId }).orderBy('id').select('ticket_id', 'kind', 'recipient', 'step', 'created_at');
}

/**
 * Everything stored about one ticket: its row (snapshot, revision, fields…), step-log rows, timers and
 * notifications. Two footprints taken around a refused call must be equal.
 */
export async function footprint(app: TestApp, ticketId: number) {
  const knex = app.db.knex;
  const [ticket, stepLog, timers, notifications] = await Promise.all([
    knex('tickets').where({ id: ticketId }).first(),
    knex('step_log').where({ ticket_id: ticketId }).orderBy('visit'),
    knex('timers').where({ ticket_id: ticketId }).orderBy('id'),
    knex('notifications').where({ ticket_id: ticketId }).orderBy('id'),
  ]);
  return { ticket: ticket as Record<string, unknown>, stepLog, timers, notifications };
}

/** Resolves to the error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; details?: unknown; problems?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}
