import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../shared/clock.js';
import { rowsOf, type Database } from './database.js';

const INCREMENT_SQL = `INSERT INTO rate_limits (key, hits, reset_at) VALUES (?, 1, ?)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limits.reset_at <= ? THEN 1 ELSE rate_limits.hits + 1 END,
    reset_at = CASE WHEN rate_limits.reset_at <= ? THEN excluded.reset_at ELSE rate_limits.reset_at END
  RETURNING hits, reset_at`;

/** Expired counters are swept at most this often. */
const SWEEP_EVERY_MS = 10 * 60 * 1000;

/**
 * express-rate-limit's counters in SOPflow's database (`rate_limits`), so that every server process counts
 * against the same limit: five wrong passwords spread over three processes are still five. One upsert per
 * counted request, atomic on both databases.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  private sweptAt = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = (await this.db.knex('rate_limits').where({ key: this.prefix + key }).andWhere('reset_at', '>', this.clock.now()).first('hits', 'reset_at')) as
      | { hits: number; reset_at: number | string }
      | undefined;
    return row ? { totalHits: row.hits, resetTime: new Date(Number(row.reset_at)) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.clock.now();
    const [row] = await this.db.write(async (trx) => {
      if (now - this.sweptAt > SWEEP_EVERY_MS) {
        this.sweptAt = now;
        await trx('rate_limits').where('reset_at', '<=', now).delete();
      }
      return rowsOf<{ hits: number; reset_at: number | string }>(await trx.raw(INCREMENT_SQL, [this.prefix + key, now + this.windowMs, now, now]));
    });
    return { totalHits: row!.hits, resetTime: new Date(Number(row!.reset_at)) };
  }

  async decrement(key: string): Promise<void> {
    const now = this.clock.now();
    await this.db.write((trx) =>
      trx('rate_limits')
        .where({ key: this.prefix + key })
        .andWhere('hits', '>', 0)
        .andWhere('reset_at', '>', now)
        .decrement('hits', 1),
    );
  }

  async resetKey(key: string): Promise<void> {
    await this.db.write((trx) => trx('rate_limits').where({ key: this.prefix + key }).delete());
  }
}
