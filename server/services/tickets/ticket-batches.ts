import type { Database, Transaction } from '../../data/database.js';

/** What became of one request of a batch. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface Queued<Request, Result> {
  request: Request;
  resolve: (value: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Requests on tickets (advances), stored in batches: the requests made while a transaction is on its way
 * are all taken by it once it runs, so under load one transaction (one commit) serves many. A ticket's
 * requests keep their order and never share a transaction: each must see what the one before it wrote.
 * Each request is answered once the transaction holding it has committed; `store` answers the requests it
 * refuses with their own error and writes nothing for them. Should the database refuse a batch's writes,
 * each of its requests is tried again alone, so one cannot fail the others.
 */
export class TicketBatches<Request extends { ticketId: number }, Result> {
  private queued: Array<Queued<Request, Result>> = [];
  /** Whether a transaction that will take the queued requests has been asked for and has not run yet. */
  private scheduled = false;
  /** Tickets whose request a transaction has taken and not yet settled: their next one waits for it. */
  private readonly busy = new Set<number>();
  private readonly storing = new Set<Promise<void>>();

  constructor(
    private readonly db: Pick<Database, 'write'>,
    /** Stores a batch in the transaction; answers one outcome per request, in order. */
    private readonly store: (trx: Transaction, batch: readonly Request[]) => Promise<Array<Outcome<Result>>>,
    private readonly maxBatch = 128,
  ) {}

  submit(request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queued.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every request submitted so far has been stored or refused. */
  async settled(): Promise<void> {
    while (this.storing.size) await Promise.all(this.storing);
  }

  private schedule(): void {
    if (this.scheduled || this.queued.every(({ request }) => this.busy.has(request.ticketId))) return;
    this.scheduled = true;
    let batch: Array<Queued<Request, Result>> | undefined;
    const stored = this.db
      .write((trx) => {
        batch = this.take();
        return this.store(trx, batch.map((queued) => queued.request));
      })
      .then(
        (outcomes) => answer(batch!, outcomes),
        async (error: unknown) => {
          if (!batch) {
            // The database failed the transaction before it ran: the requests it was for fail with it.
            batch = this.take();
            return answer(batch, batch.map(() => ({ ok: false, error })));
          }
          if (batch.length === 1) return answer(batch, [{ ok: false, error }]);
          const alone = batch.map(({ request }) =>
            this.db.write((trx) => this.store(trx, [request])).then(
              ([outcome]) => outcome!,
              (failure: unknown) => ({ ok: false as const, error: failure }),
            ),
          );
          answer(batch, await Promise.all(alone));
        },
      )
      .finally(() => {
        for (const { request } of batch ?? []) this.busy.delete(request.ticketId);
        this.storing.delete(stored);
        if (this.queued.length) this.schedule();
      });
    this.storing.add(stored);
  }

  /** Up to `maxBatch` requests off the queue, in order, at most one per ticket and none of a busy ticket. */
  private take(): Array<Queued<Request, Result>> {
    const taken: Array<Queued<Request, Result>> = [];
    const left: Array<Queued<Request, Result>> = [];
    const seen = new Set<number>();
    for (const queued of this.queued) {
      const ticket = queued.request.ticketId;
      if (taken.length < this.maxBatch && !this.busy.has(ticket) && !seen.has(ticket)) taken.push(queued);
      // A later request of the same ticket must not overtake this one.
      else left.push(queued);
      seen.add(ticket);
    }
    for (const { request } of taken) this.busy.add(request.ticketId);
    this.queued = left;
    this.scheduled = false;
    return taken;
  }
}

function answer<Request, Result>(batch: ReadonlyArray<Queued<Request, Result>>, outcomes: ReadonlyArray<Outcome<Result>>): void {
  batch.forEach((queued, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) queued.resolve(outcome.value);
    else queued.reject(outcome.error);
  });
}
