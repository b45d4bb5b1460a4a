import { evaluate, parseExpression } from 'feelin';

/**
 * FEEL conditions over a ticket's fields, evaluated by feelin (the FEEL engine Camunda 8 uses).
 * feelin re-parses on every call, so results are memoized per expression and the values of the
 * variables it reads: gateways see few distinct inputs (levels, yes/no answers) over and over.
 */

interface Compiled {
  variables: string[];
  results: Map<string, boolean>;
}

const MAX_RESULTS_PER_EXPRESSION = 1_000;
const compiled = new Map<string, Compiled>();

/** The syntax error in `expression`, or undefined when it parses. */
export function feelSyntaxError(expression: string): string | undefined {
  try {
    let error: string | undefined;
    parseExpression(expression, {}, undefined).iterate({
      enter(node) {
        if (node.type.isError && !error) error = `syntax error at character ${node.from + 1} of ${JSON.stringify(expression)}`;
      },
    });
    return error;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function compile(expression: string): Compiled {
  let entry = compiled.get(expression);
  if (!entry) {
    const variables = new Set<string>();
    parseExpression(expression, {}, undefined).iterate({
      enter(node) {
        // A path such as `customer.tier` reads the whole `customer` value, so key on the root name.
        if (node.name === 'VariableName') variables.add(expression.slice(node.from, node.to).trim().split('.')[0]!);
      },
    });
    entry = { variables: [...variables].sort(), results: new Map() };
    compiled.set(expression, entry);
  }
  return entry;
}

/** True only when the condition evaluates to FEEL `true`; null (a missing field) counts as false. */
export function conditionHolds(expression: string, fields: Record<string, unknown>): boolean {
  const entry = compile(expression);
  const key = JSON.stringify(entry.variables.map((name) => fields[name] ?? null));
  const known = entry.results.get(key);
  if (known !== undefined) return known;
  const result = evaluate(expression, fields).value === true;
  if (entry.results.size >= MAX_RESULTS_PER_EXPRESSION) entry.results.clear();
  entry.results.set(key, result);
  return result;
}
