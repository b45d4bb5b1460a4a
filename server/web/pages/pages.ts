import { fileURLToPath } from 'node:url';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import type { Identify } from '../http/auth.js';
import { bpmnUpload, isApiPath, refuseUnstorableText, workbookUpload } from '../http/route.js';
import type { Logger } from '../../shared/logger.js';
import type { Sopflow } from '../../sopflow.js';
import type { Formatter, Locale } from '../../shared/i18n.js';
import { pageErrors, pageNotFound } from './page-errors.js';
import { createPageKit, pageContext, requireRole } from './page-kit.js';
import { loadTemplates } from './render.js';
import { adminRoutes } from './routes/admin.routes.js';
import { agentRoutes } from './routes/agents.routes.js';
import { analyticsRoutes } from './routes/analytics.routes.js';
import { analyticsCompareRoutes } from './routes/analytics-compare.routes.js';
import { customerRoutes } from './routes/customers.routes.js';
import { executionTableRoutes, importUploadPath } from './routes/execution-tables.routes.js';
import { incidentRoutes } from './routes/incidents.routes.js';
import { intakeRoutes } from './routes/intake.routes.js';
import { managerRoutes } from './routes/manager.routes.js';
import { notificationRoutes } from './routes/notifications.routes.js';
import { queueRoutes } from './routes/queue.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { routingRoutes, RULES_FORM_PATH, rulesFormBody } from './routes/routing.routes.js';
import { signInRoutes } from './routes/sign-in.routes.js';
import { ticketRoutes } from './routes/ticket.routes.js';
import { workflowPageRoutes, workflowUploadPath } from './routes/workflows.routes.js';
import { workflowMigrationRoutes } from './routes/workflow-migration.routes.js';
import { csrfProtection, hasValidCsrfToken, securityHeaders } from './security.js';
import { sessions } from './session.js';

const ROOT = new URL('../../../', import.meta.url);
const FORM_LIMIT = '64kb';

/** The people-facing half of the app, in the pieces `createApp` mounts around the API. */
export interface Pages {
  /** Security headers: on every response. */
  headers: RequestHandler;
  /** `public/`, to be mounted at /static. */
  assets: RequestHandler;
  /** Database-backed sessions (skipped for requests with an Authorization header). */
  session: RequestHandler;
  /** The API's second credential: the signed-in user of the session, CSRF-checked on changes. */
  sessionUser: Identify;
  /** The pages themselves, then their 404. */
  router: Router;
  /** Errors of page requests as error pages; API errors pass on. */
  errors: ErrorRequestHandler;
}

/**
 * Builds the pages once: templates compiled, the pages' queries made. Templates live in `views/`, static
 * files in `public/` (served from here: no CDN); the catalogs' formatter is the app's.
 */
export function createPages(app: Sopflow, logger: Logger, formatter: (locale: Locale) => Formatter): Pages {
  const kit = createPageKit(app, logger, loadTemplates(new URL('views/', ROOT)), formatter);

  const router = Router();
  // API paths never reach the pages' middleware: their 404 stays JSON.
  router.use((req, _res, next) => next(isApiPath(req.path) ? 'router' : undefined));
  router.use(pageContext(app));
  // The rule editor posts every rule's fields at once: its own, larger bounds (managers only; read first, so the next one skips it).
  router.post(RULES_FORM_PATH, requireRole('manager'), rulesFormBody());
  router.use(express.urlencoded({ extended: false, limit: FORM_LIMIT }));
  // The multipart forms (a workbook, a BPMN file) are read here, managers only, so their CSRF field is checked below.
  router.post(importUploadPath, requireRole('manager'), workbookUpload(app.executionTables.workbookLimits.uploadBytes));
  router.post(workflowUploadPath, requireRole('manager'), bpmnUpload(app.workflows.limits.maxBytes));
  // A post whose body no parser above reads (JSON, plain text, none) is an empty form: its fields are missing
  // and refused as such, never read off `undefined`.
  router.use((req, _res, next) => {
    req.body ??= {};
    refuseUnstorableText(req.body);
    next();
  });
  router.use(csrfProtection);
  for (const routes of [
    signInRoutes,
    queueRoutes,
    intakeRoutes,
    ticketRoutes,
    customerRoutes,
    notificationRoutes,
    managerRoutes,
    workflowPageRoutes,
    workflowMigrationRoutes,
    adminRoutes,
    executionTableRoutes,
    incidentRoutes,
    analyticsCompareRoutes,
    analyticsRoutes,
    agentRoutes,
    reportRoutes,
    routingRoutes,
  ])
    router.use(routes(kit));
  router.use(pageNotFound);

  return {
    headers: securityHeaders(),
    assets: express.static(fileURLToPath(new URL('public/', ROOT)), { index: false, maxAge: '1h' }),
    session: sessions(app.system.sessionStore(logger), app.config.sessionSecret),
    sessionUser: async (req) => {
      const id = req.session?.userId;
      if (id === undefined) return undefined;
      const user = await app.users.byId(id);
      if (!user) return undefined;
      // A cookie rides along with any request a page could be tricked into sending: changes need the token too.
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !hasValidCsrfToken(req)) {
        throw new AppError('forbidden', "send the page's CSRF token in the X-CSRF-Token header (signed-in sessions only)");
      }
      return user;
    },
    router,
    errors: pageErrors(kit),
  };
}
