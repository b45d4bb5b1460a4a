import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import { rateLimit, ipKeyGenerator, type Store } from 'express-rate-limit';
import helmet from 'helmet';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { isApiPath } from '../http/route.js';

/**
 * Security headers on every response. For pages, the content security policy allows scripts, styles and
 * images from this server only: no inline script or style, so the pages' JavaScript lives in `public/js/`.
 * No `upgrade-insecure-requests`: on a closed network SOPflow may well be served over plain HTTP.
 */
export function securityHeaders(): RequestHandler {
  const pageHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
      },
    },
    referrerPolicy: { policy: 'same-origin' },
  });
  // API answers are JSON or files, never rendered as pages: a fixed few headers instead of helmet's dozen
  // middleware, which cost as much CPU as a health check itself.
  const apiHeaders: Record<string, string> = {
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  return (req, res, next) => {
    if (!isApiPath(req.path)) return pageHeaders(req, res, next);
    for (const name in apiHeaders) res.setHeader(name, apiHeaders[name]!);
    next();
  };
}

const { generateToken, isRequestValid } = csrfSync({
  // Forms send the token as a hidden field; the pages' scripts calling the API send it as a header.
  getTokenFromRequest: sentToken,
});

function sentToken(req: Request): string | undefined {
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof field === 'string') return field;
  const header = req.headers['x-csrf-token'];
  return typeof header === 'string' ? header : undefined;
}

/** The value of one cookie of the request (no cookie parser: the pages read two cookies). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Before sign-in there is no session (a page view must not write a row), so the forms shown then (sign-in,
 * the language switch) carry a signed double-submit token instead: a random value in an HttpOnly cookie
 * of its own and, in the form, its HMAC under a key derived from SESSION_SECRET. Another site can neither
 * read the cookie nor compute the HMAC, and with SameSite=Lax the cookie does not even travel with its
 * posts. Signed-in sessions keep the synchronizer token of the session (csrf-sync), and only that one.
 */
const PRE_SESSION_COOKIE = 'sopflow.csrf';
const NONCE = /^[A-Za-z0-9_-]{32}$/;
const preSessionKeys = new WeakMap<Request, Buffer>();
const preSessionTokens = new WeakMap<Request, string>();

/** The key of the pre-session tokens, from the session secret: the same in every server process. */
export function preSessionCsrfKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('sopflow pre-session CSRF token').digest();
}

/** Makes the pre-session tokens of this request use `key` (the pages' session middleware does). */
export function usePreSessionCsrfKey(req: Request, key: Buffer): void {
  preSessionKeys.set(req, key);
}

function signedIn(req: Request): boolean {
  return req.session?.userId !== undefined;
}

function preSessionToken(key: Buffer, nonce: string): string {
  return createHmac('sha256', key).update(nonce).digest('base64url');
}

/**
 * The CSRF token every form of this page carries: the session's synchronizer token when signed in (created
 * on first use), else a pre-session token, setting its cookie when the browser has none yet.
 */
export function csrfToken(req: Request): string {
  if (signedIn(req)) return generateToken(req);
  const key = preSessionKeys.get(req);
  if (!key || !req.res) return '';
  let token = preSessionTokens.get(req);
  if (token) return token;
  let nonce = readCookie(req, PRE_SESSION_COOKIE);
  if (!nonce || !NONCE.test(nonce)) {
    nonce = randomBytes(24).toString('base64url');
    req.res.cookie(PRE_SESSION_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
  }
  token = preSessionToken(key, nonce);
  preSessionTokens.set(req, token);
  return token;
}

export function hasValidCsrfToken(req: Request): boolean {
  if (signedIn(req)) return isRequestValid(req);
  const key = preSessionKeys.get(req);
  const nonce = readCookie(req, PRE_SESSION_COOKIE);
  const sent = sentToken(req);
  if (!key || !nonce || !NONCE.test(nonce) || !sent) return false;
  const expected = Buffer.from(preSessionToken(key, nonce));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a state-changing request whose CSRF token is missing or not this session's: 403 `forbidden`. */
export const csrfProtection: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || hasValidCsrfToken(req)) return next();
  throw new AppError('forbidden', 'the form was not sent from a page of this session (its CSRF token is missing or stale); reload the page and try again', {
    reason: 'csrf',
  });
};

/** Failed sign-ins allowed per IP address and email within the window; the next attempt is refused. */
export const SIGN_IN_FAILURES = 5;
const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Sign-in attempts, counted per IP address and email; successful ones are not counted. Past the limit,
 * even the right password is refused (429 `rate_limited`) until the window has passed. Counts are kept by
 * `store`: the database's (`Sopflow.system`), shared by every server process.
 */
export function signInLimit(store: Store): RequestHandler {
  return rateLimit({
    store,
    windowMs: SIGN_IN_WINDOW_MS,
    limit: SIGN_IN_FAILURES,
    skipSuccessfulRequests: true,
    // A failed sign-in re-shows the form with 401; a successful one redirects.
    requestWasSuccessful: (_req, res) => res.statusCode < 400,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // The client's address is `req.ip`: the socket's, or with TRUST_PROXY the one the trusted proxy names.
    // An X-Forwarded-For without TRUST_PROXY is simply not believed: no error in the log for whoever sends one.
    validate: { xForwardedForHeader: false },
    keyGenerator: (req) => {
      const email = (req.body as Record<string, unknown> | undefined)?.email;
      return `${ipKeyGenerator(req.ip ?? '')}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
    },
    handler: (_req, _res, next, options) => {
      next(new AppError('rate_limited', 'too many failed sign-ins; wait and try again', { retryAfterMinutes: Math.ceil(options.windowMs / 60_000) }));
    },
  });
}
