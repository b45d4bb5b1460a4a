import type { Knex } from 'knex';

/** What became of one unit or job. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Stores units of one kind (say, ticket changes) many at a time: `writeBatch` writes all of them in one
 * transaction and answers one outcome per unit, in order; a unit it refuses (a stale version) is an
 * outcome, not a failure of the batch. When the database fails the whole batch, the queue tries each unit
 * again alone, so one unit cannot fail the others.
 */
export interface BatchWriter<U, R> {
  writeBatch(units: readonly U[]): Promise<Array<Outcome<R>>>;
}

interface WorkJob {
  kind: 'work';
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface UnitJob {
  kind: 'unit';
  writer: BatchWriter<unknown, unknown>;
  unit: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Job = WorkJob | UnitJob;

/**
 * What the queue has committed since it opened: how well writes share commits. Read by the tests (the
 * batching of concurrent advances) and free to read anywhere; counting costs nothing on the hot path.
 */
export interface WriteCounts {
  /** Transactions of batch writers committed (`writeBatch` calls that succeeded, retries of single units included). */
  batches: number;
  /** Units answered in those transactions (a unit refused as stale inside one counts too). */
  units: number;
  /** `writeBatch` calls the database failed (rolled back); their units are retried alone. */
  failedBatches: number;
  /** Transactions of `run` jobs committed through the queue: SQLite only (on PostgreSQL they run at once, beside it). */
  transactions: number;
}

/** Runs first in every knex transaction on SQLite, to take the write lock up front (see database.ts). */
export type TakeWriteLock = (trx: Knex.Transaction) => Promise<unknown>;

/**
 * The one write path. Units submitted while a batch is being stored wait, then go together in the next
 * one: under load one commit serves many writes. On SQLite, which has one writer, the repositories' own
 * transactions (`run`) queue here too and share commits, each inside its own savepoint so one failing job
 * rolls back alone; on PostgreSQL they run at once on pooled connections.
 */
export class WriteQueue {
  private waiting: Job[] = [];
  private readonly running = new Set<Promise<void>>();
  readonly counts: WriteCounts = { batches: 0, units: 0, failedBatches: 0, transactions: 0 };

  constructor(
    private readonly knex: Knex,
    /** Whether knex transactions wait in the queue (SQLite's single writer) or run at once (PostgreSQL). */
    private readonly serialized: boolean,
    private readonly takeWriteLock: TakeWriteLock = () => Promise.resolve(),
    private readonly maxBatch = 256,
    /** Batches stored at once: one on SQLite (one writer); on PostgreSQL several, each on its own pooled connection. */
    private readonly concurrency = serialized ? 1 : 4,
  ) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    if (!this.serialized) return this.knex.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ kind: 'work', work, resolve: resolve as (value: unknown) => void, reject });
      this.startDraining();
    });
  }

  submit<U, R>(writer: BatchWriter<U, R>, unit: U): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ kind: 'unit', writer: writer as BatchWriter<unknown, unknown>, unit, resolve: resolve as (value: unknown) => void, reject });
      this.startDraining();
    });
  }

  /** Resolves when every write queued so far has been committed or refused. */
  async drained(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  private startDraining(): void {
    if (this.running.size >= this.concurrency) return;
    const draining: Promise<void> = this.drain().finally(() => {
      this.running.delete(draining);
      if (this.waiting.length) this.startDraining();
    });
    this.running.add(draining);
  }

  private async drain(): Promise<void> {
    // A pause before each batch lets requests already waiting in sockets join it.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length) {
      const jobs = this.waiting.splice(0, this.maxBatch);
      const byWriter = new Map<BatchWriter<unknown, unknown>, UnitJob[]>();
      const work: WorkJob[] = [];
      for (const job of jobs) {
        if (job.kind === 'work') work.push(job);
        else byWriter.set(job.writer, [...(byWriter.get(job.writer) ?? []), job]);
      }
      for (const [writer, units] of byWriter) await this.writeUnits(writer, units);
      if (work.length === 1) await this.runAlone(work[0]!);
      else if (work.length) await this.runTogether(work);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async writeUnits(writer: BatchWriter<unknown, unknown>, jobs: readonly UnitJob[]): Promise<void> {
    let outcomes: Array<Outcome<unknown>>;
    try {
      outcomes = await this.writeBatch(writer, jobs);
    } catch (error) {
      if (jobs.length === 1) outcomes = [{ ok: false, error }];
      else {
        outcomes = [];
        for (const job of jobs) {
          try {
            outcomes.push((await this.writeBatch(writer, [job]))[0]!);
          } catch (failure) {
            outcomes.push({ ok: false, error: failure });
          }
        }
      }
    }
    settle(jobs, outcomes);
  }

  private async writeBatch(writer: BatchWriter<unknown, unknown>, jobs: readonly UnitJob[]): Promise<Array<Outcome<unknown>>> {
    try {
      const outcomes = await writer.writeBatch(jobs.map((job) => job.unit));
      this.counts.batches += 1;
      this.counts.units += jobs.length;
      return outcomes;
    } catch (error) {
      this.counts.failedBatches += 1;
      throw error;
    }
  }

  private async runAlone(job: WorkJob): Promise<void> {
    try {
      const value = await this.knex.transaction(async (trx) => {
        await this.takeWriteLock(trx);
        return job.work(trx);
      });
      this.counts.transactions += 1;
      job.resolve(value);
    } catch (error) {
      job.reject(error);
    }
  }

  private async runTogether(batch: readonly WorkJob[]): Promise<void> {
    const outcomes: Array<Outcome<unknown>> = [];
    try {
      await this.knex.transaction(async (trx) => {
        await this.takeWriteLock(trx);
        // Plain savepoints, one at a time under one name: knex's nested transactions cost more than the work.
        for (const job of batch) {
          await trx.raw('SAVEPOINT job');
          try {
            outcomes.push({ ok: true, value: await job.work(trx) });
          } catch (error) {
            await trx.raw('ROLLBACK TO SAVEPOINT job');
            outcomes.push({ ok: false, error });
          }
          await trx.raw('RELEASE SAVEPOINT job');
        }
      });
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    this.counts.transactions += 1;
    settle(batch, outcomes);
  }
}

function settle(jobs: ReadonlyArray<{ resolve: (value: unknown) => void; reject: (error: unknown) => void }>, outcomes: ReadonlyArray<Outcome<unknown>>): void {
  jobs.forEach((job, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  });
}
