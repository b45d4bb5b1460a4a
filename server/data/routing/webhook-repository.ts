import type { Knex } from 'knex';
import { rowsOf, type Database } from '../database.js';

export type WebhookFormat = 'json' | 'wecom' | 'dingtalk' | 'slack';

export interface Webhook {
  id: number;
  url: string;
  format: WebhookFormat;
  events: string[];
  hasSecret: boolean;
  active: boolean;
  lastError: string | null;
  lastErrorAt: number | null;
  createdBy: string;
  createdAt: number;
}

export interface DeliveryView {
  id: number;
  notificationId: number;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAt: number;
  lastError: string | null;
  sentAt: number | null;
  log: Array<{ at: number; statusCode: number | null; error: string | null; durationMs: number }>;
}

/** A claimed delivery with what its message is made of. */
export interface ClaimedDelivery {
  id: number;
  attempts: number;
  webhook: { id: number; url: string; format: WebhookFormat; secret: string | null };
  event: { id: number; kind: string; ticketId: number; subject: string; workflow: string; recipient: string | null; step: string | null; message: string | null; createdAt: number };
}

export type DeliveryOutcome =
  | { kind: 'sent'; statusCode: number }
  | { kind: 'retry'; nextAt: number; statusCode: number | null; error: string }
  | { kind: 'failed'; statusCode: number | null; error: string };

interface WebhookRow {
  id: number;
  url: string;
  format: string;
  events_json: string;
  secret: string | null;
  active: boolean | number;
  last_error: string | null;
  last_error_at: number | string | null;
  created_by: string;
  created_at: number | string;
}

function webhookOf(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    format: r.format as WebhookFormat,
    events: JSON.parse(r.events_json) as string[],
    hasSecret: r.secret !== null,
    active: r.active === true || Number(r.active) === 1,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at === null ? null : Number(r.last_error_at),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}

/**
 * Webhooks and their deliveries. The outbox is the `notifications` table, written in each event's own
 * transaction; `enqueue` turns the rows after a webhook's cursor into delivery rows (one per webhook and
 * notification: a unique key, so two processes enqueueing together make one), and `claim` leases due
 * deliveries so that one process at a time sends each.
 */
export class WebhookRepository {
  constructor(private readonly db: Database) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  create(hook: { url: string; format: WebhookFormat; events: string[]; secret: string | null; createdBy: string; createdAt: number }): Promise<Webhook> {
    return this.db.write(async (trx) => {
      // Only events from now on: a new webhook is not flooded with the past.
      const [top] = (await trx('notifications').max('id as max')) as Array<{ max: number | string | null }>;
      const [row] = (await trx('webhooks')
        .insert({
          url: hook.url,
          format: hook.format,
          events_json: JSON.stringify(hook.events),
          secret: hook.secret,
          cursor: Number(top?.max ?? 0),
          created_by: hook.createdBy,
          created_at: hook.createdAt,
        })
        .returning('*')) as WebhookRow[];
      return webhookOf(row!);
    });
  }

  async list(): Promise<Webhook[]> {
    return ((await this.knex('webhooks').orderBy('id')) as WebhookRow[]).map(webhookOf);
  }

  async get(id: number): Promise<Webhook | undefined> {
    const [row] = (await this.knex('webhooks').where('id', id)) as WebhookRow[];
    return row && webhookOf(row);
  }

  remove(id: number): Promise<boolean> {
    return this.db.write(async (trx) => (await trx('webhooks').where('id', id).delete()) > 0);
  }

  async deliveries(webhookId: number, limit: number): Promise<DeliveryView[]> {
    const rows = (await this.knex('webhook_deliveries').where('webhook_id', webhookId).orderBy('id', 'desc').limit(limit)) as Array<{
      id: number | string;
      notification_id: number | string;
      status: DeliveryView['status'];
      attempts: number;
      next_at: number | string;
      last_error: string | null;
      sent_at: number | string | null;
    }>;
    const ids = rows.map((r) => Number(r.id));
    const attempts = ids.length
      ? ((await this.knex('webhook_attempts').whereIn('delivery_id', ids).orderBy('id')) as Array<{
          delivery_id: number | string;
          at: number | string;
          status_code: number | null;
          error: string | null;
          duration_ms: number;
        }>)
      : [];
    return rows.map((r) => ({
      id: Number(r.id),
      notificationId: Number(r.notification_id),
      status: r.status,
      attempts: r.attempts,
      nextAt: Number(r.next_at),
      lastError: r.last_error,
      sentAt: r.sent_at === null ? null : Number(r.sent_at),
      log: attempts
        .filter((a) => Number(a.delivery_id) === Number(r.id))
        .map((a) => ({ at: Number(a.at), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
    }));
  }

  /** Turns new notifications into deliveries for each active webhook that wants their kind; how many were made. */
  async enqueue(now: number, batch: number): Promise<number> {
    let made = 0;
    for (const hook of (await this.knex('webhooks').where('active', true).select('id', 'events_json', 'cursor')) as Array<{
      id: number;
      events_json: string;
      cursor: number | string;
    }>) {
      const cursor = Number(hook.cursor);
      const events = JSON.parse(hook.events_json) as string[];
      made += await this.db.write(async (trx) => {
        const rows = (await trx('notifications').where('id', '>', cursor).orderBy('id').limit(batch).select('id', 'kind', 'message')) as Array<{
          id: number | string;
          kind: string;
          message: string | null;
        }>;
        if (!rows.length) return 0;
        // A send step's message goes to the webhooks that ask for every message or for that one.
        const wanted = rows.filter((r) => events.includes(r.kind) || (r.kind === 'message' && events.includes(`message:${r.message}`)));
        if (wanted.length)
          await trx('webhook_deliveries')
            .insert(wanted.map((r) => ({ webhook_id: hook.id, notification_id: Number(r.id), status: 'pending', next_at: now })))
            .onConflict(['webhook_id', 'notification_id'])
            .ignore();
        await trx('webhooks').where('id', hook.id).where('cursor', '<', Number(rows[rows.length - 1]!.id)).update({ cursor: Number(rows[rows.length - 1]!.id) });
        return wanted.length;
      });
    }
    return made;
  }

  /** Leases up to `limit` due deliveries to `owner` until `leaseUntil`: no other process sends them meanwhile. */
  async claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    const skipLocked = this.db.client === 'pg' ? ' FOR UPDATE SKIP LOCKED' : '';
    const claimed = await this.db.write(async (trx) =>
      rowsOf<{ id: number | string }>(
        await trx.raw(
          `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at, id LIMIT ?${skipLocked}) RETURNING id`,
          [owner, leaseUntil, now, now, limit],
        ),
      ).map((r) => Number(r.id)),
    );
    if (!claimed.length) return [];
    const rows = (await this.knex('webhook_deliveries as d')
      .join('webhooks as w', 'w.id', 'd.webhook_id')
      .join('notifications as n', 'n.id', 'd.notification_id')
      .join('tickets as t', 't.id', 'n.ticket_id')
      .whereIn('d.id', claimed)
      .orderBy('d.id')
      .select(
        'd.id',
        'd.attempts',
        'w.id as webhook_id',
        'w.url',
        'w.format',
        'w.secret',
        'n.id as event_id',
        'n.kind',
        'n.ticket_id',
        't.subject',
        't.workflow_key',
        'n.recipient',
        'n.step',
        'n.message',
        'n.created_at',
      )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: Number(r.id),
      attempts: Number(r.attempts),
      webhook: { id: Number(r.webhook_id), url: String(r.url), format: r.format as WebhookFormat, secret: (r.secret as string | null) ?? null },
      event: {
        id: Number(r.event_id),
        kind: String(r.kind),
        ticketId: Number(r.ticket_id),
        subject: String(r.subject),
        workflow: String(r.workflow_key),
        recipient: (r.recipient as string | null) ?? null,
        step: (r.step as string | null) ?? null,
        message: (r.message as string | null) ?? null,
        createdAt: Number(r.created_at),
      },
    }));
  }

  /** Logs the attempt and settles the delivery, only while `owner` still holds its lease. */
  finish(delivery: ClaimedDelivery, owner: string, now: number, durationMs: number, outcome: DeliveryOutcome): Promise<void> {
    return this.db.write(async (trx) => {
      const error = outcome.kind === 'sent' ? null : outcome.error.slice(0, 2000);
      const set =
        outcome.kind === 'sent'
          ? { status: 'sent', sent_at: now, last_error: null }
          : outcome.kind === 'retry'
            ? { status: 'pending', next_at: outcome.nextAt, last_error: error }
            : { status: 'failed', last_error: error };
      const held = await trx('webhook_deliveries')
        .where({ id: delivery.id, lease_owner: owner })
        .update({ ...set, attempts: trx.raw('?? + 1', ['attempts']), lease_owner: null, lease_until: null });
      if (!held) return;
      await trx('webhook_attempts').insert({ delivery_id: delivery.id, at: now, status_code: outcome.statusCode, error, duration_ms: durationMs });
      if (error !== null) await trx('webhooks').where('id', delivery.webhook.id).update({ last_error: error, last_error_at: now });
    });
  }
}
