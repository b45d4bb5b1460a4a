import { readFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('../../../fixtures/xes/xes-ieee-1849-2016.xsd', import.meta.url), 'utf8');

/** What libxml2 says is wrong with `xml` against the IEEE 1849-2016 XES schema: nothing for a valid log. */
export async function xesProblems(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'log.xes', contents: xml }], schema: [XSD], maxMemoryPages: 1024 });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

export type XesValue = string | number | boolean;
export interface XesElement {
  attributes: Record<string, XesValue>;
}
export interface XesLog extends XesElement {
  extensions: Array<Record<string, string>>;
  globals: Record<string, Record<string, XesValue>>;
  classifiers: Array<Record<string, string>>;
  traces: Array<XesElement & { events: XesElement[] }>;
}

/** An XES document read back with an independent XML parser (saxes): typed attribute values, by key. */
export function parseXes(xml: string): XesLog {
  const log: XesLog = { attributes: {}, extensions: [], globals: {}, classifiers: [], traces: [] };
  let target: Record<string, XesValue> = log.attributes;
  let scope: string | undefined;
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'extension':
        log.extensions.push(a);
        return;
      case 'classifier':
        log.classifiers.push(a);
        return;
      case 'global':
        scope = a.scope!;
        target = log.globals[scope] = {};
        return;
      case 'trace':
        log.traces.push({ attributes: {}, events: [] });
        target = log.traces.at(-1)!.attributes;
        return;
      case 'event':
        log.traces.at(-1)!.events.push({ attributes: {} });
        target = log.traces.at(-1)!.events.at(-1)!.attributes;
        return;
      case 'string':
      case 'date':
        target[a.key!] = a.value!;
        return;
      case 'int':
        target[a.key!] = Number(a.value);
        return;
      case 'boolean':
        target[a.key!] = a.value === 'true';
        return;
      default:
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'global') target = log.attributes;
    if (tag.name === 'event') target = log.traces.at(-1)!.attributes;
  });
  parser.write(xml).close();
  return log;
}

/** RFC 4180, strictly: quoted fields may hold commas, quotes (doubled) and line breaks; records end in CRLF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  while (at < text.length) {
    let field = '';
    if (text[at] === '"') {
      at += 1;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        field += '"';
        at += 1;
      }
    } else {
      const end = text.slice(at).search(/[,\r\n]/);
      field = end < 0 ? text.slice(at) : text.slice(at, at + end);
      if (field.includes('"')) throw new Error(`a quote inside an unquoted field: ${field}`);
      at = end < 0 ? text.length : at + end;
    }
    record.push(field);
    if (text[at] === ',') at += 1;
    else if (text.startsWith('\r\n', at) || at === text.length) {
      records.push(record);
      record = [];
      at += 2;
    } else throw new Error(`a bare line break or stray character at ${at}: ${JSON.stringify(text.slice(at, at + 10))}`);
  }
  return records;
}

/** The CSV export's rows as objects by header; the byte-order mark and the header are checked on the way. */
export function csvRows(text: string, header: readonly string[]): Array<Record<string, string>> {
  if (!text.startsWith('\uFEFF')) throw new Error('no UTF-8 byte-order mark');
  const [head, ...rows] = parseCsv(text.slice(1));
  expect(head).toEqual(header);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]!])));
}

/** A CSV cell as written, without the apostrophe that defuses a formula. */
export const undefused = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

export interface LoggedVisit {
  name: string;
  enteredAt: number;
  exitedAt: number | null;
  actor: string | null;
  suspended: boolean;
}

/**
 * The visits a trace's events describe, rebuilt without the visit numbers (CSV has none): a start opens a
 * visit, a complete closes the earliest open one of the same activity, suspend/resume mark the customer's wait.
 */
export function visitsOf(events: Array<{ activity: string; timestamp: number; lifecycle: string; resource: string | null }>): LoggedVisit[] {
  const visits: Array<LoggedVisit & { resumed: boolean }> = [];
  const open = (activity: string) => visits.find((v) => v.name === activity && v.exitedAt === null);
  for (const e of events) {
    if (e.lifecycle === 'start') visits.push({ name: e.activity, enteredAt: e.timestamp, exitedAt: null, actor: e.resource, suspended: false, resumed: false });
    else if (e.lifecycle === 'suspend') open(e.activity)!.suspended = true;
    else if (e.lifecycle === 'resume') open(e.activity)!.resumed = true;
    else if (e.lifecycle === 'complete') open(e.activity)!.exitedAt = e.timestamp;
    else throw new Error(`unexpected transition ${e.lifecycle}`);
  }
  for (const v of visits)
    if (v.suspended !== v.resumed && v.exitedAt !== null) throw new Error(`${v.name}: suspended without resume or resumed without suspend`);
  return visits.map(({ resumed: _, ...v }) => v);
}
