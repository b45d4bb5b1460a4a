import type { Advance } from '../../engine/ticket-engine.js';
import type { Classification } from '../../data/routing/routing-records.js';
import type { DueTimer, TicketQuery, TicketRecord } from '../../data/tickets/ticket-records.js';
import type { WorkflowVersion } from '../workflows/workflow-library.js';

// What the ticket use cases take and give (`ticket-runtime.ts`), and the hook routing plugs into.

/** What a list of tickets is asked for: filters, a page size and where the page starts. */
export type TicketListQuery = Omit<TicketQuery, 'after'> & { cursor?: string };

export interface NewTicket {
  workflow: string;
  channel: string;
  subject: string;
  customer: { name: string; externalId?: string };
  vip?: boolean;
  fields?: Record<string, unknown>;
}

export interface TicketEvent {
  type: string;
  fields?: Record<string, unknown>;
  /** The revision the caller saw; a stale one is refused with a conflict and nothing is written. */
  expectedRevision?: number;
  /** The step whose action this is (a page's form): an event of another step is refused, though allowed. */
  step?: string;
  /** The instance of a multi-instance step it finishes (1-based; absent: the first still open). */
  instance?: number;
}

export interface FiredTimers {
  /** The timers this call fired; the others had fired or been cancelled already. */
  fired: DueTimer[];
  /** Timers whose ticket the engine could not move on: left pending (and claimed), with the reason (an incident, for the scheduler). */
  failed: Array<{ timer: DueTimer; error: unknown }>;
}

/**
 * A change the engine computed from one read of the ticket (none: only timers to mark, or with `nothing`, no
 * write at all); `fired` names the timer rows it fires, `signals` the signals it delivers.
 */
export interface Computed {
  moved: Advance | undefined;
  fired?: readonly number[];
  signals?: number[];
  nothing?: true;
}

/**
 * Routing's hook. `classify` is asked before a new ticket is written; its answer is stored in the ticket's own
 * transaction, and when it fails the ticket is not created. `stored` is told of each stored ticket (created or
 * changed) before the caller is answered; it handles its own failures: a ticket's change never fails for it.
 */
export interface TicketListener {
  classify(ticket: TicketIntake): Promise<Classification | undefined>;
  stored(ticket: StoredTicket): Promise<void>;
}

/** What a new ticket is classified on. */
export interface TicketIntake {
  subject: string;
  channel: string;
  vip: boolean;
  fields: Record<string, unknown>;
}

export interface StoredTicket {
  id: number;
  workflow: WorkflowVersion['workflow'];
  state: TicketRecord['state'];
  channel: string;
  subject: string;
  fields: Record<string, unknown>;
  created: boolean;
}
