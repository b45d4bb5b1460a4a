import session, { type SessionData, type Store } from 'express-session';
import type { RequestHandler } from 'express';
import { isApiPath } from '../http/route.js';
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

const SESSION_COOKIE = 'sopflow.sid';

/**
 * Sessions for the pages, kept by `store` (the database's, from `Sopflow.system`) so they survive restarts
 * and are shared by every server process. Requests carrying an `Authorization` header are programs: they
 * get no session; nor do API calls and health checks without the session cookie, which only a signed-in
 * page's scripts send (a session costs a random id and response hooks per request, as much CPU as a
 * trivial route itself).
 */
export function sessions(store: Store, secret: string): RequestHandler {
  const middleware = session({
    name: SESSION_COOKIE,
    secret,
    store,
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
