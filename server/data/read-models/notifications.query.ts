import type { Knex } from 'knex';
import type { Database } from '../database.js';

/**
 * Who a notification is for. The engine addresses reminders and escalations to a step's owner role (a lane
 * of the SOP, such as "技术支持主管 Technical-support lead") or to a person by email. A user sees those sent to
 * their email and those sent to the lanes an admin assigned them to. Those of lanes nobody is assigned to,
 * and those addressed to no one, go to the leads (managers and admins), so that nothing goes unseen;
 * except the messages send steps sent (kind `message`), which went to the customer.
 */
export interface Audience {
  userId: number;
  email: string;
  /** A manager or admin: also sees what nobody owns. */
  leads: boolean;
}

export interface NotificationRow {
  id: number;
  ticketId: number;
  subject: string;
  kind: string;
  recipient: string | null;
  step: string | null;
  message: string | null;
  createdAt: number;
}

interface Row {
  id: number | string;
  ticket_id: number | string;
  subject?: string;
  kind: string;
  recipient: string | null;
  step: string | null;
  message: string | null;
  created_at: number;
  read_at?: number | null;
}

/**
 * Reminders and escalations (the `notifications` table the ticket runtime writes): list, count and mark
 * read, each reader on their own (a reminder to a lane is read by each of its members separately).
 */
export interface NotificationsReadModel {
  /** Newest first, by keyset (`before`: the last id of the page before). */
  list(audience: Audience, page: { unreadOnly: boolean; before?: number; limit: number }): Promise<{ rows: Array<NotificationRow & { unread: boolean }>; next?: number }>;
  /** Unread notifications for this audience, counted up to `cap`. */
  unreadCount(audience: Audience, cap: number): Promise<number>;
  /** The reminders and escalations of one ticket, in the order they went out. */
  ofTicket(ticketId: number): Promise<NotificationRow[]>;
  /** Marks one notification read for this reader; false when it is not theirs to see or was read already. */
  markRead(audience: Audience, id: number, now: number): Promise<boolean>;
  /** Marks everything this reader can see read; returns how many were unread. */
  markAllRead(audience: Audience): Promise<number>;
}

/** The notifications read model on knex; marking read goes through the database's write queue. */
export class KnexNotificationsReadModel implements NotificationsReadModel {
  constructor(private readonly db: Database) {}

  /** Newest first, by keyset (`before`: the last id of the page before). */
  async list(
    audience: Audience,
    { unreadOnly, before, limit }: { unreadOnly: boolean; before?: number; limit: number },
  ): Promise<{ rows: Array<NotificationRow & { unread: boolean }>; next?: number }> {
    const knex = this.db.knex;
    const readThrough = await this.readThrough(audience);
    const query = knex('notifications as n')
      .join('tickets as t', 't.id', 'n.ticket_id')
      .leftJoin('notification_reads as r', (on) => on.on('r.notification_id', 'n.id').andOn('r.user_id', knex.raw('?', [audience.userId])))
      .select('n.id', 'n.ticket_id', 't.subject', 'n.kind', 'n.recipient', 'n.step', 'n.message', 'n.created_at', 'r.read_at')
      .where((q) => this.forAudience(q, audience))
      .orderBy('n.id', 'desc')
      .limit(limit + 1);
    if (unreadOnly) query.where('n.id', '>', readThrough).whereNull('r.read_at');
    if (before !== undefined) query.where('n.id', '<', before);
    const rows = ((await query) as Row[]).map((row) => ({ ...rowOf(row), unread: Number(row.id) > readThrough && (row.read_at ?? null) === null }));
    if (rows.length <= limit) return { rows };
    rows.length = limit;
    return { rows, next: rows[limit - 1]!.id };
  }

  /**
   * Unread notifications for this audience, counted up to `cap`: every page's navigation shows it. Only ids
   * past the reader's "read through" mark are looked at.
   */
  async unreadCount(audience: Audience, cap: number): Promise<number> {
    const knex = this.db.knex;
    const inner = knex('notifications as n')
      .select(knex.raw('1'))
      .where('n.id', '>', knex('users').select('notifications_read_through').where('id', audience.userId))
      .whereNotExists((q) => {
        q.select(knex.raw('1')).from('notification_reads as r').whereRaw('r.notification_id = n.id').where('r.user_id', audience.userId);
      })
      .where((q) => this.forAudience(q, audience))
      .limit(cap);
    const [row] = (await knex.from(inner.as('u')).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(row?.n ?? 0);
  }

  /** The reminders and escalations of one ticket, in the order they went out: its page's timeline. */
  async ofTicket(ticketId: number): Promise<NotificationRow[]> {
    const rows = (await this.db
      .knex('notifications')
      .where({ ticket_id: ticketId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select('id', 'ticket_id', 'kind', 'recipient', 'step', 'message', 'created_at')) as Row[];
    return rows.map(rowOf);
  }

  /** Marks one notification read for this reader; false when it is not theirs to see or was read already. */
  async markRead(audience: Audience, id: number, now: number): Promise<boolean> {
    return this.db.write(async (trx) => {
      const readThrough = await this.readThrough(audience, trx);
      if (id <= readThrough) return false;
      const visible = await trx('notifications as n')
        .where('n.id', id)
        .where((q) => this.forAudience(q, audience))
        .first('n.id');
      if (!visible) return false;
      const inserted = (await trx('notification_reads').insert({ notification_id: id, user_id: audience.userId, read_at: now }).onConflict(['user_id', 'notification_id']).ignore().returning('notification_id')) as unknown[];
      return inserted.length > 0;
    });
  }

  /**
   * Marks everything this reader can see read, by moving their "read through" mark to the newest
   * notification (their single reads below it are no longer needed); returns how many were unread.
   */
  async markAllRead(audience: Audience): Promise<number> {
    const unread = await this.unreadCount(audience, Number.MAX_SAFE_INTEGER);
    await this.db.write(async (trx) => {
      const [newest] = (await trx('notifications').max({ id: 'id' })) as Array<{ id: number | string | null }>;
      const through = Number(newest?.id ?? 0);
      await trx('users').where({ id: audience.userId }).update({ notifications_read_through: through });
      await trx('notification_reads').where({ user_id: audience.userId }).andWhere('notification_id', '<=', through).delete();
    });
    return unread;
  }

  private async readThrough(audience: Audience, trx: Knex = this.db.knex): Promise<number> {
    const row = (await trx('users').where({ id: audience.userId }).first('notifications_read_through')) as { notifications_read_through: number | string } | undefined;
    return Number(row?.notifications_read_through ?? 0);
  }

  private forAudience(q: Knex.QueryBuilder, audience: Audience): void {
    const knex = this.db.knex;
    q.where('n.recipient', audience.email).orWhereIn('n.recipient', knex('user_lanes').select('lane').where('user_id', audience.userId));
    if (!audience.leads) return;
    // What a send step sent (`message`) went out of the house, to the customer or a webhook: nobody's to read.
    q.orWhere((nobody) => {
      nobody.whereNull('n.recipient').whereNot('n.kind', 'message');
    }).orWhere((unassigned) => {
      unassigned.where('n.recipient', 'not like', '%@%').whereNotExists((lanes) => {
        lanes.select(knex.raw('1')).from('user_lanes as l').whereRaw('l.lane = n.recipient');
      });
    });
  }
}

function rowOf(row: Row): NotificationRow {
  return {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    subject: row.subject ?? '',
    kind: row.kind,
    recipient: row.recipient,
    step: row.step,
    message: row.message,
    createdAt: Number(row.created_at),
  };
}
