import { changesOf, rowsOf, type Database, type Transaction } from '../database.js';
import { ConflictError } from '../../shared/errors.js';
import type { Locale } from '../../shared/i18n.js';
import type { ClaimedSubscription, NewSubscription, ReportFinish, ReportFrequency, ReportStart, StoredReport, Subscription } from './model.js';

/** What `start` found: the report to fill, a complete one for that period already, or the claim gone to another run. */
export type StartOutcome = { kind: 'started'; reportId: number } | { kind: 'exists' } | { kind: 'lost' };

/**
 * Report subscriptions, the reports made for them and their workbooks, stored. A run claims due subscriptions
 * with a token and a lease (`claimDue`); every later write of the run names the token and is refused (`lost`,
 * false) once another run has taken the claim over.
 */
export interface ReportRepository {
  createSubscription(subscription: NewSubscription): Promise<Subscription>;
  /** Oldest first. */
  subscriptions(): Promise<Subscription[]>;
  subscription(id: number): Promise<Subscription | undefined>;
  /** Deletes it and any report of it still being written; complete reports stay. False when there was none. */
  deleteSubscription(id: number): Promise<boolean>;
  /**
   * Claims up to `limit` subscriptions due at `now` whose lease is free or lapsed (PostgreSQL skips rows another
   * process has locked): each gets `token` and a lease until `leaseUntil`. Answers them, the most overdue first.
   */
  claimDue(claim: { now: number; token: string; leaseUntil: number; limit: number }): Promise<ClaimedSubscription[]>;
  /** Extends a claim's lease; false when the claim is no longer this token's. */
  renew(subscription: ClaimedSubscription, leaseUntil: number): Promise<boolean>;
  /** A report being written for the claim: any left by an earlier run of the subscription (which died) is deleted. */
  start(start: ReportStart): Promise<StartOutcome>;
  /** Stores a chunk of the report's workbook; refused (`ConflictError`) once the report is not this claim's to write. */
  appendChunk(reportId: number, token: string, seq: number, bytes: Buffer): Promise<void>;
  /** Makes the report ready and moves the subscription on, in one transaction; false (nothing written) when the claim was lost. */
  finish(finish: ReportFinish): Promise<boolean>;
  /** Moves the subscription on without a report (its period has one already); false when the claim was lost. */
  skip(subscription: ClaimedSubscription, nextRunAt: number): Promise<boolean>;
  /** Deletes a report still being written (its run failed). */
  abandon(reportId: number): Promise<void>;
  /** Complete reports, newest first, ids below `before` when given. */
  reports(page: { before?: number; limit: number }): Promise<StoredReport[]>;
  report(id: number): Promise<StoredReport | undefined>;
  /** The workbook's bytes in order, a chunk at a time. */
  chunks(reportId: number): AsyncGenerator<Buffer>;
  /** Deletes the complete reports made before `before`; answers how many. */
  deleteCompletedBefore(before: number): Promise<number>;
  /** When the earliest subscription falls due; undefined when there is none. */
  nextDue(): Promise<number | undefined>;
}

interface SubscriptionRow {
  id: number | string;
  owner: string;
  workflow: string | null;
  frequency: string;
  time_zone: string;
  locale: string;
  next_run_at: number | string;
  created_at: number | string;
}

interface ReportRow {
  id: number | string;
  subscription_id: number | string | null;
  owner: string;
  workflow: string | null;
  frequency: string;
  time_zone: string;
  locale: string;
  period_from: number | string;
  period_to: number | string;
  period_label: string;
  tickets: number | string | null;
  size_bytes: number | string | null;
  created_at: number | string;
  completed_at: number | string | null;
}

// Only the service writes these rows, with checked frequencies and locales.
function subscriptionOf(row: SubscriptionRow): Subscription {
  return {
    id: Number(row.id),
    owner: row.owner,
    workflow: row.workflow,
    frequency: row.frequency as ReportFrequency,
    timeZone: row.time_zone,
    locale: row.locale as Locale,
    nextRunAt: Number(row.next_run_at),
    createdAt: Number(row.created_at),
  };
}

function reportOf(row: ReportRow): StoredReport {
  return {
    id: Number(row.id),
    subscriptionId: row.subscription_id === null ? null : Number(row.subscription_id),
    owner: row.owner,
    workflow: row.workflow,
    frequency: row.frequency as ReportFrequency,
    timeZone: row.time_zone,
    locale: row.locale as Locale,
    period: { from: Number(row.period_from), to: Number(row.period_to), label: row.period_label },
    tickets: Number(row.tickets ?? 0),
    sizeBytes: Number(row.size_bytes ?? 0),
    createdAt: Number(row.created_at),
    completedAt: Number(row.completed_at ?? row.created_at),
  };
}

const SUBSCRIPTION_COLUMNS = 'id, owner, workflow, frequency, time_zone, locale, next_run_at, created_at';
/** Thrown inside `finish` to roll back a report made ready when the subscription's claim turned out lost. */
const LOST = Symbol('lost');

export class KnexReportRepository implements ReportRepository {
  constructor(private readonly db: Database) {}

  async createSubscription(subscription: NewSubscription): Promise<Subscription> {
    const [row] = await this.db.write(
      async (trx) =>
        (await trx('report_subscriptions')
          .insert({
            owner: subscription.owner,
            workflow: subscription.workflow,
            frequency: subscription.frequency,
            time_zone: subscription.timeZone,
            locale: subscription.locale,
            next_run_at: subscription.nextRunAt,
            created_at: subscription.createdAt,
          })
          .returning(SUBSCRIPTION_COLUMNS.split(', '))) as SubscriptionRow[],
    );
    return subscriptionOf(row!);
  }

  async subscriptions(): Promise<Subscription[]> {
    return ((await this.db.knex('report_subscriptions').select(SUBSCRIPTION_COLUMNS.split(', ')).orderBy('id')) as SubscriptionRow[]).map(subscriptionOf);
  }

  async subscription(id: number): Promise<Subscription | undefined> {
    const row = (await this.db.knex('report_subscriptions').select(SUBSCRIPTION_COLUMNS.split(', ')).where({ id }).first()) as SubscriptionRow | undefined;
    return row && subscriptionOf(row);
  }

  deleteSubscription(id: number): Promise<boolean> {
    return this.db.write(async (trx) => {
      await trx('reports').where({ subscription_id: id, status: 'writing' }).delete();
      return (await trx('report_subscriptions').where({ id }).delete()) > 0;
    });
  }

  claimDue({ now, token, leaseUntil, limit }: { now: number; token: string; leaseUntil: number; limit: number }): Promise<ClaimedSubscription[]> {
    const skipLocked = this.db.client === 'pg' ? 'FOR UPDATE SKIP LOCKED' : '';
    return this.db.write(async (trx) => {
      const result = (await trx.raw(
        `UPDATE report_subscriptions SET claim_token = ?, lease_until = ?
          WHERE id IN (SELECT id FROM report_subscriptions
                        WHERE next_run_at <= ? AND (lease_until IS NULL OR lease_until < ?)
                        ORDER BY next_run_at, id LIMIT ? ${skipLocked})
          RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [token, leaseUntil, now, now, limit],
      )) as unknown;
      const claimed = rowsOf<SubscriptionRow>(result).map((row) => ({ ...subscriptionOf(row), token }));
      return claimed.sort((a, b) => a.nextRunAt - b.nextRunAt || a.id - b.id);
    });
  }

  renew(subscription: ClaimedSubscription, leaseUntil: number): Promise<boolean> {
    return this.db.write(
      async (trx) => (await trx('report_subscriptions').where({ id: subscription.id, claim_token: subscription.token }).update({ lease_until: leaseUntil })) > 0,
    );
  }

  start({ subscription, period, createdAt }: ReportStart): Promise<StartOutcome> {
    return this.db.write(async (trx): Promise<StartOutcome> => {
      if (!(await holds(this.db, trx, subscription))) return { kind: 'lost' };
      // A run that died left its report half written; this run makes it again.
      await trx('reports').where({ subscription_id: subscription.id, status: 'writing' }).delete();
      if (await trx('reports').where({ subscription_id: subscription.id, period_from: period.from }).first('id')) return { kind: 'exists' };
      const [row] = (await trx('reports')
        .insert({
          subscription_id: subscription.id,
          owner: subscription.owner,
          workflow: subscription.workflow,
          frequency: subscription.frequency,
          time_zone: subscription.timeZone,
          locale: subscription.locale,
          period_from: period.from,
          period_to: period.to,
          period_label: period.label,
          status: 'writing',
          claim_token: subscription.token,
          created_at: createdAt,
        })
        .returning('id')) as Array<{ id: number | string }>;
      return { kind: 'started', reportId: Number(row!.id) };
    });
  }

  async appendChunk(reportId: number, token: string, seq: number, bytes: Buffer): Promise<void> {
    const stored = await this.db.write(async (trx) => {
      const mine = await this.db.forUpdate(trx('reports').where({ id: reportId, claim_token: token, status: 'writing' }).first('id'));
      if (mine) await trx('report_chunks').insert({ report_id: reportId, seq, bytes });
      return Boolean(mine);
    });
    if (!stored) throw new ConflictError(`report ${reportId} is no longer being written by this run: another process took its claim over`);
  }

  async finish({ reportId, subscription, nextRunAt, tickets, sizeBytes, completedAt }: ReportFinish): Promise<boolean> {
    try {
      return await this.db.write(async (trx) => {
        const ready = await trx('reports')
          .where({ id: reportId, claim_token: subscription.token, status: 'writing' })
          .update({ status: 'ready', tickets, size_bytes: sizeBytes, completed_at: completedAt });
        if (ready === 0 || !(await moveOn(trx, subscription, nextRunAt))) throw LOST;
        return true;
      });
    } catch (error) {
      if (error === LOST) return false;
      throw error;
    }
  }

  skip(subscription: ClaimedSubscription, nextRunAt: number): Promise<boolean> {
    return this.db.write((trx) => moveOn(trx, subscription, nextRunAt));
  }

  async abandon(reportId: number): Promise<void> {
    await this.db.write((trx) => trx('reports').where({ id: reportId, status: 'writing' }).delete());
  }

  async reports({ before, limit }: { before?: number; limit: number }): Promise<StoredReport[]> {
    const query = this.db.knex('reports').where({ status: 'ready' });
    if (before !== undefined) query.andWhere('id', '<', before);
    return ((await query.orderBy('id', 'desc').limit(limit)) as ReportRow[]).map(reportOf);
  }

  async report(id: number): Promise<StoredReport | undefined> {
    const row = (await this.db.knex('reports').where({ id, status: 'ready' }).first()) as ReportRow | undefined;
    return row && reportOf(row);
  }

  async *chunks(reportId: number): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const row = (await this.db.knex('report_chunks').where({ report_id: reportId, seq }).first('bytes')) as { bytes: Buffer } | undefined;
      if (!row) return;
      yield row.bytes;
    }
  }

  deleteCompletedBefore(before: number): Promise<number> {
    return this.db.write(async (trx) => changesOf(await trx.raw(`DELETE FROM reports WHERE status = 'ready' AND completed_at < ?`, [before])));
  }

  async nextDue(): Promise<number | undefined> {
    const next = (await this.db.knex('report_subscriptions').min({ due: 'next_run_at' }).first()) as { due: number | string | null } | undefined;
    return next?.due === null || next?.due === undefined ? undefined : Number(next.due);
  }
}

/** True when the subscription still exists and the claim is still this run's; the row is locked for the rest of the transaction. */
async function holds(db: Database, trx: Transaction, subscription: ClaimedSubscription): Promise<boolean> {
  return Boolean(await db.forUpdate(trx('report_subscriptions').where({ id: subscription.id, claim_token: subscription.token }).first('id')));
}

async function moveOn(trx: Transaction, subscription: ClaimedSubscription, nextRunAt: number): Promise<boolean> {
  const moved = await trx('report_subscriptions')
    .where({ id: subscription.id, claim_token: subscription.token })
    .update({ next_run_at: nextRunAt, claim_token: null, lease_until: null });
  return moved > 0;
}
