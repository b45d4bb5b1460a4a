import type { Clock } from '../../shared/clock.js';
import type { QueueCursor, QueueFilter, QueueReadModel, QueueRow } from '../../data/read-models/queue.query.js';
import { activeStepsOf, type ActiveStep } from '../tickets/ticket-views.js';
import { slaStatus, stepLimitStatus, urgencyOf, type LimitStatus, type Urgency } from '../tickets/urgency.js';
import type { WorkflowLibrary } from '../workflows/workflow-library.js';

export type { QueueFilter } from '../../data/read-models/queue.query.js';

/** A ticket as the queue lists it: where it waits and how urgent it is, as of the moment it was read. */
export interface QueueTicket {
  id: number;
  workflow: { key: string; name: string };
  channel: string;
  subject: string;
  customer: { id: number; name: string };
  vip: boolean;
  level?: string;
  steps: ActiveStep[];
  /** The ticket's SLA and its step's limit, as the ticket's own page and the API show them. */
  sla: LimitStatus;
  stepLimit: LimitStatus;
  urgency: Urgency;
  /** What the queue is sorted by: the earliest moment either limit breaches or breached. */
  dueAt?: number;
  createdAt: number;
  closedAt?: number;
  createdBy: string;
}

export interface QueuePage {
  tickets: QueueTicket[];
  /** Where the next page starts, as it travels in a URL; absent on the last page. */
  next?: string;
  /** Whether this is the first page (no cursor, or one that could not be read). */
  first: boolean;
}

/** The agents' queue: tickets most urgent first (VIP, then the nearest limit), filtered, paged by keyset. */
export class TicketQueue {
  constructor(
    private readonly queue: QueueReadModel,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
  ) {}

  /** Up to `limit` tickets from `after` (the `next` of the page before) on. */
  async page(filter: QueueFilter, after: string | undefined, limit: number): Promise<QueuePage> {
    const cursor = decodeCursor(after);
    const { rows, next } = await this.queue.page(filter, cursor, limit);
    const now = this.clock.now();
    const tickets = await Promise.all(rows.map((row) => this.ticketOf(row, now)));
    return { tickets, first: cursor === undefined, ...(next ? { next: encodeCursor(next) } : {}) };
  }

  /** How many tickets match, counted up to `cap`. */
  count(filter: QueueFilter, cap: number): Promise<number> {
    return this.queue.count(filter, cap);
  }

  private async ticketOf(row: QueueRow, now: number): Promise<QueueTicket> {
    const version = await this.workflows.forTicket(row.workflowId, row.state);
    const steps = activeStepsOf(version.workflow, row.state, now);
    const sla = slaStatus(row.state, now);
    const stepLimit = stepLimitStatus(version.workflow, row.state, now);
    const ticket: QueueTicket = {
      id: row.id,
      workflow: { key: row.workflowKey, name: version.name },
      channel: row.channel,
      subject: row.subject,
      customer: { id: row.customerId, name: row.customerName },
      vip: row.vip,
      steps,
      sla,
      stepLimit,
      urgency: urgencyOf(sla, stepLimit),
      createdAt: row.createdAt,
      createdBy: row.createdBy,
    };
    if (row.level !== null) ticket.level = row.level;
    if (row.dueAt !== null) ticket.dueAt = row.dueAt;
    if (row.closedAt !== null) ticket.closedAt = row.closedAt;
    return ticket;
  }
}

/** A cursor as it travels in the queue's URL (`after=2.1732345600000.17`), and back. */
function encodeCursor(cursor: QueueCursor): string {
  return [cursor.run, cursor.at ?? '', cursor.id].join('.');
}

function decodeCursor(text: string | undefined): QueueCursor | undefined {
  const match = text === undefined ? null : /^(\d)\.(\d*)\.(\d+)$/.exec(text);
  if (!match) return undefined;
  return { run: Number(match[1]), id: Number(match[3]), ...(match[2] ? { at: Number(match[2]) } : {}) };
}
