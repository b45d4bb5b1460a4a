import type { Request } from 'express';
import { AppError } from '../../shared/errors.js';

/**
 * The JSON bodies nearly every API call sends, read without body-parser, whose checks (media type parsing,
 * charset decoding, raw-body's stream handling, debug logging) cost as much CPU as an advance's own work.
 * Only the plain case qualifies; body-parser reads every other body, with its own answers to what is wrong.
 */

const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const LENGTH = /^\d{1,10}$/;

/** The declared length of a body this module can read: UTF-8 JSON, not compressed, within `limit` bytes, not read yet. */
export function plainJsonLength(req: Request, limit: number): number | undefined {
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return undefined;
  const type = headers['content-type'];
  const length = headers['content-length'];
  if (type === undefined || length === undefined || !PLAIN_JSON.test(type) || !LENGTH.test(length)) return undefined;
  const bytes = Number(length);
  return bytes <= limit && req.readable && !req.readableDidRead && req.socket.readable ? bytes : undefined;
}

/** Reads the body into `req.body` as body-parser's strict JSON parser would, then calls `done` (with the error when it fails). */
export function readPlainJson(req: Request, length: number, done: (error?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let settled = false;
  const finish = (error?: unknown): void => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', finish);
    req.off('aborted', onAborted);
    req.off('close', onAborted);
    done(error);
  };
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    received += chunk.length;
  };
  const onEnd = (): void => {
    if (received !== length) return finish(new AppError('bad_request', 'request size did not match content length'));
    try {
      req.body = parseStrict(Buffer.concat(chunks, received).toString('utf8'));
    } catch (error) {
      return finish(error);
    }
    finish();
  };
  const onAborted = (): void => finish(new AppError('bad_request', 'request aborted'));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', finish);
  req.on('aborted', onAborted);
  req.on('close', onAborted);
}

/** body-parser's strict mode: an object or an array; an empty body is `{}`; a UTF-8 byte order mark is dropped. */
function parseStrict(decoded: string): unknown {
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/.exec(text)![1];
  if (first !== '{' && first !== '[') throw notJson(strictViolation(text, first || undefined));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw notJson((error as Error).message);
  }
}

/** The message body-parser gives a body that is not an object or an array: JSON.parse's own, at the first character. */
function strictViolation(text: string, first: string | undefined): string {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return 'strict violation';
  } catch (error) {
    return (error as Error).message.replace(/#+/g, (marks) => text.substring(index, index + marks.length));
  }
}

function notJson(message: string): AppError {
  return new AppError('bad_request', `the body is not valid JSON: ${message}`);
}
