import { ConnectSessionKnexStore } from 'connect-session-knex';
import session, { type SessionData } from 'express-session';
import type { RequestHandler } from 'express';
import type { Knex } from 'knex';
import { isApiPath } from '../http/route.js';
import type { Logger } from '../../shared/logger.js';
import type { Locale } from '../../shared/i18n.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in user; their role is read from the database on every request, so a change applies at once. */
    userId: number;
    /** The language picked with the switch before signing in (signed-in users keep theirs on their account). */
    locale: Locale;
    /** Messages for the next page shown, then gone. */
    flash: Flash[];
  }
}

export interface Flash {
  kind: 'info' | 'success' | 'error';
  /** An i18n key and its values: the message is translated when shown, in the language of that page. */
  key: string;
  values?: Record<string, string | number>;
}

/** Signed-in sessions end after this long without a request. */
const IDLE_MS = 8 * 60 * 60 * 1000;
/** A session's expiry moves at most this often: a page view must not cost a database write. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

/**
 * connect-session-knex on SOPflow's own knex, reading the `sessions` table of the migrations. Two changes:
 * its methods both call back with an error and reject, and express-session ignores the rejection (which
 * would end the process), so rejections are dropped once the callback has the error; and `touch` writes
 * at most every few minutes per session.
 */
class SessionStore extends ConnectSessionKnexStore {
  private readonly touched = new Map<string, number>();

  constructor(knex: Knex, logger: Logger) {
    super({ knex, createTable: false, tableName: 'sessions', cleanupInterval: 15 * 60 * 1000, onDbCleanupError: (error) => logger.warn({ err: error }, 'expired sessions could not be deleted') });
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
}

const SESSION_COOKIE = 'sopflow.sid';

/**
 * Sessions for the pages, stored in the database so they survive restarts and are shared by every server
 * process. Requests carrying an `Authorization` header are programs: they get no session; nor do API calls
 * and health checks without the session cookie, which only a signed-in page's scripts send (a session costs
 * a random id and response hooks per request, as much CPU as a trivial route itself).
 */
export function sessions(knex: Knex, secret: string, logger: Logger): RequestHandler {
  const middleware = session({
    name: SESSION_COOKIE,
    secret,
    store: new SessionStore(knex, logger),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: IDLE_MS },
  });
  return (req, res, next) => {
    if (req.headers.authorization !== undefined) return next();
    if (isApiPath(req.path) && !req.headers.cookie?.includes(`${SESSION_COOKIE}=`)) return next();
    middleware(req, res, next);
  };
}

/** Adds a message for the next page this browser shows. */
export function flash(req: { session?: Partial<SessionData> }, message: Flash): void {
  if (!req.session) return;
  req.session.flash = [...(req.session.flash ?? []), message];
}

/** The messages waiting for this page; they are shown once. */
export function takeFlash(req: { session?: Partial<SessionData> }): Flash[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}
