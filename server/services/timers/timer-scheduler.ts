import type { Clock } from '../../shared/clock.js';
import type { TimerRepository } from '../../data/timers/timer-repository.js';
import type { DueTimer, TicketRuntime } from '../tickets/ticket-runtime.js';
import { PollingLoop } from '../../shared/polling-loop.js';

/** Where a timer the engine refuses to fire is recorded (`../incidents/`), rather than retried in a loop. */
export interface IncidentRecorder {
  /** Answers what it recorded, or undefined when the failure is one to retry. */
  recordTimerFailure(timer: DueTimer, error: unknown): Promise<unknown>;
}

export interface SchedulerOptions {
  /** Names this process in `timers.claimed_by`. */
  instance: string;
  /** The longest the scheduler sleeps between looks at the timer table. */
  intervalMs: number;
  /** Timers claimed per round. */
  batchSize?: number;
  /** Transactions firing a round's timers at once (up to FIRE_CHUNK timers each); on SQLite they share commits. */
  concurrency?: number;
  /** A claim older than this is taken to belong to a process that died, and is claimed again. */
  claimTtlMs?: number;
  onError?: (error: unknown) => void;
  /** Records timers the engine refuses to fire as incidents, which hold them; without it they are retried after the claim TTL. */
  incidents?: IncidentRecorder;
}

const DEFAULT_BATCH = 1_000;
/** Timers one transaction fires: the bigger, the fewer statements and commits per timer. */
const FIRE_CHUNK = 250;

export interface TickResult {
  claimed: number;
  fired: number;
  /** How late each fired timer was, in ms (now − due). */
  lateness: number[];
}

/**
 * Fires due timers, once each, however many processes run it on one database. A process claims a batch
 * (PostgreSQL: rows locked with SKIP LOCKED, so schedulers never wait on each other; SQLite: one claiming
 * transaction), then fires it in chunks through the ticket runtime, which marks the timers fired in the
 * same transaction as their effects. Timers that fell due while no server ran are simply due now.
 */
export class TimerScheduler {
  private readonly loop: PollingLoop;

  constructor(
    private readonly timers: TimerRepository,
    private readonly tickets: TicketRuntime,
    private readonly clock: Clock,
    private readonly options: SchedulerOptions,
  ) {
    this.loop = new PollingLoop({ round: () => this.runDue(), nextDue: () => this.timers.nextDue() }, clock, options.intervalMs, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops looking for timers and waits for the round in progress to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Hands the timers reserved for this instance (a simulation's) over to every scheduler; answers how many. */
  release(): Promise<number> {
    return this.timers.release(this.options.instance);
  }

  /** Fires everything due now, round after round; what tests and the demo call on a simulated clock. */
  async runDue(): Promise<TickResult> {
    const total: TickResult = { claimed: 0, fired: 0, lateness: [] };
    for (;;) {
      const round = await this.round();
      total.claimed += round.claimed;
      total.fired += round.fired;
      total.lateness.push(...round.lateness);
      if (round.claimed < (this.options.batchSize ?? DEFAULT_BATCH)) return total;
    }
  }

  private async round(): Promise<TickResult> {
    const claimed = await this.claim();
    const lateness: number[] = [];
    let fired = 0;
    // One ticket's timers go to one chunk, which fires them one after another in due order (an escalation
    // and a breach due at the same instant must not race); chunks hold different tickets and fire side by side.
    const byTicket = new Map<number, DueTimer[]>();
    for (const timer of claimed) byTicket.set(timer.ticketId, [...(byTicket.get(timer.ticketId) ?? []), timer]);
    const chunks: DueTimer[][] = [[]];
    for (const timers of byTicket.values()) {
      if (chunks[chunks.length - 1]!.length >= FIRE_CHUNK) chunks.push([]);
      chunks[chunks.length - 1]!.push(...timers);
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        try {
          const result = await this.tickets.fireTimers(chunk);
          const now = this.clock.now();
          fired += result.fired.length;
          for (const timer of result.fired) lateness.push(now - timer.dueAt);
          for (const { timer, error } of result.failed) await this.failed(timer, error);
        } catch (error) {
          this.options.onError?.(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, chunks.length) }, worker));
    return { claimed: claimed.length, fired, lateness };
  }

  /** An incident when the engine refused the timer; else (or when recording fails) reported, and retried after the claim TTL. */
  private async failed(timer: DueTimer, error: unknown): Promise<void> {
    try {
      if (await this.options.incidents?.recordTimerFailure(timer, error)) return;
    } catch (recording) {
      this.options.onError?.(recording);
    }
    this.options.onError?.(error);
  }

  private claim(): Promise<DueTimer[]> {
    const now = this.clock.now();
    return this.timers.claimDue({
      instance: this.options.instance,
      now,
      staleBefore: now - (this.options.claimTtlMs ?? 60_000),
      limit: this.options.batchSize ?? DEFAULT_BATCH,
    });
  }
}
