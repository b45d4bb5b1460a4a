import type { Clock } from '../../shared/clock.js';
import type { Audience, NotificationRow, NotificationsReadModel } from '../../data/read-models/notifications.query.js';
import type { Role } from '../users/users.js';

export type { NotificationRow } from '../../data/read-models/notifications.query.js';

/** Who reads notifications: a signed-in user, by id and email. */
export interface Reader {
  id: number;
  email: string;
}

/** Who looks at a ticket's timeline: a reader with a role. */
export interface Viewer extends Reader {
  role: Role;
}

/** Who takes on which lanes (the users service). */
export interface LaneDirectory {
  /** Every user's lanes, by user id. */
  lanes(): Promise<Map<number, string[]>>;
  lanesOf(userId: number): Promise<string[]>;
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
    private readonly people: LaneDirectory,
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

  /**
   * The reminders and escalations of one ticket the viewer may see, in the order they went out: its page's
   * timeline. Managers and admins (who lead the lanes) see them all. An agent sees those to no one, those
   * to them by email (not another person's), and those to a lane they take on, or to a lane nobody takes on
   * (so that it goes unseen by no one): the same rule as their notifications list.
   */
  async ofTicket(ticketId: number, viewer: Viewer): Promise<NotificationRow[]> {
    const rows = await this.notifications.ofTicket(ticketId);
    if (viewer.role === 'admin' || viewer.role === 'manager') return rows;
    const toLanes = rows.some((row) => row.recipient !== null && !isEmail(row.recipient));
    const [own, held] = toLanes ? await Promise.all([this.people.lanesOf(viewer.id), this.people.lanes()]) : [[], new Map<number, string[]>()];
    const mine = new Set(own);
    const taken = new Set([...held.values()].flat());
    return rows.filter(({ recipient }) => {
      if (recipient === null) return true;
      if (isEmail(recipient)) return recipient === viewer.email;
      return mine.has(recipient) || !taken.has(recipient);
    });
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

/** Reminders go to a person by email or to a lane by its name; a lane's name has no @ (as the read model tells them apart). */
function isEmail(recipient: string): boolean {
  return recipient.includes('@');
}

function audienceOf(reader: Reader): Audience {
  return { userId: reader.id, email: reader.email };
}
