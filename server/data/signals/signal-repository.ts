import { changesOf, rowsOf, type Database } from '../database.js';

export type SignalStatus = 'delivering' | 'done';

/** A signal and how far it got. */
export interface SignalRecord {
  id: number;
  name: string;
  raisedBy: string;
  raisedAt: number;
  status: SignalStatus;
  /** Tickets it moved so far. */
  delivered: number;
  finishedAt: number | null;
}

/** A signal claimed for delivery: from the ticket after `cursor` up to `upto`, the newest when it was raised. */
export interface ClaimedSignal {
  id: number;
  name: string;
  cursor: number;
  upto: number;
}

interface SignalRow {
  id: number | string;
  name: string;
  raised_by: string;
  raised_at: number | string;
  status: SignalStatus;
  finished_at: number | string | null;
  delivered?: number | string;
}

function recordOf(row: SignalRow): SignalRecord {
  return {
    id: Number(row.id),
    name: row.name,
    raisedBy: row.raised_by,
    raisedAt: Number(row.raised_at),
    status: row.status,
    delivered: Number(row.delivered ?? 0),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/**
 * Signals: raised, claimed with a lease (PostgreSQL skips one another process has locked), moved on batch by
 * batch only by the lease's holder, finished. A lapsed lease is claimed again, from the cursor the last holder
 * stored; tickets it moved after that cursor have the signal in their state already, so none gets it twice.
 */
export class SignalRepository {
  constructor(private readonly db: Database) {}

  raise(signal: { name: string; raisedBy: string; raisedAt: number }): Promise<SignalRecord> {
    return this.db.write(async (trx) => {
      const [top] = (await trx('tickets').max('id as max')) as Array<{ max: number | string | null }>;
      const [row] = (await trx('signals')
        .insert({ name: signal.name, raised_by: signal.raisedBy, raised_at: signal.raisedAt, upto_ticket: Number(top?.max ?? 0) })
        .returning(['id', 'name', 'raised_by', 'raised_at', 'status', 'finished_at'])) as SignalRow[];
      return recordOf(row!);
    });
  }

  async get(id: number): Promise<SignalRecord | undefined> {
    const [row] = (await this.db.knex('signals').where('id', id).select('id', 'name', 'raised_by', 'raised_at', 'status', 'finished_at')) as SignalRow[];
    if (!row) return undefined;
    const [count] = (await this.db.knex('signal_deliveries').where('signal_id', id).count({ delivered: '*' })) as Array<{ delivered: number | string }>;
    return recordOf({ ...row, delivered: count?.delivered ?? 0 });
  }

  /** The oldest signal still delivering that no live lease holds, leased to `owner` until `leaseUntil`. */
  claim(owner: string, now: number, leaseUntil: number): Promise<ClaimedSignal | undefined> {
    const skipLocked = this.db.client === 'pg' ? ' FOR UPDATE SKIP LOCKED' : '';
    return this.db.write(async (trx) => {
      const [row] = rowsOf<{ id: number | string; name: string; cursor: number | string; upto_ticket: number | string }>(
        await trx.raw(
          `UPDATE signals SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM signals WHERE status = 'delivering' AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1${skipLocked}) RETURNING id, name, cursor, upto_ticket`,
          [owner, leaseUntil, now],
        ),
      );
      return row && { id: Number(row.id), name: row.name, cursor: Number(row.cursor), upto: Number(row.upto_ticket) };
    });
  }

  /** The workflow versions of the open tickets after `cursor` up to `upto`. */
  async openVersions(cursor: number, upto: number): Promise<number[]> {
    const rows = (await this.db.knex('tickets').distinct('workflow_id').whereNull('closed_at').where('id', '>', cursor).where('id', '<=', upto)) as Array<{
      workflow_id: number | string;
    }>;
    return rows.map((r) => Number(r.workflow_id));
  }

  /** Up to `limit` open tickets on `versions` after `cursor` up to `upto`, by id. */
  async openTickets(versions: number[], cursor: number, upto: number, limit: number): Promise<number[]> {
    if (!versions.length) return [];
    const rows = (await this.db
      .knex('tickets')
      .whereIn('workflow_id', versions)
      .whereNull('closed_at')
      .where('id', '>', cursor)
      .where('id', '<=', upto)
      .orderBy('id')
      .limit(limit)
      .select('id')) as Array<{ id: number | string }>;
    return rows.map((r) => Number(r.id));
  }

  /** Moves the cursor on and renews the lease, only while `owner` holds it; false when it lapsed to another. */
  advance(id: number, owner: string, cursor: number, leaseUntil: number): Promise<boolean> {
    return this.db.write(async (trx) => (await trx('signals').where({ id, lease_owner: owner }).update({ cursor, lease_until: leaseUntil })) > 0);
  }

  /** Every ticket it was meant for has been looked at. */
  finish(id: number, owner: string, now: number): Promise<boolean> {
    return this.db.write(
      async (trx) =>
        changesOf(
          await trx.raw(`UPDATE signals SET status = 'done', finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?`, [now, id, owner]),
        ) > 0,
    );
  }

  /** When a signal is next to be delivered: now for an unleased one, else when its lease lapses; undefined when none is delivering. */
  async nextDue(): Promise<number | undefined> {
    const rows = (await this.db.knex('signals').where('status', 'delivering').select('raised_at', 'lease_until')) as Array<{
      raised_at: number | string;
      lease_until: number | string | null;
    }>;
    const due = rows.map((r) => Number(r.lease_until ?? r.raised_at));
    return due.length ? Math.min(...due) : undefined;
  }
}
