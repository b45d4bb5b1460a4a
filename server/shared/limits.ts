import { AppError } from './errors.js';

/** The limits on what uploads and requests may cost: part of the configuration (`config.ts` reads them). */

/**
 * Characters (Unicode code points) in `text`, or in `text[from, to)`: what every character limit counts, so
 * 𠀀 or 😀 is one character as the person typing it sees it, not the two UTF-16 units `.length` counts.
 * A surrogate without its pair counts as one.
 */
export function charCount(text: string, from = 0, to = text.length): number {
  let count = to - from;
  for (let i = from; i < to - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** Whether `text` has more than `max` characters (`charCount`), without counting when its length decides. */
export function overChars(text: string, max: number): boolean {
  if (text.length <= max) return false;
  // Each character is at most two units: more than twice the units is more characters than the limit.
  return text.length > 2 * max || charCount(text) > max;
}

/** Limits on one imported workflow: each a setting (environment variable in brackets). */
export interface WorkflowLimits {
  /** [WORKFLOW_MAX_BYTES] the file's size; larger is refused with 413. */
  maxBytes: number;
  /** [WORKFLOW_MAX_ELEMENTS] flow nodes and sequence flows in the file. */
  maxElements: number;
  /** [WORKFLOW_MAX_XML_ELEMENTS] XML elements of any kind in the file: diagram shapes, extensions, text holders. */
  maxXmlElements: number;
  /** [WORKFLOW_MAX_ATTRIBUTES] attributes on one XML element. */
  maxAttributes: number;
  /** [WORKFLOW_MAX_DEPTH] how deep XML elements nest. */
  maxDepth: number;
  /** [WORKFLOW_MAX_NAME_CHARS] a `name` or `label` attribute: step, flow, field names. */
  maxNameChars: number;
  /** [WORKFLOW_MAX_TEXT_CHARS] the text of one element: documentation, conditions, timer expressions. */
  maxTextChars: number;
  /** [WORKFLOW_MAX_ATTRIBUTE_CHARS] any other attribute value, extension attributes included. */
  maxAttributeChars: number;
  /** [WORKFLOW_COMPILE_BUDGET_MS] parsing, reading and compiling together; a file that takes longer is refused. */
  compileBudgetMs: number;
}

export const DEFAULT_WORKFLOW_LIMITS: Readonly<WorkflowLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxElements: 1000,
  maxXmlElements: 20_000,
  maxAttributes: 100,
  maxDepth: 100,
  maxNameChars: 500,
  maxTextChars: 20_000,
  maxAttributeChars: 100_000,
  compileBudgetMs: 2000,
});

export const DEFAULT_QUEUE_FILTER_OPTIONS = 200;

const WORKFLOW_LIMIT_VARIABLES: Record<keyof WorkflowLimits, string> = {
  maxBytes: 'WORKFLOW_MAX_BYTES',
  maxElements: 'WORKFLOW_MAX_ELEMENTS',
  maxXmlElements: 'WORKFLOW_MAX_XML_ELEMENTS',
  maxAttributes: 'WORKFLOW_MAX_ATTRIBUTES',
  maxDepth: 'WORKFLOW_MAX_DEPTH',
  maxNameChars: 'WORKFLOW_MAX_NAME_CHARS',
  maxTextChars: 'WORKFLOW_MAX_TEXT_CHARS',
  maxAttributeChars: 'WORKFLOW_MAX_ATTRIBUTE_CHARS',
  compileBudgetMs: 'WORKFLOW_COMPILE_BUDGET_MS',
};

/** The environment variable that sets a workflow limit: what a refusal names. */
export function workflowLimitSetting(limit: keyof WorkflowLimits): string {
  return WORKFLOW_LIMIT_VARIABLES[limit];
}

/**
 * The one reader of a numeric setting: decimal digits only (no `1e3`, no sign, no blanks), within `least`
 * and `most`; undefined when the variable is absent, so the caller keeps its default (set but empty is refused).
 */
export function wholeNumberSetting(env: NodeJS.ProcessEnv, name: string, { least = 1, most = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const number = /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!(number >= least && number <= most)) throw new AppError('bad_request', `${name} must be a whole number from ${least} to ${most}, not "${value}"`);
  return number;
}

export function workflowLimitsFrom(env: NodeJS.ProcessEnv): WorkflowLimits {
  const limits = { ...DEFAULT_WORKFLOW_LIMITS };
  for (const [key, name] of Object.entries(WORKFLOW_LIMIT_VARIABLES) as Array<[keyof WorkflowLimits, string]>) {
    limits[key] = wholeNumberSetting(env, name) ?? DEFAULT_WORKFLOW_LIMITS[key];
  }
  return limits;
}

/**
 * Bounds on requests and ticket data, each a setting (the environment variable in brackets). Over one, the
 * request is refused (400 `validation_failed` naming the field, or 413 `payload_too_large` with
 * `details: {limit, maximum}`) and nothing is written.
 */
export interface InputLimits {
  /** [JSON_BODY_MAX_BYTES] A JSON request body. */
  jsonBodyBytes: number;
  /** [JSON_MAX_DEPTH] How deeply a JSON body may nest arrays and objects. */
  jsonDepth: number;
  /** [TICKET_SUBJECT_MAX_CHARS] A ticket's subject. */
  subjectChars: number;
  /** [CUSTOMER_NAME_MAX_CHARS] A customer's name and external id. */
  customerNameChars: number;
  /** [TICKET_FIELD_NAME_MAX_CHARS] The name of a ticket field. */
  fieldNameChars: number;
  /** [TICKET_FIELD_STRING_MAX_CHARS] A value of a `string`, `enum` or `date` field. */
  fieldStringChars: number;
  /** [TICKET_FIELD_TEXT_MAX_CHARS] A value of a `text` field, or text in a field no step declares. */
  fieldTextChars: number;
  /** [TICKET_FIELD_NUMBER_MAX] The largest magnitude of a number in a field. */
  fieldNumberMagnitude: number;
  /** [TICKET_FIELD_LIST_MAX_ITEMS] Items in a list value (fields no step declares may hold lists). */
  fieldListItems: number;
  /** [TICKET_FIELDS_MAX_COUNT] Fields one ticket holds. */
  fieldsPerTicket: number;
  /** [TICKET_FIELDS_MAX_BYTES] A ticket's fields, serialized as JSON (stored twice: in `fields` and the snapshot). */
  fieldsBytes: number;
  /** [LIST_PAGE_MAX] The largest page a list answers (`?limit=`); LIST_PAGE_DEFAULT when not asked. */
  listPageMax: number;
  /** [LIST_PAGE_DEFAULT] */
  listPageDefault: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = {
  jsonBodyBytes: 1024 * 1024,
  jsonDepth: 32,
  subjectChars: 500,
  customerNameChars: 200,
  fieldNameChars: 100,
  fieldStringChars: 1_000,
  fieldTextChars: 10_000,
  fieldNumberMagnitude: 1e15,
  fieldListItems: 100,
  fieldsPerTicket: 100,
  fieldsBytes: 64 * 1024,
  listPageMax: 100,
  listPageDefault: 50,
};

/** The environment variable of each limit: what the README lists and error details name. */
export const INPUT_LIMIT_SETTINGS: Readonly<Record<keyof InputLimits, string>> = {
  jsonBodyBytes: 'JSON_BODY_MAX_BYTES',
  jsonDepth: 'JSON_MAX_DEPTH',
  subjectChars: 'TICKET_SUBJECT_MAX_CHARS',
  customerNameChars: 'CUSTOMER_NAME_MAX_CHARS',
  fieldNameChars: 'TICKET_FIELD_NAME_MAX_CHARS',
  fieldStringChars: 'TICKET_FIELD_STRING_MAX_CHARS',
  fieldTextChars: 'TICKET_FIELD_TEXT_MAX_CHARS',
  fieldNumberMagnitude: 'TICKET_FIELD_NUMBER_MAX',
  fieldListItems: 'TICKET_FIELD_LIST_MAX_ITEMS',
  fieldsPerTicket: 'TICKET_FIELDS_MAX_COUNT',
  fieldsBytes: 'TICKET_FIELDS_MAX_BYTES',
  listPageMax: 'LIST_PAGE_MAX',
  listPageDefault: 'LIST_PAGE_DEFAULT',
};

/** The configuration's limits, every one left out at its default. */
export function inputLimitsOf(config: { limits?: Partial<InputLimits> | undefined }): InputLimits {
  return { ...DEFAULT_INPUT_LIMITS, ...config.limits };
}

export function inputLimitsFrom(env: NodeJS.ProcessEnv): Partial<InputLimits> {
  const limits: Partial<InputLimits> = {};
  for (const [key, name] of Object.entries(INPUT_LIMIT_SETTINGS) as Array<[keyof InputLimits, string]>) {
    const n = wholeNumberSetting(env, name);
    if (n !== undefined) limits[key] = n;
  }
  const { listPageMax, listPageDefault } = { ...DEFAULT_INPUT_LIMITS, ...limits };
  if (listPageDefault > listPageMax) throw new AppError('bad_request', `LIST_PAGE_DEFAULT (${listPageDefault}) must not exceed LIST_PAGE_MAX (${listPageMax})`);
  return limits;
}

// --- Excel import bounds (issue 13, item 1) ---
/** What one uploaded workbook may cost; every bound refuses the file with 413 `payload_too_large` naming it. */
export interface WorkbookLimits {
  /** The upload itself, as sent. */
  uploadBytes: number;
  /** All zip entries read, counted as they inflate: a zip bomb stops here. */
  inflatedBytes: number;
  /** Rows holding a value, per sheet (title and header included). */
  rows: number;
  /** The rightmost column a cell may be in. */
  columns: number;
  /** Characters of one cell's text. */
  cellChars: number;
  /** How long reading the workbook (in a worker thread) may take. */
  parseMs: number;
  /** Each worker thread's heap. */
  heapMb: number;
  /** Workbooks read at once (a worker thread each); further uploads wait their turn. */
  workers: number;
}

/** Each bound's environment variable: also the `limit` named in a 413's details. */
export const WORKBOOK_LIMIT_SETTINGS: Record<keyof WorkbookLimits, string> = {
  uploadBytes: 'WORKBOOK_MAX_UPLOAD_BYTES',
  inflatedBytes: 'WORKBOOK_MAX_INFLATED_BYTES',
  rows: 'WORKBOOK_MAX_ROWS',
  columns: 'WORKBOOK_MAX_COLUMNS',
  cellChars: 'WORKBOOK_MAX_CELL_CHARS',
  parseMs: 'WORKBOOK_PARSE_TIMEOUT_MS',
  heapMb: 'WORKBOOK_PARSE_HEAP_MB',
  workers: 'WORKBOOK_PARSE_WORKERS',
};

export const DEFAULT_WORKBOOK_LIMITS: WorkbookLimits = {
  uploadBytes: 8 * 1024 * 1024,
  inflatedBytes: 64 * 1024 * 1024,
  rows: 20_000,
  columns: 64,
  cellChars: 5_000,
  parseMs: 10_000,
  heapMb: 256,
  workers: 2,
};

export function workbookLimitsFrom(env: NodeJS.ProcessEnv): WorkbookLimits {
  const limits = { ...DEFAULT_WORKBOOK_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof WorkbookLimits>) {
    limits[key] = wholeNumberSetting(env, WORKBOOK_LIMIT_SETTINGS[key]) ?? limits[key];
  }
  return limits;
}
// --- end of Excel import bounds ---
