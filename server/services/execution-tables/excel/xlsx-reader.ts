import { overChars, type WorkbookLimits } from '../../../shared/config.js';
import { AppError } from '../../../shared/errors.js';
import { InflateBudget, InflatedBudgetExceeded, NotAWorkbook, zipEntries } from './zip-entries.js';
import { local, XmlReader } from './xml-parts.js';

// A streaming reader of the few parts of an .xlsx the import needs (the workbook's sheet list, shared
// strings, number formats for dates, and the table and KPI sheets), with every limit checked as the XML
// streams by: nothing past a limit is held. It runs in a worker thread (`workbook-worker.ts`), so its result
// is plain data: rows of plain cell values, as a person sees them in Excel.

/**
 * A formula cell saved without its result (a script wrote the formula, nothing calculated it): its value is
 * unknown, so it is told apart from a blank cell. `formula` is its text without `=`; empty for a shared one.
 */
export interface UncomputedFormula {
  formula: string;
}

export type Plain = string | number | boolean | Date | null | UncomputedFormula;

export function isUncomputedFormula(value: unknown): value is UncomputedFormula {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && typeof (value as { formula?: unknown }).formula === 'string';
}

/** A row of a sheet: its number as Excel shows it, and its cells by column (index 0 is column A). */
export interface PlainRow {
  number: number;
  cells: Plain[];
}

export interface PlainSheet {
  name: string;
  rows: PlainRow[];
}

/** Which sheets to read: names already `normalize`d, in every language of the export. */
export interface SheetChoice {
  table: string[];
  kpi: string[];
}

/** A limit passed while reading; the caller answers it with 413 naming the limit's setting. */
export class WorkbookLimitExceeded extends Error {
  constructor(
    readonly limit: keyof WorkbookLimits,
    readonly where: { sheet?: string; cell?: string } = {},
  ) {
    super(`workbook limit ${limit} passed${where.sheet ? ` on sheet "${where.sheet}"` : ''}${where.cell ? ` at ${where.cell}` : ''}`);
  }
}

/** Full-width and half-width forms alike (（ and (), spaces collapsed, case ignored. */
export function normalize(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Excel's built-in number formats that show a date or a time (27–36 and 50–58 in East Asian versions). */
const DATE_FORMAT_IDS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

function isDateFormat(code: string): boolean {
  // Quoted text, [colours]/[locales] and escaped characters say nothing about dates.
  const bare = code
    .replace(/"[^"]*"/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\\./g, '');
  return /[ymdhs]/i.test(bare) && !/^general$/i.test(bare.trim());
}

/** Column letters of a cell reference (`AB12`) as a 1-based index, or undefined when there are none. */
function columnOf(reference: string): number | undefined {
  let column = 0;
  let at = 0;
  for (; at < reference.length; at++) {
    const code = reference.charCodeAt(at) & ~32;
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
    if (column > 16_384) return 16_385;
  }
  return at === 0 ? undefined : column;
}

function letterOf(column: number): string {
  let text = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) text = String.fromCharCode(65 + ((n - 1) % 26)) + text;
  return text;
}

/** The most characters of XML one character of text takes: a character reference such as `&#x10FFFF;`. */
const RAW_CHARS_PER_CHAR = 10;

/** Where relationship targets point, relative to the part that names them. */
function resolveTarget(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
}

/**
 * Reads the table sheet and the KPI sheet of a workbook (chosen by name as `choice` says; the table is else
 * the first other sheet), in the workbook's order. Throws `WorkbookLimitExceeded` the moment a limit is
 * passed, `NotAWorkbook` for a file that is no workbook.
 */
export async function readXlsx(data: Buffer, choice: SheetChoice, limits: WorkbookLimits): Promise<PlainSheet[]> {
  if (data.length > limits.uploadBytes) throw new WorkbookLimitExceeded('uploadBytes');
  const budget = new InflateBudget(limits.inflatedBytes);
  const xml = new XmlReader(data, zipEntries(data), budget);
  try {
    return await readParts(xml, choice, limits);
  } catch (error) {
    if (error instanceof InflatedBudgetExceeded) throw new WorkbookLimitExceeded('inflatedBytes');
    throw error;
  }
}

async function readParts(xml: XmlReader, choice: SheetChoice, limits: WorkbookLimits): Promise<PlainSheet[]> {
  let workbookPart = 'xl/workbook.xml';
  if (!xml.has(workbookPart) && xml.has('_rels/.rels')) {
    await xml.read('_rels/.rels', {
      open(name, attributes) {
        if (name === 'Relationship' && attributes.Type?.endsWith('/officeDocument') && attributes.Target) workbookPart = resolveTarget('', attributes.Target);
      },
    });
  }
  const sheets: Array<{ name: string; rid: string }> = [];
  let date1904 = false;
  await xml.read(workbookPart, {
    open(name, attributes) {
      if (name === 'sheet' && attributes.name !== undefined) sheets.push({ name: attributes.name, rid: attributes['r:id'] ?? attributes.id ?? '' });
      if (name === 'workbookPr') date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
    },
  });
  const relsPart = resolveTarget(workbookPart, `_rels/${workbookPart.split('/').pop()}.rels`);
  const targets = new Map<string, { type: string; path: string }>();
  await xml.read(relsPart, {
    open(name, attributes) {
      if (name === 'Relationship' && attributes.Id && attributes.Target)
        targets.set(attributes.Id, { type: attributes.Type ?? '', path: resolveTarget(workbookPart, attributes.Target) });
    },
  });

  const kpi = sheets.find((sheet) => choice.kpi.includes(normalize(sheet.name)));
  const table = sheets.find((sheet) => choice.table.includes(normalize(sheet.name))) ?? sheets.find((sheet) => sheet !== kpi);
  const wanted = sheets.filter((sheet) => sheet === table || sheet === kpi);
  if (wanted.length === 0) return [];

  const partOf = (type: string): string | undefined => [...targets.values()].find((target) => target.type.endsWith(type))?.path;
  const strings = await readSharedStrings(xml, partOf('/sharedStrings'), limits);
  const dateStyles = await readDateStyles(xml, partOf('/styles'));
  const context: SheetContext = { strings, dateStyles, date1904, limits };
  const read: PlainSheet[] = [];
  for (const sheet of wanted) {
    const path = targets.get(sheet.rid)?.path;
    if (!path) throw new NotAWorkbook(`the file is not an Excel workbook (.xlsx): the sheet "${sheet.name}" has no part`);
    read.push({ name: sheet.name, rows: await readSheet(xml, path, sheet.name, context) });
  }
  return read;
}

/** Shared strings; one longer than a cell may hold is kept as `undefined` (refused if a cell shows it). */
async function readSharedStrings(xml: XmlReader, path: string | undefined, limits: WorkbookLimits): Promise<Array<string | undefined>> {
  const strings: Array<string | undefined> = [];
  if (!path || !xml.has(path)) return strings;
  let text = '';
  let tooLong = false;
  let inText = false;
  let phonetic = 0;
  await xml.read(path, {
    open(name) {
      if (name === 'si') {
        text = '';
        tooLong = false;
      } else if (name === 't') inText = true;
      else if (name === 'rPh') phonetic += 1;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic -= 1;
      else if (name === 'si') strings.push(tooLong ? undefined : text);
    },
    text(chunk) {
      if (!inText || phonetic > 0 || tooLong) return;
      text += chunk;
      if (overChars(text, limits.cellChars)) {
        tooLong = true;
        text = '';
      }
    },
  });
  return strings;
}

/** The cell styles (by index in cellXfs) whose number format shows a date. */
async function readDateStyles(xml: XmlReader, path: string | undefined): Promise<Set<number>> {
  const dates = new Set<number>();
  if (!path || !xml.has(path)) return dates;
  const customDates = new Set<number>();
  let inCellXfs = false;
  let index = 0;
  await xml.read(path, {
    open(name, attributes) {
      if (name === 'numFmt' && isDateFormat(attributes.formatCode ?? '')) customDates.add(Number(attributes.numFmtId));
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) {
        const id = Number(attributes.numFmtId ?? 0);
        if (DATE_FORMAT_IDS.has(id) || customDates.has(id)) dates.add(index);
        index += 1;
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
  });
  return dates;
}

interface SheetContext {
  strings: Array<string | undefined>;
  dateStyles: Set<number>;
  date1904: boolean;
  limits: WorkbookLimits;
}

/** Reads one sheet's rows, keeping only rows with a value and refusing the first cell past a limit. */
async function readSheet(xml: XmlReader, path: string, sheet: string, { strings, dateStyles, date1904, limits }: SheetContext): Promise<PlainRow[]> {
  const rows: PlainRow[] = [];
  let row: PlainRow = { number: 0, cells: [] };
  let hasValue = false;
  let column = 0;
  let type = 'n';
  let style = 0;
  let text = '';
  /** Inside a `<v>` or a `<t>` of an inline string (not a phonetic run): text that is the cell's. */
  let collecting = false;
  /** The cell's formula (`<f>`), when it has one, and whether a value (its result) was saved with it. */
  let formula: string | undefined;
  let inFormula = false;
  let valued = false;
  let phonetic = 0;
  let reference = '';

  const where = (): { sheet: string; cell: string } => ({ sheet, cell: reference || `${letterOf(column)}${row.number}` });

  function valueOf(): Plain {
    if (type === 'inlineStr' || type === 'str') return text;
    if (text === '') return null;
    switch (type) {
      case 's': {
        const index = Number(text);
        if (!Number.isInteger(index) || index < 0 || index >= strings.length) return null;
        const shared = strings[index];
        if (shared === undefined) throw new WorkbookLimitExceeded('cellChars', where());
        return shared;
      }
      case 'b':
        return text === '1' || text === 'true';
      case 'e':
        return text;
      case 'd': {
        const date = new Date(text);
        return Number.isNaN(date.getTime()) ? text : date;
      }
      default: {
        const number = Number(text);
        if (!Number.isFinite(number)) return text;
        return dateStyles.has(style) ? new Date(Math.round((number - 25569 + (date1904 ? 1462 : 0)) * 86_400_000)) : number;
      }
    }
  }

  await xml.read(
    path,
    {
      open(name, attributes) {
        switch (name) {
          case 'row':
            row = { number: attributes.r ? Number(attributes.r) : row.number + 1, cells: [] };
            hasValue = false;
            column = 0;
            break;
          case 'c':
            reference = attributes.r ?? '';
            column = (attributes.r ? columnOf(attributes.r) : undefined) ?? column + 1;
            type = attributes.t ?? 'n';
            style = Number(attributes.s ?? 0);
            text = '';
            formula = undefined;
            valued = false;
            break;
          case 'f':
            formula = '';
            inFormula = true;
            break;
          case 'v':
            collecting = true;
            valued = true;
            break;
          case 'is':
            valued = true;
            break;
          case 't':
            collecting = type === 'inlineStr' && phonetic === 0;
            break;
          case 'rPh':
            phonetic += 1;
            break;
        }
      },
      close(name) {
        switch (name) {
          case 'v':
          case 't':
            collecting = false;
            break;
          case 'f':
            inFormula = false;
            break;
          case 'rPh':
            phonetic -= 1;
            break;
          case 'c': {
            const value = formula !== undefined && !valued ? { formula } : valueOf();
            if (value === null || value === '') break;
            if (column > limits.columns) throw new WorkbookLimitExceeded('columns', where());
            while (row.cells.length < column - 1) row.cells.push(null);
            row.cells[column - 1] = value;
            hasValue = true;
            break;
          }
          case 'row':
            if (!hasValue) break;
            if (rows.length >= limits.rows) throw new WorkbookLimitExceeded('rows', { sheet, cell: `A${row.number}` });
            rows.push(row);
            break;
        }
      },
      text(chunk) {
        if (inFormula) {
          formula += chunk;
          if (overChars(formula!, limits.cellChars)) throw new WorkbookLimitExceeded('cellChars', where());
        }
        if (!collecting) return;
        text += chunk;
        if (overChars(text, limits.cellChars)) throw new WorkbookLimitExceeded('cellChars', where());
      },
    },
    {
      // A cell's text as XML takes at most ten characters a character (`&#x10FFFF;`): past that it is too long.
      chars: RAW_CHARS_PER_CHAR * limits.cellChars,
      passed() {
        if (collecting || inFormula) throw new WorkbookLimitExceeded('cellChars', where());
      },
    },
  );
  return rows;
}
