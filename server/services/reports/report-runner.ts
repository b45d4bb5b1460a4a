import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type { ReportRepository } from '../../data/reports/report-repository.js';
import type { ClaimedSubscription } from '../../data/reports/model.js';
import { runAt } from './periods.js';
import { PollingLoop } from '../../shared/polling-loop.js';

/** Makes the workbook of one report into `store` (chunk by chunk); answers how many tickets it lists. */
export type WriteReport = (
  subscription: ClaimedSubscription,
  period: { from: number; to: number; label: string },
  store: (seq: number, bytes: Buffer) => Promise<void>,
) => Promise<{ tickets: number; sizeBytes: number }>;

export interface RunnerOptions {
  /** The longest the runner sleeps between looks at the schedule. */
  intervalMs: number;
  /** A claim's lease; renewed every third of it while a report is written. */
  leaseMs: number;
  /** Complete reports older than this are deleted. */
  retentionMs: number;
  onError?: (error: unknown) => void;
}

export interface RunResult {
  claimed: number;
  /** Reports made ready by this process. */
  made: number;
}

/** Subscriptions claimed per round: each report is a large piece of work, so a few at a time. */
const BATCH = 5;

/**
 * Runs due report subscriptions, once each, however many processes run it on one database: a round claims
 * due subscriptions with a random token and a lease, writes each one's report (renewing the lease meanwhile)
 * and completes it and moves the subscription on in one transaction, which is refused when another process
 * has taken the claim over. A process that dies mid-report leaves a claim that lapses; the next run deletes
 * the half-written report and makes it again. A subscription due while no server ran is due now, once.
 */
export class ReportRunner {
  private readonly loop: PollingLoop;

  constructor(
    private readonly repository: ReportRepository,
    private readonly write: WriteReport,
    private readonly clock: Clock,
    private readonly options: RunnerOptions,
  ) {
    this.loop = new PollingLoop({ round: () => this.runDue(), nextDue: () => this.repository.nextDue() }, clock, options.intervalMs, options.onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops looking at the schedule and waits for the round in progress to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Deletes expired reports and makes every report due now: what tests call on a manual clock. */
  async runDue(): Promise<RunResult> {
    const total: RunResult = { claimed: 0, made: 0 };
    await this.repository.deleteCompletedBefore(this.clock.now() - this.options.retentionMs);
    for (;;) {
      const now = this.clock.now();
      const token = randomBytes(16).toString('hex');
      const claimed = await this.repository.claimDue({ now, token, leaseUntil: now + this.options.leaseMs, limit: BATCH });
      total.claimed += claimed.length;
      for (const subscription of claimed) {
        try {
          if (await this.run(subscription)) total.made += 1;
        } catch (error) {
          // The claim stays until its lease lapses: the report is tried again then, not in a tight loop.
          this.options.onError?.(error);
        }
      }
      if (claimed.length < BATCH) return total;
    }
  }

  /** One subscription's report; answers whether this run made it. */
  private async run(subscription: ClaimedSubscription): Promise<boolean> {
    const now = this.clock.now();
    const { period, nextRunAt } = runAt(subscription.frequency, now, subscription.timeZone);
    const started = await this.repository.start({ subscription, period, createdAt: now });
    if (started.kind === 'lost') return false;
    if (started.kind === 'exists') {
      await this.repository.skip(subscription, nextRunAt);
      return false;
    }
    const renewal = setInterval(
      () => void this.repository.renew(subscription, this.clock.now() + this.options.leaseMs).catch((error: unknown) => this.options.onError?.(error)),
      Math.max(1000, Math.floor(this.options.leaseMs / 3)),
    );
    try {
      const made = await this.write(subscription, period, (seq, bytes) => this.repository.appendChunk(started.reportId, subscription.token, seq, bytes));
      const finished = await this.repository.finish({ reportId: started.reportId, subscription, nextRunAt, completedAt: this.clock.now(), ...made });
      if (!finished) await this.repository.abandon(started.reportId);
      return finished;
    } catch (error) {
      await this.repository.abandon(started.reportId).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }
}
