/**
 * Issue 13's classes 6–9, the hostile requests: 1-MB ticket fields and a 500-ticket list page over large
 * tickets, malformed requests, sign-in timing by e-mail, and sessions written for anonymous page views.
 */
import Database from 'better-sqlite3';
import { gzipSync } from 'node:zlib';
import { atMost, type Figure } from '../../section.js';
import { median } from '../../stats.js';
import { deepJson, truncatedMultipart } from './documents.js';
import { BARS, probeFigures, TIMEOUT_MS, type HostileRun } from './hostile-run.js';
import { send } from './probe.js';
import { KNOWN_AGENTS, PASSWORD, type Prepared } from './setup.js';
import { createTable } from './upload-classes.js';
import { manyRows } from './workbooks.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** (6) A ticket with a 1-MB field; the list of 500 over tickets with large fields. */
export async function ticketFieldsClass(run: HostileRun, large: Prepared['largeTickets']): Promise<Figure[]> {
  const body = JSON.stringify({
    workflow: 'customer-inquiry',
    channel: 'chat',
    subject: 'A 1-MB field',
    customer: { name: 'Large' },
    fields: { issueSummary: 'x'.repeat(1_000_000) },
  });
  const created = await run.probe('1-MB ticket field', { method: 'POST', path: '/api/tickets', headers: JSON_TYPE, body, timeoutMs: TIMEOUT_MS });
  const listed = await run.probe('GET /api/tickets?limit=500', { method: 'GET', path: '/api/tickets?limit=500', timeoutMs: TIMEOUT_MS });
  const { answer } = listed;
  const seeded = `${large.stored} tickets stored beforehand with a ${(large.fieldBytes / 1000).toFixed(0)}-KB field${large.refused ? ` (${large.refused} refused: ${large.refusal})` : ''}`;
  return [
    ...probeFigures(
      'hostile.ticketFields.create1MB',
      created,
      `POST /api/tickets with a 1,000,000-character field (${(body.length / 1e6).toFixed(2)} MB body)`,
    ),
    {
      name: 'hostile.ticketFields.list500.answerMs',
      value: answer.totalMs,
      unit: 'ms',
      note: `GET /api/tickets?limit=500 to the last byte, status ${answer.status}${answer.failure ? ` ${answer.failure}` : ''}; ${seeded}`,
      bar: atMost(answer.failure ? Infinity : answer.totalMs, BARS.refusalMs, ' ms'),
    },
    { name: 'hostile.ticketFields.list500.answerMB', value: answer.bytes / 1e6, unit: 'MB', note: 'size of that answer' },
    ...probeFigures('hostile.ticketFields.list500', listed, 'the same list', false).slice(1),
  ];
}

const BOUNDARY = 'hostile-bench-truncated';

/** (7) Malformed requests: each must be a 4xx. */
export async function malformedClass(run: HostileRun): Promise<Figure[]> {
  const table = await createTable(run);
  const ticket = JSON.stringify({ workflow: 'customer-inquiry', channel: 'chat', subject: 'gzip', customer: { name: 'Gzip' } });
  // A gzip body cut short: the header is right, the deflate stream and trailer are missing.
  const badGzip = gzipSync(Buffer.from(ticket.repeat(50))).subarray(0, 40);
  const cases = {
    badGzip: {
      what: 'POST /api/tickets, Content-Encoding: gzip, a truncated gzip stream',
      method: 'POST',
      path: '/api/tickets',
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: badGzip,
    },
    badPercentEncoding: {
      what: 'GET /api/workflows/%E0%A4%A (an incomplete UTF-8 escape)',
      method: 'GET',
      path: '/api/workflows/%E0%A4%A',
      headers: {},
      body: undefined,
    },
    truncatedMultipart: {
      what: 'workbook import whose multipart body ends inside the file part',
      method: 'POST',
      path: `/api/execution-tables/${table}/import?preview=true`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: truncatedMultipart(BOUNDARY, manyRows(2_000).bytes),
    },
    deepJson: {
      what: 'POST /api/tickets whose fields nest 100,000 objects deep',
      method: 'POST',
      path: '/api/tickets',
      headers: JSON_TYPE,
      body: deepJson(100_000),
    },
  };
  const figures: Figure[] = [];
  for (const [name, { what, ...call }] of Object.entries(cases)) {
    const measured = await run.probe(`malformed ${name}`, { ...call, ...(call.body === undefined ? { body: undefined } : {}), timeoutMs: TIMEOUT_MS });
    const status = measured.answer.status;
    figures.push(
      { name: `hostile.malformed.${name}.status`, value: status, unit: '', note: what, bar: { label: '4xx', pass: status >= 400 && status < 500 } },
      ...probeFigures(`hostile.malformed.${name}`, measured, what),
    );
  }
  return figures;
}

const SIGN_INS = 30;

/** (8) Sign-in time with an unknown e-mail against a known e-mail with a wrong password, interleaved. */
export async function signInClass(run: HostileRun): Promise<Figure[]> {
  const base = run.server.base;
  const attempt = async (email: string): Promise<{ ms: number; status: number }> => {
    const form = await send(base, { method: 'GET', path: '/', timeoutMs: TIMEOUT_MS });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(form.cookie ? { cookie: form.cookie } : {}) };
    const body = new URLSearchParams({ _csrf: csrf, email, password: `${PASSWORD} wrong` }).toString();
    const answer = await send(base, { method: 'POST', path: '/', headers, body, timeoutMs: TIMEOUT_MS });
    return { ms: answer.statusMs, status: answer.status };
  };
  const unknown: number[] = [];
  const known: number[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < SIGN_INS; i++) {
    for (const [email, samples] of [
      [`nobody-${i}@bench.example`, unknown],
      [KNOWN_AGENTS[i % KNOWN_AGENTS.length]!, known],
    ] as const) {
      const { ms, status } = await attempt(email);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 401) samples.push(ms);
    }
  }
  const ratio = median(unknown) / median(known);
  const answered = [...statuses].map(([status, n]) => `${n}× ${status}`).join(', ');
  return [
    {
      name: 'hostile.signIn.unknownToKnownRatio',
      value: ratio,
      unit: '×',
      note: `median POST / time, unknown e-mail ÷ known e-mail with a wrong password; ${SIGN_INS} of each, interleaved; answers ${answered} (only 401s timed)`,
      bar: { label: '0.8–1.25', pass: ratio >= 0.8 && ratio <= 1.25 },
    },
    { name: 'hostile.signIn.unknownMedianMs', value: median(unknown), unit: 'ms', note: `${unknown.length} sign-ins with e-mails no account has` },
    {
      name: 'hostile.signIn.knownMedianMs',
      value: median(known),
      unit: 'ms',
      note: `${known.length} sign-ins of ${KNOWN_AGENTS.length} agents with a wrong password`,
    },
  ];
}

const PAGE_VIEWS = 500;
const VIEWERS = 10;

/** (9) Anonymous page views: the rows they add to `sessions`, read from the SQLite file. */
export async function sessionsClass(run: HostileRun, sqliteFile: string): Promise<Figure[]> {
  const count = () => {
    const db = new Database(sqliteFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('select count(*) as n from sessions').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const before = count();
  let next = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: VIEWERS }, async () => {
      while (next < PAGE_VIEWS) {
        next++;
        const answer = await send(run.server.base, { method: 'GET', path: '/', timeoutMs: TIMEOUT_MS });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const written = count() - before;
  const answered = [...statuses].map(([status, n]) => `${n}× ${status}`).join(', ');
  return [
    {
      name: 'hostile.sessions.rowsWritten',
      value: written,
      unit: 'rows',
      note: `sessions rows added by ${PAGE_VIEWS} cookie-less GET / from ${VIEWERS} clients in ${seconds.toFixed(1)} s (${answered}), counted in the SQLite file`,
      bar: atMost(written, 0),
    },
  ];
}
