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
  getTokenFromRequest: (req) => {
    const field = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof field === 'string') return field;
    const header = req.headers['x-csrf-token'];
    return typeof header === 'string' ? header : undefined;
  },
});

/** The synchronizer token of this session (created on first use): every form carries it. */
export function csrfToken(req: Request): string {
  return generateToken(req);
}

export function hasValidCsrfToken(req: Request): boolean {
  return isRequestValid(req);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a state-changing request whose CSRF token is missing or not this session's: 403 `forbidden`. */
export const csrfProtection: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || isRequestValid(req)) return next();
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
    keyGenerator: (req) => {
      const email = (req.body as Record<string, unknown> | undefined)?.email;
      return `${ipKeyGenerator(req.ip ?? '')}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
    },
    handler: (_req, _res, next, options) => {
      next(new AppError('rate_limited', 'too many failed sign-ins; wait and try again', { retryAfterMinutes: Math.ceil(options.windowMs / 60_000) }));
    },
  });
}
