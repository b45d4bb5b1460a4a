import type { Clock } from '../../shared/clock.js';
import type { Audience, NotificationRow, NotificationsReadModel } from '../../data/read-models/notifications.query.js';
import type { Role } from '../users/users.js';

export type { NotificationRow } from '../../data/read-models/notifications.query.js';

/** Who reads notifications: a signed-in user, by id, email and role. */
export interface Reader {
  id: number;
  email: string;
  role: Role;
}

/** Who looks at a ticket's timeline. */
export type Viewer = Reader;

/** Who takes on which lanes (the users service). */
export interface LaneDirectory {
  /** Every user's lanes, by user id. */
  lanes(): Promise<Map<number, string[]>>;
  lanesOf(userId: number): Promise<string[]>;
}

/** One notification in a reader's list, whether this reader has seen it, and whether nobody owns it. */
export type InboxEntry = NotificationRow & { unread: boolean; unowned: boolean };

/**
 * Reminders and escalations as people read them: everyone sees those sent to their email and to the lanes
 * they take on; managers and admins (the leads) also see those sent to a lane nobody takes on or to no one,
 * flagged as unowned, so that nothing goes unseen and no agent is flooded with others' reminders.
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
    const taken = leads(reader) ? new Set([...(await this.people.lanes()).values()].flat()) : undefined;
    const entries = rows.map((row) => ({ ...row, unowned: taken !== undefined && isUnowned(row.recipient, taken) }));
    return { entries, ...(next !== undefined ? { next } : {}) };
  }

  /** How many are unread, counted up to `cap` (every page's navigation shows it). */
  unreadCount(reader: Reader, cap: number): Promise<number> {
    return this.notifications.unreadCount(audienceOf(reader), cap);
  }

  /**
   * The reminders and escalations of one ticket the viewer may see, in the order they went out: its page's
   * timeline, part of the ticket's history. Managers and admins (who lead the lanes) see them all. An agent
   * sees those to no one, to them by email (never another person's), and to a lane they take on or that
   * nobody takes on: a role's reminders are the ticket's story; a person's are theirs.
   */
  async ofTicket(ticketId: number, viewer: Viewer): Promise<NotificationRow[]> {
    const rows = await this.notifications.ofTicket(ticketId);
    if (leads(viewer)) return rows;
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

/** Managers and admins lead the lanes: what nobody owns reaches them. */
function leads(reader: Reader): boolean {
  return reader.role === 'manager' || reader.role === 'admin';
}

/** Addressed to no one, or to a lane nobody takes on. */
function isUnowned(recipient: string | null, taken: ReadonlySet<string>): boolean {
  return recipient === null || (!isEmail(recipient) && !taken.has(recipient));
}

function audienceOf(reader: Reader): Audience {
  return { userId: reader.id, email: reader.email, leads: leads(reader) };
}
