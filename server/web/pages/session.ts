import session, { type SessionData, type Store } from 'express-session';
import type { Request, RequestHandler } from 'express';
import { isApiPath } from '../http/route.js';
import { isLocale, type Locale } from '../../shared/i18n.js';
import { preSessionCsrfKey, readCookie, usePreSessionCsrfKey } from './security.js';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in user; their role is read from the database on every request, so a change applies at once. */
    userId: number;
    /** The language of this session: the user's, or the one picked with the switch before signing in. */
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
 * and are shared by every server process. A session is stored from sign-in on, never before: nothing an
 * anonymous visitor does writes a row (the sign-in form's CSRF token and the language picked before signing
 * in are cookies of their own, see `security.ts` and `rememberLocale`). Requests carrying an
 * `Authorization` header are programs: they get no session; nor do API calls and health checks without
 * the session cookie, which only a signed-in page's scripts send (a session costs a random id and response
 * hooks per request, as much CPU as a trivial route itself).
 *
 * The cookie is `Secure` whenever the request came over HTTPS: directly, or through a proxy trusted by
 * TRUST_PROXY that says so in `X-Forwarded-Proto` (express's `req.secure`).
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
  const csrfKey = preSessionCsrfKey(secret);
  return (req, res, next) => {
    usePreSessionCsrfKey(req, csrfKey);
    if (req.headers.authorization !== undefined) return next();
    if (isApiPath(req.path) && !req.headers.cookie?.includes(`${SESSION_COOKIE}=`)) return next();
    middleware(req, res, next);
  };
}

const LOCALE_COOKIE = 'sopflow.lang';
const LOCALE_COOKIE_MS = 365 * 24 * 60 * 60 * 1000;

/** The language of this browser: its session's when signed in, else the one picked before signing in. */
export function sessionLocale(req: Request): Locale | undefined {
  if (req.session?.locale) return req.session.locale;
  const picked = readCookie(req, LOCALE_COOKIE);
  return isLocale(picked) ? picked : undefined;
}

/** Keeps the language picked with the switch: in the session when signed in, else in a cookie (no session row). */
export function rememberLocale(req: Request, locale: Locale): void {
  if (req.session?.userId !== undefined) req.session.locale = locale;
  else req.res?.cookie(LOCALE_COOKIE, locale, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: LOCALE_COOKIE_MS });
}

/** Adds a message for the next page this browser shows; signed in only (before, there is no session to keep it). */
export function flash(req: { session?: Partial<SessionData> }, message: Flash): void {
  if (req.session?.userId === undefined) return;
  req.session.flash = [...(req.session.flash ?? []), message];
}

/** The messages waiting for this page; they are shown once. */
export function takeFlash(req: { session?: Partial<SessionData> }): Flash[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}
