// JUEL (`${…}`, Camunda 7 and Flowable conditions) to FEEL: the common subset, translated once at import.

/** The FEEL text, or why the JUEL cannot be translated. */
export type Translation = { feel: string } | { error: string };

/** Nesting deeper than this is refused rather than recursed into: uploads are untrusted. */
const MAX_DEPTH = 40;

type Token = { kind: 'name' | 'number' | 'string' | 'op'; text: string; at: number };

/** JUEL's word operators and the symbols they stand for; FEEL spells comparisons and logic its own way. */
const WORD_OPERATORS: Record<string, string> = {
  and: '&&',
  or: '||',
  not: '!',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  empty: 'empty',
  div: '/',
};
const FEEL_COMPARISON: Record<string, string> = { '==': '=', '!=': '!=', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
const LITERALS: Record<string, string> = { true: 'true', false: 'false', null: 'null' };
/** Names FEEL reads as keywords: a field so named cannot be written plainly in FEEL. */
const FEEL_KEYWORDS = new Set(['in', 'between', 'instance', 'of', 'for', 'if', 'then', 'else', 'some', 'every', 'satisfies', 'return', 'function']);
const SINGLE = 'a JUEL condition must be a single ${…} expression with no text around it';
const SYMBOLS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '.', '+', '-', '*', '/', '%', '[', ']', ',', '?', ':'];

/** A JUEL condition is `${…}` or `#{…}` with nothing around it. */
export function isJuel(body: string): boolean {
  return /^[$#]\{/.test(body.trim());
}

/**
 * Translates the JUEL condition `body` to FEEL: comparisons (`==`, `eq`, `<`, `lt`, …), `&&`/`and`, `||`/`or`,
 * `!`/`not`, `empty`, arithmetic, string, number and boolean literals, `null`, and field access (`order.total`).
 * Method calls, indexing, the ternary and text around the expression are refused, each saying why. Linear in
 * the length of the text: one tokenizing pass, one recursive-descent parse bounded in depth.
 */
export function juelToFeel(body: string): Translation {
  const trimmed = body.trim();
  if (!isJuel(trimmed) || !trimmed.endsWith('}')) return { error: SINGLE };
  const tokens = tokenize(trimmed.slice(2, -1));
  if ('error' in tokens) return tokens;
  if (!tokens.length) return { error: 'the ${} expression is empty' };
  try {
    const parser = new Parser(tokens);
    const feel = parser.expression(0).text;
    parser.expectEnd();
    return { feel };
  } catch (error) {
    if (error instanceof Untranslatable) return { error: error.message };
    throw error;
  }
}

function tokenize(source: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[\w]/.test(source[i]!)) i++;
      tokens.push({ kind: 'name', text: source.slice(at, i), at });
    } else if (/[0-9]/.test(c)) {
      while (i < source.length && /[0-9.]/.test(source[i]!)) i++;
      const text = source.slice(at, i);
      if (!/^\d+(\.\d+)?$/.test(text)) return { error: `${JSON.stringify(text)} is not a number` };
      tokens.push({ kind: 'number', text, at });
    } else if (c === "'" || c === '"') {
      let value = '';
      for (i++; i < source.length && source[i] !== c; i++) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        value += source[i];
      }
      if (i >= source.length) return { error: 'a string is never closed' };
      i++;
      tokens.push({ kind: 'string', text: value, at });
    } else {
      if (c === '}' || c === '$' || c === '#') return { error: SINGLE };
      const symbol = SYMBOLS.find((s) => source.startsWith(s, i));
      if (!symbol) return { error: `${JSON.stringify(c)} is not part of the JUEL that translates to FEEL` };
      i += symbol.length;
      tokens.push({ kind: 'op', text: symbol, at });
    }
  }
  return tokens;
}

class Untranslatable extends Error {}

/** A translated sub-expression and how tightly it binds, so parentheses go only where FEEL needs them. */
interface Node {
  text: string;
  precedence: number;
}

const BINARY: Array<{ operators: string[]; precedence: number }> = [
  { operators: ['||'], precedence: 1 },
  { operators: ['&&'], precedence: 2 },
  { operators: ['==', '!=', '<', '>', '<=', '>='], precedence: 3 },
  { operators: ['+', '-'], precedence: 4 },
  { operators: ['*', '/'], precedence: 5 },
];
const ATOM = 9;

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  /** The operator the next token stands for: a symbol, or JUEL's word for it. */
  private operator(): string | undefined {
    const token = this.peek();
    if (!token) return undefined;
    if (token.kind === 'op') return token.text;
    return token.kind === 'name' ? WORD_OPERATORS[token.text] : undefined;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token) throw new Untranslatable(this.refusal(token));
  }

  private refusal(token: Token): string {
    if (token.text === '?' || token.text === ':') return 'the ternary ?: does not translate: use a gateway with one flow per case';
    if (token.text === '[') return 'indexing with [] does not translate: compare a field instead';
    if (token.text === '%' || token.text === 'mod') return 'the remainder operator does not translate';
    return `unexpected ${JSON.stringify(token.text)} at character ${token.at + 1}`;
  }

  expression(level: number): Node {
    if (++this.depth > MAX_DEPTH) throw new Untranslatable(`the expression is nested deeper than ${MAX_DEPTH} levels`);
    const group = BINARY[level];
    const result = group ? this.binary(level, group.operators, group.precedence) : this.unary();
    this.depth--;
    return result;
  }

  private binary(level: number, operators: string[], precedence: number): Node {
    let left = this.expression(level + 1);
    for (let op = this.operator(); op && operators.includes(op); op = this.operator()) {
      this.position++;
      const right = this.expression(level + 1);
      // FEEL comparisons do not chain, and its `-` and `/` are left-associative like JUEL's: wrap equal-precedence right sides.
      const l = left.precedence < precedence || (precedence === 3 && left.precedence === 3) ? `(${left.text})` : left.text;
      const r = right.precedence <= precedence ? `(${right.text})` : right.text;
      const feel = op === '&&' ? 'and' : op === '||' ? 'or' : (FEEL_COMPARISON[op] ?? op);
      left = { text: `${l} ${feel} ${r}`, precedence };
    }
    return left;
  }

  private unary(): Node {
    const op = this.operator();
    if (op === '!') {
      this.position++;
      return { text: `not(${this.expression(BINARY.length).text})`, precedence: ATOM };
    }
    if (op === 'empty') {
      this.position++;
      const operand = this.expression(BINARY.length).text;
      return { text: `(${operand} = null or ${operand} = "")`, precedence: ATOM };
    }
    if (op === '-') {
      this.position++;
      const operand = this.expression(BINARY.length);
      return { text: `-${operand.precedence < ATOM ? `(${operand.text})` : operand.text}`, precedence: ATOM };
    }
    return this.primary();
  }

  private primary(): Node {
    const token = this.peek();
    if (!token) throw new Untranslatable('the expression ends too early');
    this.position++;
    if (token.kind === 'number') return { text: token.text, precedence: ATOM };
    if (token.kind === 'string') return { text: JSON.stringify(token.text), precedence: ATOM };
    if (token.text === '(') {
      const inner = this.expression(0);
      if (this.peek()?.text !== ')') throw new Untranslatable('a "(" is never closed');
      this.position++;
      return { text: inner.text, precedence: inner.precedence };
    }
    if (token.kind !== 'name' || WORD_OPERATORS[token.text]) throw new Untranslatable(this.refusal(token));
    const literal = LITERALS[token.text];
    if (literal) return { text: literal, precedence: ATOM };
    const path = [this.name(token)];
    while (this.peek()?.text === '.') {
      this.position++;
      const next = this.peek();
      if (next?.kind !== 'name') throw new Untranslatable(`a field name must follow "." at character ${(next?.at ?? 0) + 1}`);
      this.position++;
      path.push(this.name(next));
    }
    if (this.peek()?.text === '(') throw new Untranslatable(`${path.join('.')}(…) calls a method, which FEEL conditions cannot: compare a field instead`);
    return { text: path.join('.'), precedence: ATOM };
  }

  private name(token: Token): string {
    if (FEEL_KEYWORDS.has(token.text)) throw new Untranslatable(`the field name "${token.text}" is a FEEL keyword: rename the field`);
    return token.text;
  }
}
