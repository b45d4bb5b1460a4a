import { feelSyntaxProblem } from '../../engine/expressions.js';

/** The longest condition the editor's as-you-type check parses (an import bounds conditions by the file's limits). */
export const CONDITION_CHECK_MAX_CHARS = 2_000;

/**
 * The FEEL syntax error of a gateway condition as the editor types it (and the character it is at, when the
 * parser says), or undefined when it parses: the same parser (feelin) the importer checks conditions with, so
 * the editor and a publish agree.
 */
export function conditionSyntaxError(expression: string): { message: string; at?: number } | undefined {
  return feelSyntaxProblem(expression);
}
