import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { SessionData, Store } from 'express-session';
import type { Logger } from '../../shared/logger.js';
import type { Database } from '../database.js';

/** A session's expiry moves at most this often: a page view must not cost a database write. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

/** How often each server process deletes the expired sessions (and once at start). */
export const SESSION_SWEEP_EVERY_MS = 15 * 60 * 1000;

/**
 * connect-session-knex on SOPflow's own knex, reading the `sessions` table of the migrations. Two changes:
 * its methods both call back with an error and reject, and express-session ignores the rejection (which
 * would end the process), so rejections are dropped once the callback has the error; and `touch` writes
 * at most every few minutes per session. Expired rows are deleted at start and every `sweepEveryMs` by
 * connect-session-knex's sweep (`expired` before now); an expired row is never read as a session meanwhile.
 */
class DatabaseSessionStore extends ConnectSessionKnexStore {
  private readonly touched = new Map<string, number>();

  constructor(db: Database, logger: Logger, sweepEveryMs: number) {
    super({
      knex: db.knex,
      createTable: false,
      tableName: 'sessions',
      cleanupInterval: sweepEveryMs,
      onDbCleanupError: (error) => logger.warn({ err: error }, 'expired sessions could not be deleted'),
    });
    this.ready.catch((error: unknown) => logger.error({ err: error }, 'the sessions table is missing'));
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): Promise<SessionData | null> {
    return super.get(sid, callback).catch(() => null);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    this.touched.delete(sid);
    return super.set(sid, data, callback).catch(() => undefined);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): Promise<number> {
    this.touched.delete(sid);
    return super.destroy(sid, callback).catch(() => 0);
  }

  override touch(sid: string, data: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    const now = Date.now();
    const last = this.touched.get(sid);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) {
      callback?.();
      return Promise.resolve();
    }
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(sid, now);
    return super.touch(sid, data).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  /** No more sweeps (one already running finishes). */
  stop(): void {
    this.options.cleanupInterval = 0;
    clearTimeout(this.nextDbCleanup);
  }
}

export type SessionStore = Store & { stop(): void };

/** express-session's store for the pages' sessions, kept in the database so every server process shares them. */
export function createSessionStore(db: Database, logger: Logger, { sweepEveryMs = SESSION_SWEEP_EVERY_MS } = {}): SessionStore {
  return new DatabaseSessionStore(db, logger, sweepEveryMs);
}
