import type { Writable } from 'node:stream';
import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import type { z } from 'zod';
import {
  DEFAULT_INPUT_LIMITS,
  DEFAULT_WORKBOOK_LIMITS,
  DEFAULT_WORKFLOW_LIMITS,
  INPUT_LIMIT_SETTINGS,
  WORKBOOK_LIMIT_SETTINGS,
  workflowLimitSetting,
  type InputLimits,
} from '../../shared/config.js';
import { AppError, TooLargeError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import { negotiateLocale, type Locale } from '../../shared/i18n.js';
import type { ProblemParams } from './ids.js';
import type { Role, User } from '../../services/users/users.js';

/** Who may call a route: anyone, or users holding at least this role. */
export type Access = Role | 'public';

/**
 * A request body: JSON checked by a schema, the raw bytes of a BPMN file (the importer decodes them itself),
 * or an Excel workbook uploaded as multipart form data in the field `file`.
 */
export type BodySpec = z.ZodType | 'bpmn' | 'workbook' | undefined;

/** Paths that answer programs (JSON, files), not people: no page headers, no session unless a page's script sends its cookie. */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/healthz';
}

export const JSON_LIMIT_BYTES = DEFAULT_INPUT_LIMITS.jsonBodyBytes;
/** The default largest BPMN body; the route's `bodyLimitBytes` (the WORKFLOW_MAX_BYTES setting) decides. */
export const BPMN_LIMIT_BYTES = DEFAULT_WORKFLOW_LIMITS.maxBytes;
export const BPMN_TYPES = ['application/xml', 'text/xml', 'application/bpmn+xml'];
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file streamed to the caller as it is made (an Excel export of any size), offered for download. */
export interface FileReply {
  contentType: string;
  filename: string;
  write(output: Writable): Promise<void>;
}

/** `location`: where what the request started can be read (a 202's progress), sent as the Location header. */
export type Reply = { status?: number; json: unknown; location?: string } | { status?: number; xml: string } | { file: FileReply };

/** A success response as the OpenAPI document describes it. */
export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  xml?: true;
  /** The content type of a file response. */
  file?: string;
}

/** Failures a route answers beyond those every route can (400 bad input, 401/403 access, 413 body size). */
/** What a route's refusals mean, by status; a 400 here says more than the generic one every route with input has. */
export type RouteErrors = Partial<Record<400 | 404 | 409 | 422, string>>;

type InputOf<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;
type BodyOf<B> = B extends 'bpmn' | 'workbook' ? Buffer : B extends z.ZodType ? z.output<B> : undefined;

export interface RouteDefinition<A extends Access, P, Q, B extends BodySpec> {
  operationId: string;
  tag: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path syntax (`/api/tickets/:id`). */
  path: string;
  summary: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** The largest body this route reads, when not its kind's default (a BPMN body: the WORKFLOW_MAX_BYTES setting). */
  bodyLimitBytes?: number;
  /** For a `workbook` body: the most bytes the upload may have (the WORKBOOK_MAX_UPLOAD_BYTES setting). */
  uploadLimitBytes?: number;
  responses: Record<number, ResponseDoc>;
  errors?: RouteErrors;
  /** `locale`: the caller's language, their account's else their Accept-Language (any Chinese, or none: 简体中文), as the pages choose it. */
  handle(input: { params: InputOf<P>; query: InputOf<Q>; body: BodyOf<B>; user: A extends 'public' ? undefined : User; locale: Locale }): Promise<Reply>;
}

/**
 * A route as the app mounts it and the OpenAPI document describes it: both read this one object, so no
 * route can exist without its schemas in the document.
 */
export interface ApiRoute extends Omit<RouteDefinition<Access, z.ZodType | undefined, z.ZodType | undefined, BodySpec>, 'handle'> {
  /** Reads the request body the route takes, within its size limit. */
  bodyParsers: RequestHandler[];
  /** Checks the input against the schemas, runs the route, sends its reply. */
  handle: RequestHandler;
}

export function defineRoute<
  A extends Access,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends BodySpec = undefined,
>(definition: RouteDefinition<A, P, Q, B>): ApiRoute {
  const { handle, ...doc } = definition;
  return {
    ...doc,
    bodyParsers: bodyParsersFor(definition.body, definition),
    async handle(req, res) {
      const input = {
        params: definition.params ? parse(definition.params, req.params, 'path') : {},
        query: definition.query ? parse(definition.query, req.query, 'query string') : {},
        body: bodyOf(definition.body, req),
        user: req.user,
        // Read by the few routes that answer in a language: not negotiated for every advance.
        get locale(): Locale {
          return negotiateLocale([req.user?.locale], (languages) => req.acceptsLanguages(languages));
        },
      };
      await send(res, await handle(input as Parameters<typeof handle>[0]));
    },
  };
}

/**
 * Reads a workbook uploaded as multipart form data (field `file`) into memory, within `maxBytes`: multer stops
 * reading the moment the file passes it, and the request is refused with 413 naming the setting. A malformed
 * or truncated upload (busboy's "Unexpected end of form", a bad boundary) is the caller's fault: 400
 * `bad_request`, never a 500.
 */
export function workbookUpload(maxBytes: number, limit: string = WORKBOOK_LIMIT_SETTINGS.uploadBytes): RequestHandler {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('file');
  return (req, res, next) => {
    upload(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError && error.code === 'LIMIT_FILE_SIZE') {
        next(new TooLargeError(`the file is larger than ${maxBytes} bytes (${limit})`, limit, maxBytes));
      } else if (error === undefined || error === null || error instanceof multer.MulterError || error instanceof AppError) next(error);
      else next(new AppError('bad_request', `the upload is not valid multipart/form-data: ${error instanceof Error ? error.message : String(error)}`));
    });
  };
}

/** A BPMN file uploaded from a page's form (multipart, field `file`), within WORKFLOW_MAX_BYTES. */
export function bpmnUpload(maxBytes: number): RequestHandler {
  return workbookUpload(maxBytes, workflowLimitSetting('maxBytes'));
}

/**
 * A JSON body within the configured size and nesting depth. express's parser has no depth option, so the
 * parsed value is walked once (iteratively: no recursion a deep body could overflow); its cost is bounded by
 * the size limit. Over either limit: 413 `payload_too_large` naming the setting and its maximum.
 */
export function jsonBody(limits: Pick<InputLimits, 'jsonBodyBytes' | 'jsonDepth'>): RequestHandler[] {
  const parse = express.json({ limit: limits.jsonBodyBytes });
  return [
    (req, res, next) => {
      parse(req, res, (error?: unknown) => {
        if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large')
          return next(
            new TooLargeError(`the body is larger than the limit of ${limits.jsonBodyBytes} bytes`, INPUT_LIMIT_SETTINGS.jsonBodyBytes, limits.jsonBodyBytes),
          );
        next(error);
      });
    },
    (req, _res, next) => {
      if (depthOf(req.body, limits.jsonDepth) > limits.jsonDepth)
        throw new TooLargeError(`the body nests deeper than ${limits.jsonDepth} levels`, INPUT_LIMIT_SETTINGS.jsonDepth, limits.jsonDepth);
      refuseUnstorableText(req.body);
      next();
    },
  ];
}

/** NUL, and a surrogate without its pair: PostgreSQL refuses the one, UTF-8 cannot hold the other. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a body (JSON, or a page's form) with text that cannot be stored as sent, naming the first field
 * that holds it: stored, it would fail on PostgreSQL and be altered on SQLite, after a 201 that echoed it.
 */
export function refuseUnstorableText(body: unknown): void {
  const stack: Array<{ value: unknown; path: string }> = [{ value: body, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) throw unstorable(path || 'body');
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (UNSTORABLE.test(key)) throw unstorable(at);
        stack.push({ value: child, path: at });
      }
    }
  }
}

const unstorable = (field: string) =>
  new ValidationError(`${field} holds a NUL character or half of a surrogate pair, which cannot be stored`, [
    { field, message: 'holds a NUL character or half of a surrogate pair, which cannot be stored' },
  ]);

/** How deeply arrays and objects nest in a parsed JSON value, counted up to just past `cap`. */
export function depthOf(value: unknown, cap: number): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: level });
    }
  }
  return deepest;
}

/** The parsers to mount before a route: its own, a JSON body's at the configured limits. */
export function bodyParsersOf(route: ApiRoute, limits: InputLimits): RequestHandler[] {
  return route.body !== undefined && typeof route.body === 'object' ? jsonBody(limits) : route.bodyParsers;
}

function bodyParsersFor(body: BodySpec, limits: { bodyLimitBytes?: number | undefined; uploadLimitBytes?: number | undefined }): RequestHandler[] {
  if (body === 'bpmn') return [bpmnBody(limits.bodyLimitBytes ?? BPMN_LIMIT_BYTES)];
  if (body === 'workbook') return [workbookUpload(limits.uploadLimitBytes ?? DEFAULT_WORKBOOK_LIMITS.uploadBytes)];
  return body ? jsonBody(DEFAULT_INPUT_LIMITS) : [];
}

/**
 * Reads a BPMN body of at most `maximum` bytes: refused with 413 naming the setting as soon as the declared
 * length or the bytes received pass it, before anything is parsed.
 */
function bpmnBody(maximum: number): RequestHandler {
  const raw = express.raw({ type: BPMN_TYPES, limit: maximum });
  const setting = workflowLimitSetting('maxBytes');
  return (req, res, next) =>
    raw(req, res, (error?: unknown) => {
      if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large') {
        next(new TooLargeError(`the BPMN file is larger than the limit of ${maximum} bytes (${setting})`, setting, maximum));
      } else next(error);
    });
}

function bodyOf(spec: BodySpec, req: Request): unknown {
  if (spec === undefined) return undefined;
  if (spec === 'bpmn') {
    if (!Buffer.isBuffer(req.body)) throw new AppError('bad_request', `send the BPMN XML as the body, with Content-Type: ${BPMN_TYPES.join(' or ')}`);
    return req.body;
  }
  if (spec === 'workbook') {
    if (!req.file) throw new AppError('bad_request', 'send the workbook as multipart/form-data in the field "file"');
    return req.file.buffer;
  }
  if (req.body === undefined) throw new AppError('bad_request', 'send a JSON body, with Content-Type: application/json');
  return parse(spec, req.body, 'body');
}

/** The value the schema makes of the input, or a ValidationError naming every field that is wrong. */
function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.flatMap((issue) => {
    const at = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: at ? `${at}.${key}` : key, message: 'is not a known field' }));
    const structured = issue.code === 'custom' ? problemParamsOf(issue.params) : undefined;
    return [{ field: at || where, message: issue.message, ...structured }];
  });
  throw new ValidationError(`the ${where} is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}

/** The `code` and `values` a refinement attached to its issue (`ProblemParams`), for callers that decide by them. */
function problemParamsOf(params: Record<string, unknown> | undefined): ProblemParams | undefined {
  return typeof params?.code === 'string' && typeof params.values === 'object' && params.values !== null ? (params as unknown as ProblemParams) : undefined;
}

async function send(res: Response, reply: Reply): Promise<void> {
  if ('file' in reply) return sendFile(res, reply.file);
  res.status(reply.status ?? 200);
  if ('xml' in reply) res.type('application/xml').send(reply.xml);
  else {
    if (reply.location) res.location(reply.location);
    res.json(reply.json);
  }
}

/**
 * Streams a file as it is written. Once the first bytes are out the status cannot change, so a failure
 * midway ends the response abruptly (the download fails visibly) and is passed on to be logged.
 */
async function sendFile(res: Response, file: FileReply): Promise<void> {
  // NOTE: attachment() sets a type from the file name's extension (octet-stream for one it does not know): the file's own type goes last.
  res.status(200).attachment(file.filename).type(file.contentType);
  await file.write(res);
  if (!res.writableEnded) res.end();
}
