import type { Knex } from 'knex';
import type { Database } from '../../data/database.js';

/**
 * Who a notification is for. The engine addresses reminders and escalations to a step's owner role (a lane
 * of the SOP, such as "技术支持主管 Technical-support lead") or to a person by email. Users are not yet
 * assigned to lanes, so everyone signed in sees the role-addressed ones, plus those sent to their email.
 */
export interface Audience {
  email: string;
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
  readAt: number | null;
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
  read_at: number | null;
}

/** Reminders and escalations (the `notifications` table the ticket runtime writes): read, list, mark read. */
export class NotificationsQuery {
  constructor(private readonly db: Database) {}

  /** Newest first, by keyset (`before`: the last id of the page before). */
  async list(audience: Audience, { unreadOnly, before, limit }: { unreadOnly: boolean; before?: number; limit: number }): Promise<{ rows: NotificationRow[]; next?: number }> {
    const query = this.db
      .knex('notifications as n')
      .join('tickets as t', 't.id', 'n.ticket_id')
      .select('n.id', 'n.ticket_id', 't.subject', 'n.kind', 'n.recipient', 'n.step', 'n.message', 'n.created_at', 'n.read_at')
      .where((q) => forAudience(q, audience))
      .orderBy('n.id', 'desc')
      .limit(limit + 1);
    if (unreadOnly) query.whereNull('n.read_at');
    if (before !== undefined) query.where('n.id', '<', before);
    const rows = ((await query) as Row[]).map(rowOf);
    if (rows.length <= limit) return { rows };
    rows.length = limit;
    return { rows, next: rows[limit - 1]!.id };
  }

  /** Unread notifications for this audience, counted up to `cap`: every page's navigation shows it. */
  async unreadCount(audience: Audience, cap: number): Promise<number> {
    const inner = this.db
      .knex('notifications as n')
      .select(this.db.knex.raw('1'))
      .whereNull('n.read_at')
      .where((q) => forAudience(q, audience))
      .limit(cap);
    const [row] = (await this.db.knex.from(inner.as('u')).count({ n: '*' })) as Array<{ n: number | string }>;
    return Number(row?.n ?? 0);
  }

  /** The reminders and escalations of one ticket, in the order they went out: its page's timeline. */
  async ofTicket(ticketId: number): Promise<NotificationRow[]> {
    const rows = (await this.db
      .knex('notifications')
      .where({ ticket_id: ticketId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .select('id', 'ticket_id', 'kind', 'recipient', 'step', 'message', 'created_at', 'read_at')) as Row[];
    return rows.map(rowOf);
  }

  /** Marks one notification read; false when there is none such for this audience or it was read already. */
  async markRead(audience: Audience, id: number, now: number): Promise<boolean> {
    const changed = await this.db.write((trx) =>
      trx('notifications')
        .where('id', id)
        .whereNull('read_at')
        .where((q) => forAudience(q, audience, ''))
        .update({ read_at: now }),
    );
    return changed > 0;
  }

  /** Marks every unread notification of this audience read; returns how many. */
  async markAllRead(audience: Audience, now: number): Promise<number> {
    return this.db.write((trx) =>
      trx('notifications')
        .whereNull('read_at')
        .where((q) => forAudience(q, audience, ''))
        .update({ read_at: now }),
    );
  }
}

function forAudience(q: Knex.QueryBuilder, audience: Audience, alias = 'n.'): void {
  const recipient = `${alias}recipient`;
  q.where(recipient, audience.email).orWhereNull(recipient).orWhere(recipient, 'not like', '%@%');
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
    readAt: row.read_at === null ? null : Number(row.read_at),
  };
}
