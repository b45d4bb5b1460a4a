import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import multer from 'multer';
import { AppError, NotFoundError, type ErrorCode } from '../../shared/errors.js';

/** The error codes the API answers with: the app's vocabulary (`payload_too_large` among them). */
export type ApiErrorCode = ErrorCode;

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_bpmn: 422,
  payload_too_large: 413,
  event_not_allowed: 422,
  message_not_awaited: 422,
  condition_failed: 422,
  rate_limited: 429,
  internal: 500,
};

export interface Failure {
  status: number;
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

/**
 * What body-parser and express's router throw: an http-errors object with a 4xx `status`; body-parser's
 * `type` says what was wrong with the body (a broken gzip stream has none: it is the zlib error with status
 * 400; a malformed percent-encoding in the path is the router's URIError with status 400).
 */
interface HttpClientError {
  status: number;
  type?: string;
  message: string;
  limit?: number;
}

function isHttpClientError(error: unknown): error is HttpClientError {
  const e = error as Partial<HttpClientError> | null;
  return typeof e?.status === 'number' && e.status >= 400 && e.status < 500;
}

/**
 * The one mapping from errors to responses, for the API (JSON, below) and the pages (an error page in the
 * layout, `web/page-errors.ts`). Unknown errors say nothing about themselves to the caller.
 */
export function failureOf(error: unknown, req: Request): Failure {
  if (error instanceof AppError) return { status: STATUS[error.code], code: error.code, message: error.message, details: error.details };
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE')
      return { status: 413, code: 'payload_too_large', message: `the file is larger than the limit of the field "${error.field ?? 'file'}"` };
    return { status: 400, code: 'bad_request', message: `the upload is not valid: ${error.message}${error.field ? ` (field "${error.field}")` : ''}` };
  }
  if (isHttpClientError(error)) {
    if (error.type === 'entity.too.large' || error.status === 413)
      return {
        status: 413,
        code: 'payload_too_large',
        message: `the body is larger than the limit of ${error.limit} bytes`,
        details: { limit: 'body', maximum: error.limit },
      };
    if (error.type === 'entity.parse.failed') return { status: 400, code: 'bad_request', message: `the body is not valid JSON: ${error.message}` };
    if (error instanceof URIError) return { status: 400, code: 'bad_request', message: 'the path is not valid percent-encoded UTF-8' };
    if (error.type === undefined && (error as { code?: unknown }).code !== undefined)
      return { status: 400, code: 'bad_request', message: `the body could not be read as its Content-Encoding says: ${error.message}` };
    return { status: error.status === 415 ? 415 : 400, code: 'bad_request', message: error.message };
  }
  return { status: 500, code: 'internal', message: `something went wrong on our side; request ${String(req.id)} is in the logs` };
}

/** `{"error": {"code", "message", "details"}}` with the status of the error's code; 500s are logged with their stack. */
export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  const { status, code, message, details } = failureOf(error, req);
  // pino-http logs the error of a failed request with its response line.
  if (status >= 500) res.err = error instanceof Error ? error : new Error(String(error));
  if (code === 'unauthorized') res.set('WWW-Authenticate', `Bearer realm="sopflow"${req.get('authorization') ? ', error="invalid_token"' : ''}`);
  res.status(status).json({ error: { code, message, ...(details === undefined ? {} : { details }) } });
};

export const unknownRoute: RequestHandler = (req) => {
  throw new NotFoundError(`no route ${req.method} ${req.path}`);
};
