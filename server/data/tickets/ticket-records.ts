import type { TicketState } from '../../engine/ticket-engine.js';
import type { StepInstance } from '../../engine/workflow.js';
import type { Classification } from '../routing/routing-records.js';

/** The types the ticket repository speaks: rows mapped to these in `ticket-rows.ts`, nowhere else. */

export interface Customer {
  id: number;
  name: string;
  externalId?: string;
}

/** A ticket as stored, its snapshot parsed. */
export interface TicketRecord {
  id: number;
  /** The id of the workflow version the ticket runs on. */
  workflowVersionId: number;
  workflowKey: string;
  channel: string;
  subject: string;
  customer: Customer;
  fields: Record<string, unknown>;
  state: TicketState;
  revision: number;
  /** Counts every stored change (reminders too); a change names the one it was computed from. */
  rowVersion: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  createdBy: string;
  /** Its KPI facts, kept by every write (issue 15). */
  facts: TicketFacts;
}

/**
 * A ticket's KPI facts, columns of its row changed by the same write as the ticket (`services/tickets/
 * ticket-facts.ts` computes them). Durations are business time; null where not known (yet).
 */
export interface TicketFacts {
  firstResponseAt: number | null;
  firstResponseMs: number | null;
  firstAgent: string | null;
  lastAgent: string | null;
  agents: string[];
  /** Null on tickets from before the facts were kept: their sums are unknown. */
  handleMs: number | null;
  waitingMs: number | null;
  resolutionMs: number | null;
  resolutionSlaMs: number | null;
  reopenings: number;
  escalations: number;
  warnings: number;
  stepBreaches: number;
  resolutionBreached: boolean;
  csat: number | null;
  complaint: boolean;
  abandoned: boolean;
  fcr: boolean | null;
  fcrAt: number | null;
  /** Step ids entered, in order, comma-separated; null on tickets from before. */
  path: string | null;
}

/** What a change sets on the ticket's row. */
export interface TicketColumns {
  level: string | null;
  vip: boolean;
  fields: Record<string, unknown>;
  state: TicketState;
  revision: number;
  dueAt: number | null;
  updatedAt: number;
  closedAt: number | null;
  facts: TicketFacts;
}

export interface StepLogEntry {
  visit: number;
  step: string;
  stepName: string;
  owner?: string;
  enteredAt: number;
  exitedAt?: number;
  durationMs?: number;
  actor?: string;
  event?: string;
  slaMs?: number;
  breached: boolean;
  automatic: boolean;
  /** Working time of a closed visit on its step's calendar. */
  businessMs?: number;
  /** The step waits on the customer. */
  waiting?: boolean;
  /** The person who closed the visit: not a timer, the system or an abandonment. */
  agent?: string;
  /** A visit looping back to a step already visited: the step it came from. */
  reworkFrom?: string;
  /** The values given with the event that ended the visit (stored; read only by a migration's replay). */
  fields?: Record<string, unknown>;
  /** A looping step's visit: which pass or item it is. */
  instance?: StepInstance;
}

export interface PendingTimerView {
  key: string;
  kind: string;
  dueAt: number;
  step?: string;
  timerId?: string;
}

/** A timer armed, or cancelled (`cancelledAt`), by a change. */
export interface TimerWrite {
  key: string;
  kind: string;
  step?: string;
  timerId?: string;
  visit?: number;
  dueAt: number;
  armedAt: number;
  cancelledAt: number | null;
  /** Armed claimed by this scheduler instance for good: a simulation's timers, fired only on its own clock. */
  reservedFor?: string;
}

export interface NotificationWrite {
  kind: string;
  recipient?: string;
  step?: string;
  message?: string;
  createdAt: number;
}

/** The rows a change adds or updates beside the ticket: step-log visits, timers, notifications. */
export interface TicketEffects {
  stepLog: StepLogEntry[];
  timers: TimerWrite[];
  notifications: NotificationWrite[];
  /** The signals this change delivered (`signal_deliveries`: what a signal's progress counts). */
  signals?: number[];
  /** The names of the signals this change raised (a signal throw or end event): rows of `signals`, raised by the ticket. */
  raised?: string[];
}

export interface NewTicketRecord {
  workflowVersionId: number;
  workflowKey: string;
  /** The version number of that workflow version. */
  version: number;
  channel: string;
  subject: string;
  customer: { name: string; externalId?: string };
  createdBy: string;
  createdAt: number;
  columns: TicketColumns;
}

/** One unit of the ticket write path: a new ticket, or a change computed from `expectedRowVersion`. */
export type TicketWrite =
  | {
      kind: 'create';
      ticket: NewTicketRecord;
      effects: TicketEffects;
      /** What routing's rules set on the new ticket: stored in the ticket's own transaction (none: no row). */
      classification?: Classification;
    }
  | { kind: 'change'; ticketId: number; expectedRowVersion: number; columns: TicketColumns; effects: TicketEffects; firedTimerIds: readonly number[] };

/** `stale`: the ticket changed since it was read; nothing was written, read it again and recompute. */
export type TicketWriteResult = { kind: 'created'; id: number; customer: Customer } | { kind: 'changed'; rowVersion: number } | { kind: 'stale' };

export interface TicketQuery {
  /** 'open', 'closed', or a step id the ticket waits in. */
  state?: string;
  owner?: string;
  workflow?: string;
  customer?: number;
  limit?: number;
  /** Where the page starts: just after this ticket in the list's order (open first, VIP first, nearest due, id). */
  after?: TicketCursor;
}

/** A ticket's place in the list's order: the keyset a page continues from. */
export interface TicketCursor {
  closed: boolean;
  vip: boolean;
  dueAt: number | null;
  id: number;
}

/** A claimed timer, as the scheduler hands it over to be fired. */
export interface DueTimer {
  id: number;
  ticketId: number;
  key: string;
  dueAt: number;
}
