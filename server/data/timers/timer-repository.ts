import { changesOf, rowsOf, type Database } from '../database.js';
import { RESERVED_CLAIM_AT } from '../tickets/ticket-rows.js';
import type { DueTimer } from '../tickets/ticket-records.js';

/** The pending timers as the scheduler sees them: claiming due ones, and when the next falls due. */
export interface TimerRepository {
  /**
   * Claims up to `limit` timers due at `now` for `instance`: unclaimed ones, or ones whose claim is older
   * than `staleBefore` (their process died), or reserved for `instance` (a simulation's); never failed ones
   * (an incident holds them). PostgreSQL skips rows another scheduler has locked.
   * Answers them in due order, arming order breaking ties.
   */
  claimDue(claim: { instance: string; now: number; staleBefore: number; limit: number }): Promise<DueTimer[]>;
  /** When the earliest pending timer falls due; undefined when none is pending. */
  nextDue(): Promise<number | undefined>;
  /** Hands the pending timers reserved for `instance` over to every scheduler; answers how many. */
  release(instance: string): Promise<number>;
}

interface ClaimedRow {
  id: number | string;
  ticket_id: number | string;
  key: string;
  due_at: number | string;
}

export function timerRepository(db: Database): TimerRepository {
  const skipLocked = db.client === 'pg' ? 'FOR UPDATE SKIP LOCKED' : '';
  return {
    claimDue: ({ instance, now, staleBefore, limit }) =>
      db.write(async (trx) => {
        const result = (await trx.raw(
          `UPDATE timers SET claimed_by = ?, claimed_at = ?
            WHERE id IN (SELECT id FROM timers
                          WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL AND due_at <= ?
                            AND (claimed_at IS NULL OR claimed_at < ? OR claimed_by = ?)
                          ORDER BY due_at LIMIT ? ${skipLocked})
            RETURNING id, ticket_id, key, due_at`,
          [instance, now, now, staleBefore, instance, limit],
        )) as unknown;
        const timers = rowsOf<ClaimedRow>(result).map((row) => ({ id: Number(row.id), ticketId: Number(row.ticket_id), key: row.key, dueAt: Number(row.due_at) }));
        return timers.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
      }),
    release: (instance) =>
      db.write(async (trx) =>
        changesOf(
          await trx.raw('UPDATE timers SET claimed_by = NULL, claimed_at = NULL WHERE claimed_by = ? AND claimed_at = ? AND fired_at IS NULL', [
            instance,
            RESERVED_CLAIM_AT,
          ]),
        ),
      ),
    async nextDue() {
      const next = (await db.knex('timers').whereNull('fired_at').whereNull('cancelled_at').whereNull('failed_at').min({ due: 'due_at' }).first()) as { due: number | string | null } | undefined;
      return next?.due === null || next?.due === undefined ? undefined : Number(next.due);
    },
  };
}
