import { bpmnError, type BpmnProblem, type BpmnProblemCode, type ProblemValues } from '../../shared/errors.js';
import { charCount, workflowLimitSetting, type WorkflowLimits } from '../../shared/config.js';

/** What the screening pass enforces: the text and structure limits of `WorkflowLimits`. */
export type ScreenLimits = Pick<
  WorkflowLimits,
  'maxDepth' | 'maxElements' | 'maxXmlElements' | 'maxAttributes' | 'maxNameChars' | 'maxTextChars' | 'maxAttributeChars'
>;

/** Local names of BPMN flow elements (flow nodes and sequence flows): what `maxElements` counts. */
const FLOW_ELEMENT_SUFFIXES = ['Task', 'Event', 'Gateway', 'SubProcess'];
const FLOW_ELEMENTS = new Set(['task', 'sequenceFlow', 'subProcess', 'transaction', 'callActivity']);

function isFlowElement(local: string): boolean {
  return FLOW_ELEMENTS.has(local) || FLOW_ELEMENT_SUFFIXES.some((suffix) => local.endsWith(suffix));
}

const NAME_ATTRIBUTES = new Set(['name', 'label']);

/**
 * The most distinct namespace prefixes, and the most distinct namespace URIs, one file may declare. The
 * files of real modelers declare under 40 (one of the corpus repeats one declaration on 200 elements, which
 * counts once); bpmn-moddle's work per element grows with the namespaces in scope, so thousands of them froze
 * the parse for minutes in a file of a few hundred kilobytes.
 */
export const MAX_NAMESPACES = 100;

/** Control characters but tab, line feed and carriage return; U+FFFE, U+FFFF; a surrogate without its pair. */
const ILLEGAL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** `&#x1F600;` or `&#128512;`; digits bounded, so the pattern runs in linear time. */
const CHARACTER_REFERENCE = /&#(?:x([0-9A-Fa-f]{1,8})|([0-9]{1,10}));/g;

/** XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlCharacter(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Ids, event keys and field names become keys of plain objects: these would reach the prototype instead. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Open {
  tag: string;
  id?: string;
  textChars: number;
  /** The namespace prefixes its start tag declares (`xmlns:bpmn`: `bpmn`). */
  prefixes?: string[];
}

class Refusal extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
    readonly element?: { tag: string; id?: string },
    readonly code: BpmnProblemCode = 'malformed_xml',
    readonly values?: ProblemValues,
  ) {
    super(reason);
  }
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Ends a name: white space, `/`, `>`, `=` or `<`. */
function endsName(code: number): boolean {
  return isSpace(code) || code === 0x2f || code === 0x3e || code === 0x3d || code === 0x3c;
}

/** A name as a message shows it: a hostile one may be megabytes long. */
function shown(name: string): string {
  return name.length > 60 ? `${name.slice(0, 60)}…` : name;
}

function localOf(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? tag : tag.slice(colon + 1);
}

/**
 * One pass over the decoded upload, before any XML parser sees it: refuses DTDs and entity declarations,
 * unterminated comments, CDATA sections, processing instructions, tags and attribute values, nesting deeper
 * than `maxDepth`, more than `maxElements` flow elements, and attribute values or element text longer than
 * their limits. Linear in the length of the text: every construct is found with `indexOf` from where the
 * last one ended, nothing is scanned twice, and it stops at the first refusal, which names the element (by
 * its id, or that of the nearest enclosing element with one), the line and the column.
 */
export function screenXml(text: string, limits: ScreenLimits): BpmnProblem | undefined {
  try {
    new Screen(text, limits).run();
    return undefined;
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return problemOf(text, error);
  }
}

function problemOf(text: string, refusal: Refusal): BpmnProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < refusal.offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = refusal.offset - lineStart + 1;
  const element = refusal.element;
  const problem = bpmnError(
    element?.id ?? 'document',
    element ? shown(localOf(element.tag)) : 'xml',
    refusal.code,
    `${refusal.reason} (line ${line}, column ${column})`,
    refusal.values,
  );
  return { ...problem, line, column };
}

class Screen {
  private readonly stack: Open[] = [];
  private readonly prefixes = new Set<string>();
  private readonly namespaceUris = new Set<string>();
  private flowElements = 0;
  private xmlElements = 0;

  constructor(
    private readonly text: string,
    private readonly limits: ScreenLimits,
  ) {}

  /** The element a refusal names: the innermost open element with an id, else the innermost open one. */
  private here(): { tag: string; id?: string } | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i]!.id !== undefined) return this.stack[i];
    return this.stack.at(-1);
  }

  private refuse(offset: number, reason: string, element = this.here()): never {
    throw new Refusal(offset, reason, element);
  }

  private forbid(offset: number, reason: string): never {
    throw new Refusal(offset, reason, this.here(), 'forbidden_markup');
  }

  /** Over a limit: `what` names it for pages (a `WorkflowLimits` setting, or `namespaces`), `maximum` its value. */
  private overLimit(offset: number, reason: string, what: string, maximum: number, element = this.here()): never {
    throw new Refusal(offset, reason, element, 'limit_exceeded', { what, maximum });
  }

  private closing(from: number, marker: string, what: string): number {
    const end = this.text.indexOf(marker, from);
    if (end < 0) this.refuse(from, `the ${what} is never closed with "${marker}"`);
    return end;
  }

  run(): void {
    this.characters();
    const text = this.text;
    let i = 0;
    while (i < text.length) {
      const lt = text.indexOf('<', i);
      const textEnd = lt < 0 ? text.length : lt;
      this.countText(i, charCount(text, i, textEnd));
      if (lt < 0) break;
      i = this.markup(lt);
    }
  }

  private countText(offset: number, chars: number): void {
    const open = this.stack.at(-1);
    if (!open || chars === 0) return;
    open.textChars += chars;
    if (open.textChars > this.limits.maxTextChars) {
      this.overLimit(
        offset,
        `the text of <${shown(open.tag)}> is longer than ${this.limits.maxTextChars} characters (${workflowLimitSetting('maxTextChars')})`,
        'maxTextChars',
        this.limits.maxTextChars,
      );
    }
  }

  /** Reads the markup starting at `lt` (a `<`); returns where the text after it starts. */
  private markup(lt: number): number {
    const text = this.text;
    if (text.startsWith('<!--', lt)) return this.closing(lt + 4, '-->', 'comment') + 3;
    if (text.startsWith('<![CDATA[', lt)) {
      const end = this.closing(lt + 9, ']]>', 'CDATA section');
      this.countText(lt, charCount(text, lt + 9, end));
      return end + 3;
    }
    if (text.startsWith('<!', lt)) {
      const word = text.slice(lt + 2, lt + 12).split(/[\s[>]/, 1)[0] || 'declaration';
      this.forbid(lt, `DTDs and entity declarations are not allowed in BPMN files (<!${word}>)`);
    }
    if (text.startsWith('<?', lt)) return this.closing(lt + 2, '?>', 'processing instruction') + 2;
    if (text.startsWith('</', lt)) {
      const end = this.closing(lt + 2, '>', 'end tag');
      const open = this.stack.pop();
      if (!open) this.refuse(lt, 'an end tag closes no element', undefined);
      return end + 1;
    }
    return this.startTag(lt);
  }

  private startTag(lt: number): number {
    const text = this.text;
    let i = lt + 1;
    while (i < text.length && !endsName(text.charCodeAt(i))) i++;
    const tag = text.slice(lt + 1, i);
    if (!tag) this.refuse(lt, 'a "<" that starts no element: write it as &lt;');
    const element: Open = { tag, textChars: 0 };
    for (let attributes = 0; ; attributes++) {
      if (attributes > this.limits.maxAttributes) {
        this.overLimit(
          i,
          `<${shown(tag)}> has more than ${this.limits.maxAttributes} attributes (${workflowLimitSetting('maxAttributes')})`,
          'maxAttributes',
          this.limits.maxAttributes,
          element,
        );
      }
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i >= text.length) this.refuse(lt, `the start tag <${shown(tag)}> is never closed`, element);
      const code = text.charCodeAt(i);
      if (code === 0x3e) {
        this.opened(lt, element, false);
        return i + 1;
      }
      if (code === 0x2f && text.charCodeAt(i + 1) === 0x3e) {
        this.opened(lt, element, true);
        return i + 2;
      }
      i = this.attribute(i, lt, element);
    }
  }

  /** Reads `name = "value"` at `at`; returns where it ends. */
  private attribute(at: number, lt: number, element: Open): number {
    const text = this.text;
    let i = at;
    while (i < text.length && !endsName(text.charCodeAt(i))) i++;
    const name = text.slice(at, i);
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (!name || text.charCodeAt(i) !== 0x3d) this.refuse(at, `the start tag <${shown(element.tag)}> is malformed: expected name="value"`, element);
    i++;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") this.refuse(i, `the value of ${shown(name)} in <${shown(element.tag)}> is not quoted`, element);
    const end = text.indexOf(quote, i + 1);
    if (end < 0) this.refuse(i, `the value of ${shown(name)} in <${shown(element.tag)}> is never closed`, element);
    const local = localOf(name);
    const limit = NAME_ATTRIBUTES.has(local) ? 'maxNameChars' : 'maxAttributeChars';
    if (end - i - 1 > this.limits[limit] && charCount(text, i + 1, end) > this.limits[limit]) {
      this.overLimit(
        i,
        `${shown(name)} is longer than ${this.limits[limit]} characters (${workflowLimitSetting(limit)})`,
        limit,
        this.limits[limit],
        this.withId(element, text, end + 1),
      );
    }
    if (name === 'id' || local === 'event' || (local === 'name' && localOf(element.tag) === 'field')) this.checkKey(name, text.slice(i + 1, end), at, element);
    if (name === 'id') element.id = text.slice(i + 1, end);
    else if (name === 'xmlns' || name.startsWith('xmlns:')) {
      this.declared(name, text.slice(i + 1, end), at, element);
      if (name !== 'xmlns') (element.prefixes ??= []).push(name.slice(6));
    }
    return end + 1;
  }

  private checkKey(name: string, value: string, at: number, element: Open): void {
    if (RESERVED_KEYS.has(value.trim()))
      throw new Refusal(at, `${shown(name)}="${value.trim()}" is reserved in the engine: choose another`, this.here() ?? element, 'malformed_element');
  }

  /**
   * Characters XML does not allow, written as they are or as references (`&#0;`, `&#xD800;`): a parser that
   * let them through would store them, and the workflow's export would not be XML any more.
   */
  private characters(): void {
    const raw = ILLEGAL_CHARACTER.exec(this.text);
    if (raw) this.refuse(raw.index, `the character ${codePointName(raw[0].codePointAt(0)!)} is not allowed in XML`);
    for (const reference of this.text.matchAll(CHARACTER_REFERENCE)) {
      const code = reference[1] !== undefined ? parseInt(reference[1], 16) : Number(reference[2]);
      if (!isXmlCharacter(code)) this.refuse(reference.index, `${shown(reference[0])} refers to a character XML does not allow`);
    }
  }

  /** Whether `prefix` is declared on `element` or an element around it (`xml` always is). */
  private inScope(prefix: string, element: Open): boolean {
    if (prefix === 'xml' || element.prefixes?.includes(prefix)) return true;
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i]!.prefixes?.includes(prefix)) return true;
    return false;
  }

  private declared(prefix: string, uri: string, at: number, element: Open): void {
    this.prefixes.add(prefix);
    this.namespaceUris.add(uri);
    if (this.prefixes.size > MAX_NAMESPACES || this.namespaceUris.size > MAX_NAMESPACES)
      this.overLimit(
        at,
        `the file declares more than ${MAX_NAMESPACES} XML namespaces (prefixes or URIs)`,
        'namespaces',
        MAX_NAMESPACES,
        element.id !== undefined ? element : this.here(),
      );
  }

  /** The element, its id read ahead from the rest of its start tag when it comes after the offending attribute. */
  private withId(element: Open, text: string, from: number): { tag: string; id?: string } {
    if (element.id !== undefined) return element;
    const close = text.indexOf('>', from);
    const rest = text.slice(from, close < 0 ? from : close);
    const at = rest.search(/(^|\s)id\s*=/);
    if (at < 0) return { tag: element.tag, ...(this.here()?.id !== undefined ? { id: this.here()!.id! } : {}) };
    const quoteAt = rest.indexOf('"', at) < 0 ? rest.indexOf("'", at) : rest.indexOf('"', at);
    const end = quoteAt < 0 ? -1 : rest.indexOf(rest[quoteAt]!, quoteAt + 1);
    return end < 0 ? element : { tag: element.tag, id: rest.slice(quoteAt + 1, end) };
  }

  private opened(lt: number, element: Open, selfClosing: boolean): void {
    const colon = element.tag.indexOf(':');
    if (colon > 0 && !this.inScope(element.tag.slice(0, colon), element))
      throw new Refusal(
        lt,
        `the prefix of <${shown(element.tag)}> is not declared (xmlns:${shown(element.tag.slice(0, colon))})`,
        this.here() ?? element,
        'undeclared_prefix',
      );
    if (++this.xmlElements > this.limits.maxXmlElements) {
      this.overLimit(
        lt,
        `the file has more than ${this.limits.maxXmlElements} XML elements (${workflowLimitSetting('maxXmlElements')})`,
        'maxXmlElements',
        this.limits.maxXmlElements,
        undefined,
      );
    }
    if (isFlowElement(localOf(element.tag)) && ++this.flowElements > this.limits.maxElements) {
      this.overLimit(
        lt,
        `the file has more than ${this.limits.maxElements} flow elements (flow nodes and sequence flows; ${workflowLimitSetting('maxElements')})`,
        'maxElements',
        this.limits.maxElements,
        undefined,
      );
    }
    if (selfClosing) return;
    this.stack.push(element);
    if (this.stack.length > this.limits.maxDepth) {
      this.overLimit(
        lt,
        `elements are nested deeper than ${this.limits.maxDepth} levels (${workflowLimitSetting('maxDepth')})`,
        'maxDepth',
        this.limits.maxDepth,
      );
    }
  }
}
