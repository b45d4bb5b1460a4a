import type { Database } from '../database.js';

/** One ticket of a demo run, as the summary counts it. */
export interface DemoTicketFacts {
  workflowKey: string;
  channel: string;
  customerId: number;
  vip: boolean;
  closed: boolean;
  fields: Record<string, unknown>;
}

export interface DemoFacts {
  tickets: DemoTicketFacts[];
  /** Step visits that went over their limit. */
  breaches: number;
  /** Notifications raised, by kind. */
  notifications: Map<string, number>;
}

/** What the demo reads and switches beyond the services it drives: its summary, the next timer, SQLite's durability. */
export interface DemoData {
  /** When the earliest pending timer is due (only those due after `after`, when given), or undefined when none is. */
  nextTimerDue(after?: number): Promise<number | undefined>;
  /** What became of the tickets with ids from `low` to `high` (a demo run's, opened one after the other). */
  /** What the demo's own tickets (`ids`) came to: never a range, as others may create tickets meanwhile. */
  facts(ids: readonly number[]): Promise<DemoFacts>;
  /**
   * Runs `work` with SQLite committing at `synchronous = NORMAL`, then sets `restore` again and checkpoints the
   * write-ahead log, so that once this returns all of it is on disk. SQLite only.
   */
  withRelaxedSync(restore: 'NORMAL' | 'FULL', work: () => Promise<void>): Promise<void>;
}

interface TicketRow {
  workflow_key: string;
  channel: string;
  customer_id: number;
  vip: boolean | number;
  closed_at: number | null;
  fields: string;
}

/** Ticket ids a facts query binds at a time. */
const FACT_CHUNK = 1000;

export function createDemoData(db: Database): DemoData {
  const knex = db.knex;
  return {
    async nextTimerDue(after) {
      const pending = knex('timers').whereNull('fired_at').whereNull('cancelled_at');
      if (after !== undefined) pending.where('due_at', '>', after);
      const row = (await pending.min({ due: 'due_at' }).first()) as { due: number | string | null } | undefined;
      return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
    },

    async facts(ids) {
      const rows: TicketRow[] = [];
      let breaches = 0;
      const notifications = new Map<string, number>();
      // In chunks: SQLite binds at most 32,766 values a statement, and a demo may make more tickets.
      for (let at = 0; at < ids.length; at += FACT_CHUNK) {
        const chunk = ids.slice(at, at + FACT_CHUNK);
        rows.push(...((await knex('tickets').whereIn('id', chunk).select('workflow_key', 'channel', 'customer_id', 'vip', 'closed_at', 'fields')) as TicketRow[]));
        const [{ n }] = (await knex('step_log').whereIn('ticket_id', chunk).where('breached', true).count({ n: '*' })) as [{ n: number | string }];
        breaches += Number(n);
        const kinds = (await knex('notifications').whereIn('ticket_id', chunk).select('kind').count({ n: '*' }).groupBy('kind')) as Array<{
          kind: string;
          n: number | string;
        }>;
        for (const kind of kinds) notifications.set(kind.kind, (notifications.get(kind.kind) ?? 0) + Number(kind.n));
      }
      return {
        tickets: rows.map((row) => ({
          workflowKey: row.workflow_key,
          channel: row.channel,
          customerId: row.customer_id,
          vip: Boolean(row.vip),
          closed: row.closed_at !== null,
          fields: JSON.parse(row.fields) as Record<string, unknown>,
        })),
        breaches,
        notifications,
      };
    },

    async withRelaxedSync(restore, work) {
      // SQLite runs on one pooled connection, so the pragma applies to every write meanwhile.
      await knex.raw('PRAGMA synchronous = NORMAL');
      try {
        await work();
      } finally {
        await knex.raw(`PRAGMA synchronous = ${restore}`);
        await knex.raw('PRAGMA wal_checkpoint(PASSIVE)');
      }
    },
  };
}
