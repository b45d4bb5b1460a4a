import type { Knex } from 'knex';

interface Job {
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for SQLite's single writer. Writes that arrive while a commit is in progress wait and then
 * share the next transaction, each inside its own savepoint: one failing job rolls back alone, and every
 * caller is answered only after the commit that holds its work. With `synchronous=FULL` this turns one
 * fsync per write into one per batch.
 */
export class WriteQueue {
  private waiting: Job[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly maxBatch = 256,
  ) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves when every write queued so far has been committed or refused. */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      if (batch.length === 1) await this.runAlone(batch[0]!);
      else await this.runTogether(batch);
    }
    this.running = undefined;
  }

  private async runAlone(job: Job): Promise<void> {
    try {
      job.resolve(await this.knex.transaction(job.work));
    } catch (error) {
      job.reject(error);
    }
  }

  private async runTogether(batch: Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.knex.transaction(async (trx) => {
        for (const job of batch) {
          try {
            outcomes.push({ ok: true, value: await trx.transaction(job.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
