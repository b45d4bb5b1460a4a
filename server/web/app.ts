import express, { type Express } from 'express';
import { DEFAULT_REPORT_SETTINGS } from '../shared/report-settings.js';
import type { Logger } from '../shared/logger.js';
import type { Sopflow } from '../sopflow.js';
import { createI18n, LOCALES_DIR, type Formatter, type Locale } from '../shared/i18n.js';
import { createPages } from './pages/pages.js';
import { eventLogRoutes } from './api/event-log.routes.js';
import { vendorAssets } from './pages/vendor.js';
import { executionTableRoutes } from './api/execution-tables.routes.js';
import { peopleRoutes } from './api/users.routes.js';
import { routingRoutes } from './api/routing.routes.js';
import { incidentRoutes } from './api/incidents.routes.js';
import { analyticsRoutes } from './api/analytics.routes.js';
import { reportRoutes } from './api/reports.routes.js';
import { systemRoutes } from './api/system.routes.js';
import { ticketRoutes } from './api/tickets.routes.js';
import { signalRoutes } from './api/signals.routes.js';
import { workflowRoutes } from './api/workflows.routes.js';
import { workflowDraftRoutes } from './api/workflow-drafts.routes.js';
import { workflowMigrationRoutes } from './api/workflow-migrations.routes.js';
import { accessControl, bearerToken } from './http/auth.js';
import { errorHandler, unknownRoute } from './http/error-handler.js';
import { openApiDocument } from './http/openapi.js';
import { requestLogging } from './http/request-logging.js';
import { bodyParsersOf, defineRoute, type ApiRoute } from './http/route.js';
import { DEFAULT_TOKEN_CACHE_MS, inputLimitsOf } from '../shared/config.js';

/**
 * The HTTP application of SOPflow, not yet listening: the server, tests and the benchmark mount it. The API
 * answers programs (bearer tokens) and the pages' scripts (the session's user); the pages (`web/`) answer people.
 */
export function createApp(app: Sopflow, logger: Logger): Express {
  const web = express();
  web.disable('x-powered-by');
  // Responses are made per request; hashing each body for an ETag costs CPU and no client revalidates them.
  web.set('etag', false);
  // TRUST_PROXY: which proxies' X-Forwarded-For/-Proto to believe, for `req.ip` (the sign-in limit) and
  // `req.secure` (the session cookie's Secure flag). None by default: a client's own header means nothing.
  web.set('trust proxy', app.config.trustProxy ?? false);
  web.use(requestLogging(logger));
  // Times are shown in one zone everywhere people read them: the pages, their workbooks, the API's workbooks and the reports.
  const { formatter } = createI18n(LOCALES_DIR, { timeZone: (app.config.reports ?? DEFAULT_REPORT_SETTINGS).timeZone });
  const pages = createPages(app, logger, formatter);
  web.use(pages.headers);
  web.use('/static', pages.assets);
  web.use('/vendor', vendorAssets());
  web.use(pages.session);
  const tokens = { cacheMs: app.config.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS, onAccessChange: (listener: () => void) => app.people.onAccessChange(listener) };
  const access = accessControl([bearerToken(app.users, tokens), pages.sessionUser]);
  const limits = inputLimitsOf(app.config);
  for (const route of apiRoutes(app, formatter)) {
    const handlers = [access(route.access), ...bodyParsersOf(route, limits), route.handle];
    web[route.method](route.path, ...handlers);
  }
  web.use(pages.router);
  web.use(unknownRoute);
  web.use(pages.errors);
  web.use(errorHandler);
  return web;
}

/** Every route, the OpenAPI document among them, which describes them all. */
function apiRoutes(app: Sopflow, formatter: (locale: Locale) => Formatter): ApiRoute[] {
  // Written on first request: most apps a process starts (tests, the benchmark) are never asked for it.
  let document: Record<string, unknown> | undefined;
  const openApi: ApiRoute = defineRoute({
    operationId: 'openApi',
    tag: 'system',
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This description of the API (OpenAPI 3.1)',
    access: 'public',
    responses: { 200: { description: 'the OpenAPI document' } },
    handle: () => Promise.resolve({ json: (document ??= openApiDocument(routes)) }),
  });
  const routes: ApiRoute[] = [
    ...systemRoutes(app),
    openApi,
    ...workflowRoutes(app),
    ...workflowDraftRoutes(app),
    ...workflowMigrationRoutes(app),
    ...ticketRoutes(app),
    ...signalRoutes(app),
    ...executionTableRoutes(app, formatter),
    ...peopleRoutes(app),
    ...incidentRoutes(app),
    ...eventLogRoutes(app),
    ...analyticsRoutes(app),
    ...reportRoutes(app),
    ...routingRoutes(app),
  ];
  return routes;
}
