import type { ModdleElement, ParseWarning } from 'bpmn-moddle';
import type { BpmnProblem } from '../../shared/errors.js';
import { createModdle, localName } from './moddle.js';

/** Limits that keep hostile or accidental input from exhausting the process. */
export const PARSE_LIMITS = {
  maxBytes: 10 * 1024 * 1024,
  maxDepth: 200,
  maxAttributeChars: 100_000,
};

export interface ParsedBpmn {
  definitions?: ModdleElement;
  elementsById: Record<string, ModdleElement>;
  problems: BpmnProblem[];
}

const DOCUMENT = 'document';

function documentProblem(message: string): BpmnProblem {
  return { elementId: DOCUMENT, type: 'xml', message };
}

/**
 * Turns the bytes of a BPMN file into text, honouring a byte-order mark or the declared encoding,
 * because bpmn-moddle only reads UTF-8 and silently mangles everything else.
 */
export function decodeBpmn(input: Uint8Array | string): { text?: string; problem?: BpmnProblem } {
  if (typeof input === 'string') return { text: stripDeclaredEncoding(input.replace(/^\uFEFF/, '')) };
  let bytes = input;
  let encoding = 'utf-8';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [bytes, encoding] = [bytes.subarray(2), 'utf-16le'];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [bytes, encoding] = [bytes.subarray(2), 'utf-16be'];
  else {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
    if (declared) encoding = declared.toLowerCase();
  }
  if (WINDOWS_1252_LABELS.has(encoding)) return { text: stripDeclaredEncoding(decodeWindows1252(bytes)) };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return { problem: documentProblem(`unsupported document encoding "${encoding}"`) };
  }
  try {
    return { text: stripDeclaredEncoding(decoder.decode(bytes)) };
  } catch {
    return { problem: documentProblem(`the bytes are not valid ${encoding} text (${firstInvalidUtf8(bytes, encoding)})`) };
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

/** The text is decoded now; a leftover non-UTF-8 declaration would only make moddle warn. */
function stripDeclaredEncoding(text: string): string {
  return text.replace(/^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']/, '$1');
}

/** Refuses what no BPMN modeler writes but attacks use: DTDs (entity expansion), absurd depth or attributes. */
export function checkHostileXml(text: string): BpmnProblem[] {
  const problems: BpmnProblem[] = [];
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) problems.push(documentProblem('DTDs and entity declarations are not allowed in BPMN files'));
  let depth = 0;
  let maxDepth = 0;
  const tag = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)[^\s>/!?]+((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[0].startsWith('<!') || m[0].startsWith('<?')) continue;
    if (m[1]) depth--;
    else if (!m[3]) depth++;
    if (depth > maxDepth) maxDepth = depth;
    if (maxDepth > PARSE_LIMITS.maxDepth) {
      problems.push(documentProblem(`elements are nested deeper than ${PARSE_LIMITS.maxDepth} levels`));
      break;
    }
    if ((m[2]?.length ?? 0) > PARSE_LIMITS.maxAttributeChars) {
      problems.push(documentProblem(`an attribute list is longer than ${PARSE_LIMITS.maxAttributeChars} characters`));
      break;
    }
  }
  return problems;
}

/**
 * Parses BPMN 2.0 XML with bpmn-moddle. Moddle is lenient: it drops what it cannot place and only warns,
 * so every warning becomes a problem here, located by element id where moddle or the source tells it.
 */
export async function parseBpmn(input: Uint8Array | string): Promise<ParsedBpmn> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > PARSE_LIMITS.maxBytes) {
    return { elementsById: {}, problems: [documentProblem(`the file is ${size} bytes; the limit is ${PARSE_LIMITS.maxBytes}`)] };
  }
  const { text, problem } = decodeBpmn(input);
  if (text === undefined) return { elementsById: {}, problems: [problem!] };
  const hostile = checkHostileXml(text);
  if (hostile.length) return { elementsById: {}, problems: hostile };

  let result;
  try {
    result = await createModdle().fromXML(text, 'bpmn:Definitions');
  } catch (error) {
    return { elementsById: {}, problems: [documentProblem(firstLine(error))] };
  }
  const problems = result.warnings.map((warning) => warningProblem(warning, text));
  return { definitions: result.rootElement, elementsById: result.elementsById, problems };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

function warningProblem(warning: ParseWarning, text: string): BpmnProblem {
  const message = warning.message.split('\n')[0]!.trim();
  const nested = /nested error: (.*)/.exec(warning.message)?.[1];
  const where = /line: (\d+)\s+column: (\d+)/.exec(warning.message);
  if (warning.element) {
    const property = warning.property ? ` in ${warning.property}` : '';
    return { elementId: warning.element.id ?? DOCUMENT, type: localName(warning.element.$type), message: `${message}${property}` };
  }
  const located = where ? elementAt(text, Number(where[1]), Number(where[2])) : undefined;
  const position = where ? ` at line ${Number(where[1]) + 1}` : '';
  return {
    elementId: located?.id ?? DOCUMENT,
    type: located ? localName(located.tag) : 'xml',
    message: `${message}${position}${nested ? `: ${nested}` : ''}`,
  };
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
