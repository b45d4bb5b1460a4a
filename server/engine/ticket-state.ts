// The engine's vocabulary of a ticket: what it stores, what one call returns, what a caller passes in.
import type { ResolutionClock } from './resolution-clock.js';
import type { BusinessTime } from './time/business-calendar.js';
import type { StepInstance } from './workflow-activities.js';

export type { ResolutionClock } from './resolution-clock.js';

/** A step the ticket is in now. */
export interface OpenVisit {
  visit: number;
  step: string;
  enteredAt: number;
  slaMs?: number;
  breached: boolean;
  /** Business time of the limit used up to `usedUntil`; set when the limit or calendar changed mid-visit. */
  usedMs?: number;
  usedUntil?: number;
  /** A looping step's visit: which pass or item it is. */
  instance?: StepInstance;
}

/** One row of the step log: a visit that has ended. */
export interface StepVisit {
  visit: number;
  step: string;
  stepName: string;
  enteredAt: number;
  exitedAt: number;
  durationMs: number;
  /** Working time of the visit on the step's calendar (the calendar its limit counted on). */
  businessMs: number;
  actor: string;
  event: string;
  slaMs?: number;
  breached: boolean;
  automatic: boolean;
  /** The values given with the agent's event that ended the visit, as checked (absent when none were given). */
  given?: Record<string, unknown>;
  /** A looping step's visit: which pass or item it was. */
  instance?: StepInstance;
}

export type TimerKind = 'bpmn' | 'sla-warning' | 'sla-breach' | 'ticket-sla-warning' | 'ticket-sla-breach';

export interface PendingTimer {
  /** Unique within the ticket: the key a scheduler claims and fires by. */
  key: string;
  kind: TimerKind;
  dueAt: number;
  armedAt: number;
  occurrence: number;
  timerId?: string;
  step?: string;
  visit?: number;
}

/**
 * `message`: a send step (a throw or message end event) sent `message`, which webhooks that ask for it deliver;
 * `signal`: one raised the signal named `message`, which reaches every ticket waiting for it (`POST /api/signals`).
 */
export type ReminderKind = 'reminder' | 'escalation' | 'sla-warning' | 'sla-breach' | 'ticket-sla-warning' | 'ticket-sla-breach' | 'message' | 'signal';

export interface Reminder {
  kind: ReminderKind;
  at: number;
  to?: string;
  message?: string;
  step?: string;
  timerId?: string;
}

/** Everything the engine needs to continue a ticket; plain JSON. `machine` is XState's persisted snapshot. */
export interface TicketState {
  machine: unknown;
  openVisits: OpenVisit[];
  timers: PendingTimer[];
  seq: number;
  vip: boolean;
  /** The ticket's own business calendar: wins over the workflow's and the VIP calendar, not over a step's own. */
  calendar?: string;
  /**
   * The whole ticket's resolution clock. Absent in snapshots from before it existed: those keep the one
   * `ticket-sla-breach` timer armed at their start, and never pause.
   */
  resolution?: ResolutionClock;
  done: boolean;
  /** The workflows its call activities run, by call path, chosen when it started (`Workflow.linked`). */
  calls?: Record<string, { key: string; version: number }>;
  /** The ids of the signals (`POST /api/signals`) the ticket has received: each one reaches it once. */
  signals?: number[];
}

/** A change to a running ticket that is not a step of its workflow. `calendar: null` drops the override. */
export interface TicketChange {
  vip?: boolean;
  calendar?: string | null;
}

/** What one advance did, for the caller to store in one transaction. */
export interface Advance {
  state: TicketState;
  visitsClosed: StepVisit[];
  visitsOpened: OpenVisit[];
  timersArmed: PendingTimer[];
  timersCancelled: PendingTimer[];
  reminders: Reminder[];
  activeSteps: string[];
  allowedEvents: string[];
  fields: Record<string, unknown>;
  done: boolean;
}

export interface Moment {
  /** Epoch milliseconds, from the caller's clock: the engine never reads the wall clock. */
  now: number;
  actor: string;
}

export interface EngineOptions {
  /** Business calendars by name (`createBusinessTime`); without it every hour counts. */
  businessTime?: BusinessTime;
  /** The wall time the gateway conditions of one call may take together (default `DEFAULT_CONDITION_LIMITS.timeoutMs`). */
  conditionTimeoutMs?: number;
}

export const SYSTEM_ACTOR = 'system';
export const TIMER_ACTOR = 'timer';
