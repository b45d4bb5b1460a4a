import type { Knex } from 'knex';

interface Job {
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Runs first in every transaction, to take SQLite's write lock up front as BEGIN IMMEDIATE would (knex only
 * issues a deferred BEGIN). A deferred transaction that reads before it writes cannot wait for another
 * process's lock: SQLite refuses its first write at once with SQLITE_BUSY (or SQLITE_BUSY_SNAPSHOT when that
 * process committed meanwhile). Taken as the first statement, the lock is waited for up to busy_timeout.
 * Any write statement takes it, even one that changes no row.
 */
export type TakeWriteLock = (trx: Knex.Transaction) => Promise<unknown>;

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
    private readonly takeWriteLock: TakeWriteLock = () => Promise.resolve(),
    /** Runs a statement without bindings in the transaction (taking and releasing savepoints); `trx.raw` unless told otherwise. */
    private readonly exec: (trx: Knex.Transaction, sql: string) => Promise<unknown> = (trx, sql) => trx.raw(sql) as unknown as Promise<unknown>,
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
    // better-sqlite3 answers every query on the microtask queue, so a whole transaction runs without giving
    // the event loop a turn; this pause lets requests already waiting in sockets join the next batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      if (batch.length === 1) await this.runAlone(batch[0]!);
      else await this.runTogether(batch);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = undefined;
  }

  private async runAlone(job: Job): Promise<void> {
    try {
      job.resolve(
        await this.knex.transaction(async (trx) => {
          await this.takeWriteLock(trx);
          return job.work(trx);
        }),
      );
    } catch (error) {
      job.reject(error);
    }
  }

  private async runTogether(batch: Job[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.knex.transaction(async (trx) => {
        await this.takeWriteLock(trx);
        // Plain savepoints, one at a time under one name: knex's nested transactions cost more than the work.
        for (const job of batch) {
          await this.exec(trx, 'SAVEPOINT job');
          try {
            outcomes.push({ ok: true, value: await job.work(trx) });
          } catch (error) {
            // The rare failure path stays on knex, where its query events show it.
            await trx.raw('ROLLBACK TO SAVEPOINT job');
            outcomes.push({ ok: false, error });
          }
          await this.exec(trx, 'RELEASE SAVEPOINT job');
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
