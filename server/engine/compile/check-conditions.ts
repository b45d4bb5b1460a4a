import { parseExpression } from 'feelin';
import { isSafe } from 'redos-detector';
import { bpmnError, type BpmnProblem } from '../../shared/errors.js';
import { DEFAULT_CONDITION_LIMITS, type ConditionLimits } from '../expressions.js';
import type { GraphFlow } from '../workflow.js';

/** feelin's built-ins whose argument is a regular expression, and that argument's position and name. */
const REGEX_FUNCTIONS: Record<string, { position: number; name: string }> = {
  matches: { position: 1, name: 'pattern' },
  replace: { position: 1, name: 'pattern' },
  split: { position: 1, name: 'delimiter' },
};
type SyntaxNode = ReturnType<typeof parseExpression>['topNode'];
const NUMBER = /^-?\s*\d+(\.\d+)?$/;

/**
 * Refuses, per flow, the conditions whose cost can never be bounded: iteration (`for`, `some`, `every`) over
 * more values than `maxIterations` (nested iterations multiplied) or over a range whose bounds come from the
 * ticket, and regular expressions (`matches`, `replace`, `split`) that backtrack (nested quantifiers,
 * backreferences) or that come from the ticket rather than the condition. What passes is still evaluated
 * under a time budget (`../expressions.ts`).
 */
export function checkConditions(flows: readonly GraphFlow[], limits: ConditionLimits = DEFAULT_CONDITION_LIMITS): BpmnProblem[] {
  const problems: BpmnProblem[] = [];
  const budget: RegexBudget = { checks: 0, refused: false };
  for (const flow of flows) {
    if (flow.condition === undefined) continue;
    const reasons = new Set<string>();
    try {
      walk(parseExpression(flow.condition, {}, undefined).topNode, flow.condition, 1, limits, reasons, budget);
    } catch {
      continue; // a syntax error: check-graph reports it
    }
    for (const reason of reasons) problems.push(bpmnError(flow.id, 'sequenceFlow', 'condition_too_costly', `the condition ${reason}`));
  }
  return problems;
}

function text(node: SyntaxNode, source: string): string {
  return source.slice(node.from, node.to);
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) children.push(child);
  return children;
}

/** Walks the tree; `outer` is how many times the enclosing iterations run this node. */
function walk(node: SyntaxNode, source: string, outer: number, limits: ConditionLimits, reasons: Set<string>, budget: RegexBudget): void {
  if (node.type.isError) throw new Error('syntax error');
  if (node.name === 'ForExpression' || node.name === 'QuantifiedExpression') {
    let times = outer;
    for (const child of childrenOf(node)) {
      if (child.name !== 'InExpressions') {
        walk(child, source, times, limits, reasons, budget);
        continue;
      }
      for (const inExpression of childrenOf(child)) {
        const context = inExpression.getChild('IterationContext');
        if (!context) continue;
        walk(context, source, times, limits, reasons, budget);
        const size = iterationSize(context, source, reasons);
        times *= size ?? 1;
        if (times > limits.maxIterations) {
          reasons.add(`iterates over ${times > 1e15 ? 'too many' : times} values (${text(context, source)}), more than the limit of ${limits.maxIterations}`);
          return;
        }
      }
    }
    return;
  }
  if (node.name === 'FunctionInvocation') checkRegexArgument(node, source, reasons, budget);
  for (const child of childrenOf(node)) walk(child, source, outer, limits, reasons, budget);
}

/** How many values an iteration context yields, when the condition alone says; undefined for a list from the ticket. */
function iterationSize(context: SyntaxNode, source: string, reasons: Set<string>): number | undefined {
  const parts = childrenOf(context);
  const dots = parts.findIndex((part) => part.name === '..');
  if (dots >= 0) {
    const [from, to] = [parts[dots - 1], parts[dots + 1]].map((bound) => (bound ? text(bound, source).trim() : ''));
    if (NUMBER.test(from!) && NUMBER.test(to!)) return Math.floor(Math.abs(Number(to!.replace(/\s/g, '')) - Number(from!.replace(/\s/g, '')))) + 1;
    if (/^"[^"]"$/.test(from!) && /^"[^"]"$/.test(to!)) return Math.abs(to!.charCodeAt(1) - from!.charCodeAt(1)) + 1;
    reasons.add(`iterates over the range ${text(context, source)}, whose bounds are not written in the condition: it cannot be bounded`);
    return undefined;
  }
  const list = parts.length === 1 && parts[0]!.name === 'List' ? parts[0]! : undefined;
  if (list) return childrenOf(list).filter((item) => item.name !== '[' && item.name !== ']' && item.name !== ',').length;
  return undefined;
}

function checkRegexArgument(invocation: SyntaxNode, source: string, reasons: Set<string>, budget: RegexBudget): void {
  const callee = invocation.firstChild;
  if (callee?.name !== 'VariableName') return;
  const name = text(callee, source).trim();
  const spec = REGEX_FUNCTIONS[name];
  if (!spec) return;
  let argument: SyntaxNode | undefined;
  const positional = invocation.getChild('PositionalParameters');
  const named = invocation.getChild('NamedParameters');
  if (positional) argument = childrenOf(positional).filter((p) => p.name !== ',')[spec.position];
  else if (named) {
    const parameter = childrenOf(named).find((p) => p.name === 'NamedParameter' && text(p.firstChild!, source).trim() === spec.name);
    argument = parameter?.lastChild ?? undefined;
  }
  if (!argument) return;
  if (argument.name !== 'StringLiteral') {
    reasons.add(`calls ${name}() with a pattern that is not written in the condition (${text(argument, source)}): only a written pattern can be checked`);
    return;
  }
  const pattern = text(argument, source).slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  const problem = backtrackingProblem(pattern) ?? overlapProblem(pattern, budget);
  if (problem) reasons.add(`calls ${name}() with the pattern ${JSON.stringify(pattern)}, which ${problem}: it could take exponential time`);
}

/**
 * How far redos-detector walks one pattern's paths, and how many patterns of one file it walks: counted in
 * steps, not time, so a file's verdict never depends on how busy the machine is. A pattern it cannot settle
 * within its steps is refused too. After the first pattern refused the file is refused anyway: the rest are
 * not walked.
 */
const REGEX_CHECK_STEPS = 2_000;
const REGEX_CHECKS_PER_FILE = 50;
interface RegexBudget {
  checks: number;
  refused: boolean;
}

/**
 * Backtracking the one-pass check cannot see: a repeated choice whose alternatives overlap (`(a|aa)+`), or
 * quantified parts that can match the same text (`.*x.*`, `[\s\S]*[\s\S]*`), found by redos-detector.
 */
function overlapProblem(pattern: string, budget: RegexBudget): string | undefined {
  let regexp: RegExp;
  try {
    regexp = new RegExp(pattern, 'u');
  } catch {
    return undefined; // not a JavaScript pattern: the condition's own evaluation says so
  }
  if (budget.refused) return undefined;
  if (++budget.checks > REGEX_CHECKS_PER_FILE) return `is one more regular expression than the ${REGEX_CHECKS_PER_FILE} a workflow's conditions may use`;
  const result = isSafe(regexp, { maxSteps: REGEX_CHECK_STEPS });
  if (result.safe) return undefined;
  budget.refused = true;
  return result.error === 'hitMaxSteps'
    ? 'is too complex to check for backtracking'
    : 'can match the same text in several ways (overlapping alternatives or repeats)';
}

interface Group {
  repeats: boolean;
}

/**
 * Why a regular expression could backtrack catastrophically: a repeated group that itself repeats something
 * (`(a+)+`, `(a*b?)*`, star height above one) or a backreference. One pass over the pattern.
 */
export function backtrackingProblem(pattern: string): string | undefined {
  const groups: Group[] = [{ repeats: false }];
  /** What the next quantifier applies to: a group just closed (and whether it repeats inside), or a single atom. */
  let last: Group | 'atom' | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && pattern[i + 2] === '<')) return 'refers back to a group (a backreference)';
      if ((next === 'p' || next === 'P' || next === 'u') && pattern[i + 2] === '{') i = Math.max(i + 1, pattern.indexOf('}', i));
      else i++;
      last = 'atom';
      continue;
    }
    if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      last = 'atom';
      continue;
    }
    if (c === '(') {
      groups.push({ repeats: false });
      if (pattern[i + 1] === '?') i += pattern[i + 2] === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!' ? pattern.indexOf('>', i) - i : 2;
      last = undefined;
      continue;
    }
    if (c === ')') {
      const closed = groups.length > 1 ? groups.pop()! : { repeats: false };
      if (closed.repeats) groups.at(-1)!.repeats = true;
      last = closed;
      continue;
    }
    const bounded = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (c === '*' || c === '+' || c === '?' || bounded) {
      const repeats =
        c === '*' || c === '+' || (bounded !== null && (bounded[2] === undefined ? Number(bounded[1]) > 1 : bounded[3] === '' || Number(bounded[3]) > 1));
      if (repeats && last !== undefined && last !== 'atom' && last.repeats) return 'repeats a group that itself repeats (nested quantifiers)';
      if (repeats) groups.at(-1)!.repeats = true;
      if (bounded) i += bounded[0].length - 1;
      if (pattern[i + 1] === '?') i++;
      last = undefined;
      continue;
    }
    if (c === '|') {
      last = undefined;
      continue;
    }
    last = 'atom';
  }
  return undefined;
}
