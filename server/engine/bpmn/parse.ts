import type { ModdleElement, ParseWarning } from 'bpmn-moddle';
import { bpmnError, bpmnWarning, type BpmnProblem, type BpmnProblemCode, type ProblemValues } from '../../shared/errors.js';
import { DEFAULT_WORKFLOW_LIMITS, workflowLimitSetting, type WorkflowLimits } from '../../shared/config.js';
import { sharedModdle, localName } from './moddle.js';
import { screenXml } from './screen-xml.js';

export interface ParsedBpmn {
  definitions?: ModdleElement;
  elementsById: Record<string, ModdleElement>;
  problems: BpmnProblem[];
}

const DOCUMENT = 'document';

function documentProblem(code: BpmnProblemCode, message: string, values?: ProblemValues): BpmnProblem {
  return bpmnError(DOCUMENT, 'xml', code, message, values);
}

/**
 * Turns the bytes of a BPMN file into text, honouring a byte-order mark or the declared encoding,
 * because bpmn-moddle only reads UTF-8 and silently mangles everything else.
 */
export function decodeBpmn(input: Uint8Array | string): { text?: string; problem?: BpmnProblem } {
  if (typeof input === 'string') return { text: stripDeclaredEncoding(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input) };
  let bytes = input;
  let encoding = 'utf-8';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [bytes, encoding] = [bytes.subarray(2), 'utf-16le'];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [bytes, encoding] = [bytes.subarray(2), 'utf-16be'];
  else {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
    const declared = xmlDeclaration(head)?.encoding;
    if (declared && /^[A-Za-z0-9._-]{1,40}$/.test(declared.value)) encoding = declared.value.toLowerCase();
  }
  if (WINDOWS_1252_LABELS.has(encoding)) return { text: stripDeclaredEncoding(decodeWindows1252(bytes)) };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return { problem: documentProblem('unsupported_encoding', `unsupported document encoding "${encoding}"`) };
  }
  try {
    return { text: stripDeclaredEncoding(decoder.decode(bytes)) };
  } catch {
    return { problem: documentProblem('unsupported_encoding', `the bytes are not valid ${encoding} text (${firstInvalidUtf8(bytes, encoding)})`) };
  }
}

/** Per the WHATWG Encoding standard these labels all mean windows-1252, which fills 0x80–0x9F. */
const WINDOWS_1252_LABELS = new Set(['windows-1252', 'cp1252', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii']);
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** Node's TextDecoder decodes windows-1252 as ISO-8859-1 (0x80 → U+0080), so map that range ourselves. */
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

function firstInvalidUtf8(bytes: Uint8Array, encoding: string): string {
  if (encoding !== 'utf-8' && encoding !== 'utf8') return 'undecodable bytes';
  const strict = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest undecodable prefix; cheap even for megabytes.
  while (hi - lo > 4) {
    const mid = (lo + hi) >> 1;
    try {
      strict.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  for (let i = 0; i < lo; i++) if (bytes[i] === 0x0a) line++;
  return `first invalid byte near line ${line}`;
}

interface Declaration {
  /** The `encoding="…"` pseudo-attribute: where it starts (at the white space before it), ends, and its value. */
  encoding?: { start: number; end: number; value: string };
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * The XML declaration at the start of the text (after white space), read with `indexOf` and a single walk:
 * no regular expression runs over the upload, however long or strange its first line.
 */
function xmlDeclaration(text: string): Declaration | undefined {
  let i = 0;
  while (isBlank(text[i])) i++;
  if (!text.startsWith('<?xml', i) || !isBlank(text[i + 5])) return undefined;
  const end = text.indexOf('?>', i + 5);
  if (end < 0) return undefined;
  const at = text.indexOf('encoding', i + 5);
  if (at < 0 || at > end || !isBlank(text[at - 1])) return {};
  let j = at + 'encoding'.length;
  while (j < end && isBlank(text[j])) j++;
  if (text[j] !== '=') return {};
  j++;
  while (j < end && isBlank(text[j])) j++;
  const quote = text[j];
  if (quote !== '"' && quote !== "'") return {};
  const close = text.indexOf(quote, j + 1);
  if (close < 0 || close > end) return {};
  let start = at;
  while (start > i + 5 && isBlank(text[start - 1])) start--;
  return { encoding: { start, end: close + 1, value: text.slice(j + 1, close) } };
}

/** The text is decoded now; a leftover non-UTF-8 declaration would only make moddle warn. */
function stripDeclaredEncoding(text: string): string {
  const encoding = xmlDeclaration(text)?.encoding;
  return encoding ? text.slice(0, encoding.start) + text.slice(encoding.end) : text;
}

/**
 * Parses BPMN 2.0 XML with bpmn-moddle. Moddle is lenient: it drops what it cannot place and only warns,
 * so every warning becomes a problem here, located by element id where moddle or the source tells it.
 */
export async function parseBpmn(input: Uint8Array | string, limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS): Promise<ParsedBpmn> {
  const size = bpmnSize(input);
  if (size > limits.maxBytes) {
    return {
      elementsById: {},
      problems: [
        documentProblem('limit_exceeded', `the file is ${size} bytes; the limit is ${limits.maxBytes} (${workflowLimitSetting('maxBytes')})`, {
          what: 'maxBytes',
          maximum: limits.maxBytes,
        }),
      ],
    };
  }
  const decoded = decodeBpmn(input);
  if (decoded.text === undefined) return { elementsById: {}, problems: [decoded.problem!] };
  const hostile = screenXml(decoded.text, limits);
  if (hostile) return { elementsById: {}, problems: [hostile] };
  const text = withAstralCharacters(decoded.text);

  const warnings: ParseWarning[] = [];
  let result;
  try {
    result = await sharedModdle().fromXML(text, 'bpmn:Definitions', stopAfterWarnings(warnings));
  } catch (error) {
    if (!(error instanceof TooManyWarnings)) return { elementsById: {}, problems: [fatalProblem(error)] };
    const problems = warnings.map((warning) => warningProblem(warning, text));
    problems.push(
      documentProblem('limit_exceeded', `the parser found more than ${MAX_PARSER_WARNINGS} problems and stopped; mend these and import again`, {
        what: 'parserProblems',
        maximum: MAX_PARSER_WARNINGS,
      }),
    );
    return { elementsById: {}, problems };
  }
  const problems = result.warnings.map((warning) => warningProblem(warning, text));
  return { definitions: result.rootElement, elementsById: result.elementsById, problems };
}

/**
 * Moddle locates each warning by scanning the text from its start for line breaks, so every warning costs
 * time in proportion to the file: thousands of them in a large file would stall the server for seconds.
 * The parse stops at the warning after the MAX_PARSER_WARNINGS-th, which bounds that cost.
 */
const MAX_PARSER_WARNINGS = 20;

class TooManyWarnings extends Error {}

/**
 * Reader options that hand moddle a root handler whose parse context counts warnings as they are added.
 * moddle-xml's Reader copies its options onto itself, and `fromXML` sets the root handler's `context`.
 */
function stopAfterWarnings(into: ParseWarning[]): Record<string, unknown> {
  return {
    handler(this: { constructor: { prototype: { handler(name: string): object } } }, name: string) {
      const root = this.constructor.prototype.handler.call(this, name);
      let context: { addWarning(warning: ParseWarning): void; warnings: ParseWarning[] } | undefined;
      Object.defineProperty(root, 'context', {
        configurable: true,
        get: () => context,
        set(value: NonNullable<typeof context>) {
          context = value;
          value.addWarning = (warning: ParseWarning) => {
            value.warnings.push(warning);
            into.push(warning);
            if (into.length > MAX_PARSER_WARNINGS) throw new TooManyWarnings();
          };
        },
      });
      return root;
    },
  };
}

/** The size of an upload in bytes, as its limit counts it. */
export function bpmnSize(input: Uint8Array | string): number {
  return typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
}

/**
 * The parser gave up: malformed XML, or an element whose prefix no xmlns declares. Moddle's message says
 * where (0-based line and column) and why; the problem carries them 1-based.
 */
function fatalProblem(error: unknown): BpmnProblem {
  const text = error instanceof Error ? error.message : String(error);
  const where = /line: (\d+)\s+column: (\d+)/.exec(text);
  const nested = /nested error: (.*)/.exec(text)?.[1]?.trim();
  const undeclared = nested !== undefined && /missing namespace/.test(nested);
  const first = text.split('\n')[0]!.trim();
  const line = where ? Number(where[1]) + 1 : undefined;
  const column = where ? Number(where[2]) + 1 : undefined;
  const position = line ? ` (line ${line}, column ${column})` : '';
  const problem = documentProblem(undeclared ? 'undeclared_prefix' : 'malformed_xml', `${first}${nested ? `: ${nested}` : ''}${position}`);
  return line ? { ...problem, line, column: column! } : problem;
}

/** References whose loss changes what runs; any other unresolved reference only loses a drawing or a type hint. */
const FLOW_REFERENCES = new Set(['bpmn:sourceRef', 'bpmn:targetRef', 'bpmn:attachedToRef', 'bpmn:default', 'bpmn:processRef', 'bpmn:messageRef']);
const BPMN_PREFIXES = /^(bpmn\d?|model|semantic)?:?$/;

/**
 * Moddle's warnings, sorted: an element or attribute from a vendor namespace it does not know, and a reference
 * only the diagram or a type hint makes, are warnings (nothing that runs depends on them); a lost flow
 * reference, a duplicate or illegal id and an undeclared prefix are errors.
 */
function warningProblem(warning: ParseWarning, text: string): BpmnProblem {
  const message = warning.message.split('\n')[0]!.trim();
  const nested = /nested error: (.*)/.exec(warning.message)?.[1];
  const where = /line: (\d+)\s+column: (\d+)/.exec(warning.message);
  if (warning.element) {
    const property = warning.property ? ` in ${warning.property}` : '';
    const reference = /^unresolved reference/.test(message);
    const flow = reference && FLOW_REFERENCES.has(warning.property ?? '');
    const code: BpmnProblemCode = reference ? (flow ? 'unresolved_reference' : 'diagram_reference') : 'malformed_element';
    const make = flow || !reference ? bpmnError : bpmnWarning;
    return make(warning.element.id ?? DOCUMENT, localName(warning.element.$type), code, `${message}${property}`);
  }
  const located = where ? elementAt(text, Number(where[1]), Number(where[2])) : undefined;
  const position = where ? ` at line ${Number(where[1]) + 1}` : '';
  const full = `${message}${position}${nested ? `: ${nested}` : ''}`;
  const elementId = located?.id ?? DOCUMENT;
  const type = located ? localName(located.tag) : 'xml';
  const problem = ((): BpmnProblem => {
    if (nested && /missing namespace/.test(nested)) return bpmnError(elementId, type, 'undeclared_prefix', full);
    if (nested && /duplicate ID/.test(nested)) return bpmnError(elementId, type, 'duplicate_id', full);
    if (nested && /unrecognized element/.test(nested) && located && !BPMN_PREFIXES.test(prefixOf(located.tag)))
      return bpmnWarning(elementId, type, 'unknown_element', full);
    return bpmnError(elementId, type, 'malformed_element', full);
  })();
  return where ? { ...problem, line: Number(where[1]) + 1, column: Number(where[2]) + 1 } : problem;
}

function prefixOf(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? '' : tag.slice(0, colon);
}

/** Finds the tag moddle's warning points at (0-based line and column) and its id attribute. */
function elementAt(text: string, line: number, column: number): { tag: string; id?: string } | undefined {
  let offset = 0;
  for (let l = 0; l < line && offset >= 0; l++) offset = text.indexOf('\n', offset) + 1;
  if (offset < 0) return undefined;
  const start = text.lastIndexOf('<', offset + column);
  const open = /^<([^\s>/]+)((?:[^>"']|"[^"]*"|'[^']*')*)>?/.exec(text.slice(Math.max(0, start), start + 4000));
  if (!open) return undefined;
  const id = /\sid\s*=\s*["']([^"']*)["']/.exec(open[2] ?? '')?.[1];
  return id === undefined ? { tag: open[1]! } : { tag: open[1]!, id };
}

/**
 * References to characters beyond U+FFFF (`&#x1F600;`, an emoji) as the characters themselves: the parser
 * decodes a reference into one UTF-16 unit and would cut them to 16 bits. Written out they mean the same,
 * for no such character is markup.
 */
function withAstralCharacters(text: string): string {
  return text.replace(/&#(?:x([0-9A-Fa-f]{5,8})|([0-9]{5,10}));/g, (reference, hex: string | undefined, decimal: string | undefined) => {
    const code = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
    return code > 0xffff && code <= 0x10ffff ? String.fromCodePoint(code) : reference;
  });
}
