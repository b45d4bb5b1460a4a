import type { Clock } from '../clock.js';
import type { Database } from '../data/database.js';
import type { TicketRuntime } from '../tickets/ticket-runtime.js';

export interface SchedulerOptions {
  /** Names this process in `timers.claimed_by`. */
  instance: string;
  /** The longest the scheduler sleeps between looks at the timer table. */
  intervalMs: number;
  /** Timers claimed per round. */
  batchSize?: number;
  /** Timers fired at once; on SQLite they share commits. */
  concurrency?: number;
  /** A claim older than this is taken to belong to a process that died, and is claimed again. */
  claimTtlMs?: number;
  onError?: (error: unknown) => void;
}

interface Claimed {
  id: number;
  ticket_id: number;
  key: string;
  due_at: number;
}

export interface TickResult {
  claimed: number;
  fired: number;
  /** How late each fired timer was, in ms (now − due). */
  lateness: number[];
}

/**
 * Fires due timers, once each, however many processes run it on one database. A process claims a batch
 * (PostgreSQL: rows locked with SKIP LOCKED, so schedulers never wait on each other; SQLite: one claiming
 * transaction), then fires each timer through the ticket runtime, which marks it fired in the same
 * transaction as its effects. Timers that fell due while no server ran are simply due now.
 */
export class TimerScheduler {
  private timeout: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Database,
    private readonly tickets: TicketRuntime,
    private readonly clock: Clock,
    private readonly options: SchedulerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake(0);
  }

  /** Stops looking for timers and waits for the round in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timeout);
    await this.running;
  }

  /** Fires everything due now, round after round; what tests and the demo call on a simulated clock. */
  async runDue(): Promise<TickResult> {
    const total: TickResult = { claimed: 0, fired: 0, lateness: [] };
    for (;;) {
      const round = await this.round();
      total.claimed += round.claimed;
      total.fired += round.fired;
      total.lateness.push(...round.lateness);
      if (round.claimed < (this.options.batchSize ?? 500)) return total;
    }
  }

  private wake(delayMs: number): void {
    if (this.stopped) return;
    this.timeout = setTimeout(() => {
      this.running = this.runDue()
        .catch((error: unknown) => this.options.onError?.(error))
        .then(() => this.nextDelay())
        .then((delay) => this.wake(delay), (error: unknown) => {
          this.options.onError?.(error);
          this.wake(this.options.intervalMs);
        });
    }, delayMs);
  }

  /** Sleeps until the next timer is due, but no longer than the interval (other processes arm timers too). */
  private async nextDelay(): Promise<number> {
    const next = (await this.db.knex('timers').whereNull('fired_at').whereNull('cancelled_at').min({ due: 'due_at' }).first()) as { due: number | null } | undefined;
    if (next?.due === null || next?.due === undefined) return this.options.intervalMs;
    return Math.max(0, Math.min(this.options.intervalMs, Number(next.due) - this.clock.now()));
  }

  private async round(): Promise<TickResult> {
    const claimed = await this.claim();
    const lateness: number[] = [];
    let fired = 0;
    const concurrency = this.options.concurrency ?? 64;
    // One ticket's timers fire one after another in due order (an escalation and a breach due at the same
    // instant must not race); different tickets fire side by side.
    const byTicket = new Map<number, Claimed[]>();
    for (const timer of claimed) byTicket.set(timer.ticket_id, [...(byTicket.get(timer.ticket_id) ?? []), timer]);
    const queues = [...byTicket.values()];
    let next = 0;
    const worker = async () => {
      while (next < queues.length) {
        for (const timer of queues[next++]!) {
          try {
            if (await this.tickets.fireTimer(timer.ticket_id, timer.key)) {
              fired++;
              lateness.push(this.clock.now() - timer.due_at);
            }
          } catch (error) {
            this.options.onError?.(error);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    return { claimed: claimed.length, fired, lateness };
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.clock.now();
    const stale = now - (this.options.claimTtlMs ?? 60_000);
    const limit = this.options.batchSize ?? 500;
    const skipLocked = this.db.client === 'pg' ? 'FOR UPDATE SKIP LOCKED' : '';
    return this.db.write(async (trx) => {
      const result = (await trx.raw(
        `UPDATE timers SET claimed_by = ?, claimed_at = ?
          WHERE id IN (SELECT id FROM timers
                        WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ?
                          AND (claimed_at IS NULL OR claimed_at < ?)
                        ORDER BY due_at LIMIT ? ${skipLocked})
          RETURNING id, ticket_id, key, due_at`,
        [this.options.instance, now, now, stale, limit],
      )) as Claimed[] | { rows: Claimed[] };
      const rows = Array.isArray(result) ? result : result.rows;
      // Arming order breaks ties between timers due at the same instant.
      return rows.sort((a, b) => a.due_at - b.due_at || a.id - b.id);
    });
  }
}
