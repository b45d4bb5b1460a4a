import type { Clock } from './clock.js';

/** What a `PollingLoop` runs: one round of due work, and when the next thing falls due. */
export interface PolledWork {
  /** Does what is due now; its errors go to `onError` and the loop goes on. */
  round(): Promise<unknown>;
  /** When the next piece of work falls due (epoch ms), or undefined when nothing is pending. */
  nextDue(): Promise<number | undefined>;
}

/**
 * Runs `work` in rounds until stopped: after each round it sleeps until the next due instant, but never longer
 * than `intervalMs` (other processes schedule work too), and after a failure it tries again an interval later.
 * The durable schedulers (ticket timers, scheduled reports) each run one.
 */
export class PollingLoop {
  private timeout: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private inRound = false;

  constructor(
    private readonly work: PolledWork,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly onError?: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.wake(0);
  }

  /** New work now (a signal just raised): a sleep ends at once; a round in progress looks for the next due after it anyway. */
  poke(): void {
    if (this.stopped || this.inRound) return;
    clearTimeout(this.timeout);
    this.wake(0);
  }

  /** Stops sleeping and waits for the round in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timeout);
    await this.running;
  }

  private wake(delayMs: number): void {
    if (this.stopped) return;
    this.timeout = setTimeout(() => {
      this.inRound = true;
      this.running = this.work
        .round()
        .catch((error: unknown) => this.onError?.(error))
        .then(() => this.nextDelay())
        .then(
          (delay) => {
            this.inRound = false;
            this.wake(delay);
          },
          (error: unknown) => {
            this.inRound = false;
            this.onError?.(error);
            this.wake(this.intervalMs);
          },
        );
    }, delayMs);
  }

  private async nextDelay(): Promise<number> {
    const due = await this.work.nextDue();
    if (due === undefined) return this.intervalMs;
    return Math.max(0, Math.min(this.intervalMs, due - this.clock.now()));
  }
}
