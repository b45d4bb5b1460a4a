import { listSql, rowsOf, type Database } from '../database.js';
import type { TicketTimer } from './model.js';

/** Every timer of some tickets, for the per-ticket rows of a report or an export. */
export interface TicketTimersReadModel {
  /** By ticket id, each ticket's timers in due order; tickets without timers are absent. */
  timersOf(ticketIds: readonly number[]): Promise<Map<number, TicketTimer[]>>;
}

interface TimerRow {
  ticket_id: number | string;
  kind: string;
  step: string | null;
  due_at: number | string;
  fired_at: number | string | null;
  cancelled_at: number | string | null;
  failed_at: number | string | null;
}

/** Ids per `IN (…)` list: well under either database's limit on bound values. */
const IDS_PER_QUERY = 500;

const instant = (value: number | string | null): number | null => (value === null ? null : Number(value));

export class KnexTicketTimersReadModel implements TicketTimersReadModel {
  constructor(private readonly db: Database) {}

  async timersOf(ticketIds: readonly number[]): Promise<Map<number, TicketTimer[]>> {
    const timers = new Map<number, TicketTimer[]>();
    for (let from = 0; from < ticketIds.length; from += IDS_PER_QUERY) {
      const ids = ticketIds.slice(from, from + IDS_PER_QUERY);
      // The unique (ticket_id, key) index serves the lookup.
      const rows = rowsOf<TimerRow>(
        await this.db.knex.raw(
          `SELECT ticket_id, kind, step, due_at, fired_at, cancelled_at, failed_at FROM timers WHERE ticket_id IN (${listSql(ids.length)}) ORDER BY ticket_id, due_at, id`,
          ids,
        ),
      );
      for (const row of rows) {
        const id = Number(row.ticket_id);
        const list = timers.get(id) ?? [];
        list.push({
          kind: row.kind,
          step: row.step,
          dueAt: Number(row.due_at),
          firedAt: instant(row.fired_at),
          cancelledAt: instant(row.cancelled_at),
          failedAt: instant(row.failed_at),
        });
        timers.set(id, list);
      }
    }
    return timers;
  }
}
