import type { BusinessTime } from './time/business-calendar.js';
import { DEFAULT_WARN_AT, type Workflow } from './workflow.js';

/**
 * The ticket's resolution clock: business time used of the whole ticket's limit. It stops while the ticket
 * only waits on the customer, because a service desk does not count the customer's time against itself.
 * Plain JSON, kept in the ticket's state.
 */
export interface ResolutionClock {
  /** The limit in force: the level's, else the workflow's; a VIP ticket never more than the VIP limit. */
  slaMs?: number;
  /** Business time used up to `runningSince` (while running) or in all (while paused or closed). */
  usedMs: number;
  /** When counting last resumed; absent while paused and after close. */
  runningSince?: number;
  /** The warning / breach of the limit in force went out. */
  warned?: boolean;
  breached?: boolean;
  /** When the breach fell due: how long it is overdue, and where "most urgent first" puts it. */
  breachedAt?: number;
}

/** When a limit's warning and breach fall; each absent when it already went out for this limit. */
export interface LimitTimers {
  warningAt?: number;
  breachAt?: number;
}

/** The resolution limit for a ticket of this VIP flag and level. */
export function resolutionLimit(workflow: Workflow, vip: boolean, level: unknown): number | undefined {
  const byLevel = typeof level === 'string' && workflow.levelSlaMs && Object.hasOwn(workflow.levelSlaMs, level) ? workflow.levelSlaMs[level] : undefined;
  const limit = byLevel ?? workflow.slaMs;
  if (!vip || workflow.vipSlaMs === undefined) return limit;
  // VIP customers are promised their own, shorter limit: a level never lengthens it.
  return Math.min(limit ?? Infinity, workflow.vipSlaMs);
}

/** The calendar the ticket's clock counts on: its own override, else the VIP calendar for VIPs, else the workflow's. */
export function ticketCalendar(workflow: Workflow, ticket: { vip: boolean; calendar?: string }): string | undefined {
  return ticket.calendar ?? (ticket.vip ? workflow.vipCalendar : undefined) ?? workflow.calendar;
}

/**
 * Where a limit's warning and breach fall, counting on from `now` with `usedMs` of it gone. Only the share
 * still ahead is counted, so a limit resumed after a pause or a change of calendar ends where it should.
 * A warning is pointless once the limit is passed: then only the breach is due, at once.
 */
export function limitTimers(
  time: BusinessTime,
  now: number,
  calendar: string | undefined,
  slaMs: number,
  usedMs: number,
  warnAt: number,
  sent: { warned?: boolean; breached?: boolean },
): LimitTimers {
  const timers: LimitTimers = {};
  // Rounded: a share such as 0.7 of a limit is not always a whole millisecond, and instants are stored as integers.
  if (!sent.warned && usedMs < slaMs) timers.warningAt = time.add(now, Math.max(0, Math.round(slaMs * warnAt) - usedMs), calendar);
  if (!sent.breached) timers.breachAt = time.add(now, Math.max(0, slaMs - usedMs), calendar);
  return timers;
}

/**
 * The clock after what it depends on changed (running or paused, limit, calendar), and its new timers;
 * undefined when nothing changed, so the pending timers stand. Time used so far is counted on
 * `calendarBefore`, the calendar in force until now.
 */
export function settleClock(
  clock: ResolutionClock,
  next: { running: boolean; slaMs: number | undefined; calendar: string | undefined },
  calendarBefore: string | undefined,
  now: number,
  time: BusinessTime,
): { clock: ResolutionClock; timers: LimitTimers } | undefined {
  const wasRunning = clock.runningSince !== undefined;
  if (next.running === wasRunning && next.slaMs === clock.slaMs && (!wasRunning || next.calendar === calendarBefore)) return undefined;
  const usedMs = clock.usedMs + (wasRunning ? time.between(clock.runningSince!, now, calendarBefore) : 0);
  const settled: ResolutionClock = { usedMs };
  if (next.running) settled.runningSince = now;
  if (next.slaMs === undefined) return { clock: settled, timers: {} };
  settled.slaMs = next.slaMs;
  // Flags describe the limit in force: after a switch to a longer limit, its warning and breach come again.
  if (clock.warned && usedMs >= next.slaMs * DEFAULT_WARN_AT) settled.warned = true;
  if (clock.breached && usedMs >= next.slaMs) {
    settled.breached = true;
    if (clock.breachedAt !== undefined) settled.breachedAt = clock.breachedAt;
  }
  const timers = next.running ? limitTimers(time, now, next.calendar, next.slaMs, usedMs, DEFAULT_WARN_AT, settled) : {};
  return { clock: settled, timers };
}
