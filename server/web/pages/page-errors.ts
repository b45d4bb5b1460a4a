import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError, type FieldProblem } from '../../shared/errors.js';
import type { Formatter } from '../../shared/i18n.js';
import { failureOf } from '../http/error-handler.js';
import { isApiPath } from '../http/route.js';
import type { PageKit } from './page-kit.js';
import { problemText } from './view-models/problem-text.js';
import { overLimit } from './view-models/over-limit.js';

/** Page requests nobody answered: a 404 page for people; the API's JSON 404 stays for /api and programs. */
export const pageNotFound: RequestHandler = (req, res, next) => {
  if (isApiPath(req.path) || !req.accepts('html')) return next();
  res.locals.page = true;
  throw new NotFoundError(`no page ${req.path}`);
};

/**
 * Errors of page requests as a page in the layout, with the status and code of the API's one mapping
 * (`failureOf`), explained in the reader's language. Errors of API requests pass on to the JSON handler.
 */
export function pageErrors(kit: PageKit): ErrorRequestHandler {
  return async (error, req, res, next) => {
    if (!res.locals.page || res.headersSent) return next(error);
    const { status, code, details } = failureOf(error, req);
    if (status >= 500) res.err = error instanceof Error ? error : new Error(String(error));
    if (code === 'unauthorized' && req.method === 'GET') return res.redirect(303, '/');
    const values = details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
    const f = kit.formatter(req);
    const reason = values.reason === 'csrf' ? 'csrf' : code;
    const model = {
      status,
      heading: f.t(`errors.${reason}.title`),
      help: f.t(`errors.${reason}.help`, { role: typeof values.role === 'string' ? f.t(`roles.${values.role}`) : '', minutes: values.retryAfterMinutes ?? 15 }),
      requestId: status >= 500 ? String(req.id) : undefined,
      // The limit passed and its maximum, as the API's details name them (any upload or form over a limit).
      limit: overLimit(details, f),
      // What was refused, field by field, as the API lists it: a form's own page shows it beside the field.
      problems: Array.isArray(details) ? details.flatMap((detail) => problemOf(detail, f)) : [],
    };
    try {
      await kit.send(req, res, 'error', `errors.${reason}.title`, model, status);
    } catch (renderError) {
      // The error page itself failed (say, the database is down): a bare page, still with the right status.
      kit.logger.error({ err: renderError }, 'the error page could not be rendered');
      if (!res.headersSent) res.status(status).type('text').send(`${status} ${code}`);
    }
  };
}

function problemOf(detail: unknown, f: Formatter): Array<{ field: string; message: string }> {
  if (!detail || typeof detail !== 'object') return [];
  const problem = detail as Partial<FieldProblem>;
  if (typeof problem.field !== 'string' || typeof problem.message !== 'string') return [];
  return [{ field: problem.field, message: problemText(f, problem as FieldProblem) }];
}
