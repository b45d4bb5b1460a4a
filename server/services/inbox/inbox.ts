import type { Clock } from '../../shared/clock.js';
import type { Audience, NotificationRow, NotificationsReadModel } from '../../data/read-models/notifications.query.js';

export type { NotificationRow } from '../../data/read-models/notifications.query.js';

/** Who reads notifications: a signed-in user, by id and email. */
export interface Reader {
  id: number;
  email: string;
}

/** One notification in a reader's list, and whether this reader has seen it. */
export type InboxEntry = NotificationRow & { unread: boolean };

/**
 * Reminders and escalations as people read them: a reader sees those sent to their email, to their lanes,
 * to lanes nobody is assigned to, and to no one (the read model holds that rule in its SQL).
 */
export class Inbox {
  constructor(
    private readonly notifications: NotificationsReadModel,
    private readonly clock: Clock,
  ) {}

  /** Newest first, unread only unless `all`; `before` is the `next` of the page before. */
  async list(reader: Reader, { all, ...keyset }: { all: boolean; before?: number; limit: number }): Promise<{ entries: InboxEntry[]; next?: number }> {
    const { rows, next } = await this.notifications.list(audienceOf(reader), { unreadOnly: !all, ...keyset });
    return { entries: rows, ...(next !== undefined ? { next } : {}) };
  }

  /** How many are unread, counted up to `cap` (every page's navigation shows it). */
  unreadCount(reader: Reader, cap: number): Promise<number> {
    return this.notifications.unreadCount(audienceOf(reader), cap);
  }

  /** The reminders and escalations of one ticket, in the order they went out: its page's timeline. */
  ofTicket(ticketId: number): Promise<NotificationRow[]> {
    return this.notifications.ofTicket(ticketId);
  }

  /** False when the notification is not the reader's to see, or was read already. */
  markRead(reader: Reader, id: number): Promise<boolean> {
    return this.notifications.markRead(audienceOf(reader), id, this.clock.now());
  }

  /** Marks everything the reader can see read; returns how many were unread. */
  markAllRead(reader: Reader): Promise<number> {
    return this.notifications.markAllRead(audienceOf(reader));
  }
}

function audienceOf(reader: Reader): Audience {
  return { userId: reader.id, email: reader.email };
}
