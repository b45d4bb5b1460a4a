import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../shared/logger.js';
import type { Sopflow } from '../../sopflow.js';
import { AppError } from '../../shared/errors.js';
import { hasRole, type Role, type User } from '../../services/users/users.js';
import { LOCALES, negotiateLocale, type Formatter, type Locale } from '../../shared/i18n.js';
import type { LayoutModel, Renderer } from './render.js';
import { sessionLocale, takeFlash } from './session.js';
import { WorkflowCatalog } from '../../services/workflows/workflow-catalog.js';
import { csrfToken } from './security.js';

/** The unread count in the navigation stops counting here ("99+"). */
const UNREAD_CAP = 100;

/** One entry of the navigation, shown to users holding at least `role`. */
interface NavEntry {
  href: string;
  key: string;
  role: Role;
  /** Marked current on this path and below it. */
  matches: (path: string) => boolean;
  unread?: true;
  /** Not shown to users holding this role or more (who have a wider entry instead). */
  hiddenFrom?: Role;
}

const NAV: NavEntry[] = [
  { href: '/queue', key: 'nav.queue', role: 'agent', matches: (p) => p === '/queue' || (p.startsWith('/tickets/') && p !== '/tickets/new') },
  { href: '/tickets/new', key: 'nav.newTicket', role: 'agent', matches: (p) => p === '/tickets/new' },
  { href: '/notifications', key: 'nav.notifications', role: 'agent', matches: (p) => p.startsWith('/notifications'), unread: true },
  { href: '/workflows', key: 'nav.workflows', role: 'manager', matches: (p) => p.startsWith('/workflows') },
  { href: '/agents/me', key: 'nav.myFigures', role: 'agent', hiddenFrom: 'manager', matches: (p) => p.startsWith('/agents') },
  { href: '/analytics', key: 'nav.analytics', role: 'manager', matches: (p) => p.startsWith('/analytics') },
  { href: '/agents', key: 'nav.agents', role: 'manager', matches: (p) => p.startsWith('/agents') },
  { href: '/execution-tables', key: 'nav.executionTables', role: 'manager', matches: (p) => p.startsWith('/execution-tables') },
  { href: '/incidents', key: 'nav.incidents', role: 'manager', matches: (p) => p.startsWith('/incidents') },
  { href: '/reports', key: 'nav.reports', role: 'manager', matches: (p) => p.startsWith('/reports') },
  { href: '/admin', key: 'nav.admin', role: 'admin', matches: (p) => p.startsWith('/admin') },
];

/** Where each role lands after signing in. */
export const HOME: Record<Role, string> = { agent: '/queue', manager: '/workflows', admin: '/admin' };

/** What every page route works with: the services, and one way to answer with a page. */
export interface PageKit {
  app: Sopflow;
  logger: Logger;
  catalog: WorkflowCatalog;
  formatter(req: Request): Formatter;
  /** A formatter per language: what reads text people typed in either (an uploaded workbook's headers). */
  formatters: Formatter[];
  /** Renders `views/pages/<page>.hbs` in the layout; `title` is an i18n key, or `{ text }` for authored text. */
  send(req: Request, res: Response, page: string, title: string | { text: string }, model: object, status?: number): Promise<void>;
}

export function createPageKit(app: Sopflow, logger: Logger, render: Renderer, formatterOf: (locale: Locale) => Formatter): PageKit {
  const formatter = (req: Request) => formatterOf(negotiateLocale([req.user?.locale, sessionLocale(req)], (languages) => req.acceptsLanguages(languages)));
  return {
    app,
    logger,
    catalog: new WorkflowCatalog(app.workflows),
    formatter,
    formatters: LOCALES.map(formatterOf),
    async send(req, res, page, title, model, status = 200) {
      const f = formatter(req);
      const user = req.user;
      const unread = user && hasRole(user, 'agent') ? await app.inbox.unreadCount(user, UNREAD_CAP) : 0;
      const layout: LayoutModel = {
        title: typeof title === 'string' ? f.t(title) : title.text,
        formatter: f,
        csrfToken: req.session ? csrfToken(req) : '',
        here: pageAddress(req),
        nav: user ? navFor(user, req.path, f, unread) : [],
        flash: takeFlash(req).map((m) => ({ kind: m.kind, text: f.t(m.key, m.values ?? {}) })),
        ...(user ? { user: { name: user.name, email: user.email, role: f.t(`roles.${user.role}`) } } : {}),
      };
      res
        .status(status)
        .type('html')
        .send(render(page, layout, model));
    },
  };
}

/**
 * Where this page can be fetched again (the language switch comes back here): the URL of a GET; for a page
 * answering a form, the page the form was on (same-origin Referer), else the start page.
 */
function pageAddress(req: Request): string {
  if (req.method === 'GET') return req.originalUrl;
  const referer = req.get('referer');
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.host === req.get('host')) return localPath(url.pathname + url.search);
    } catch {
      // not a URL: fall through
    }
  }
  return '/';
}

function navFor(user: User, path: string, f: Formatter, unread: number): LayoutModel['nav'] {
  return NAV.filter((entry) => hasRole(user, entry.role) && !(entry.hiddenFrom && hasRole(user, entry.hiddenFrom))).map((entry) => ({
    href: entry.href,
    label: f.t(entry.key),
    current: entry.matches(path),
    ...(entry.unread && unread > 0 ? { badge: unread >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(unread) } : {}),
  }));
}

/**
 * Runs first on every page: marks the response as a page (errors become error pages, not JSON), keeps pages
 * out of caches (they show personal data), and finds the signed-in user of the session.
 */
export function pageContext(app: Sopflow): RequestHandler {
  return async (req, res, next) => {
    res.locals.page = true;
    res.set('Cache-Control', 'no-store');
    const id = req.session?.userId;
    if (id !== undefined) {
      const user = await app.users.byId(id);
      if (user) req.user = user;
      else delete req.session.userId;
    }
    next();
  };
}

/**
 * Lets in users holding at least `role`. Nobody signed in: to the sign-in page (coming back here after);
 * signed in without the role: a 403 page that names the role needed.
 */
export function requireRole(role: Role): RequestHandler {
  return (req, res, next) => {
    const user = req.user;
    if (!user) {
      if (req.method === 'GET') return res.redirect(303, `/?next=${encodeURIComponent(req.originalUrl)}`);
      throw new AppError('unauthorized', 'sign in first');
    }
    if (!hasRole(user, role)) throw new AppError('forbidden', `this page needs at least the ${role} role; ${user.email} is ${user.role}`, { role });
    next();
  };
}

/** A path on this site to go back to after signing in or switching language; anything else goes home. */
export function localPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : fallback;
}
