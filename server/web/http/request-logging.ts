import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../shared/logger.js';

declare module 'http' {
  interface IncomingMessage {
    /** The request id every log line of the request carries. */
    id: string;
  }
  interface ServerResponse {
    /** The error behind a 5xx, set by the error handlers for the request log. */
    err?: Error | undefined;
  }
}

/** A proxy's request id is kept when it looks like one, so a request can be followed across services. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;

/**
 * One log line per request: id, method, url, status and duration (`responseTime`, ms); a 5xx also carries
 * the error the error handler put in `res.err`, with its stack. Never headers or bodies: they carry API
 * tokens and customers' personal data. Written by hand rather than with pino-http, which builds a child
 * logger with the serialized request for every request even when nothing is logged.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    // Taken now: routers rewrite `req.url` on the way down.
    const request = { id, method: req.method, url: req.originalUrl };
    const started = Date.now();
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const failed = res.err !== undefined || res.statusCode >= 500;
      const level = failed ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line = { req: request, res: { statusCode: res.statusCode }, responseTime: Date.now() - started };
      if (failed) logger.error({ ...line, err: res.err ?? new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
      else logger[level](line, 'request completed');
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
