import type { ProblemMessage } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';

/**
 * A problem in the reader's language: its catalog entry under `problems.` when it has a code, else (or when the
 * catalog lacks the entry) its English message. The entries list allowed statuses, metrics and comparisons by
 * nesting the catalog's own labels (`problems.oneOf`), so those read in the reader's language too.
 */
export function problemText(f: Formatter, problem: ProblemMessage): string {
  return problem.code ? f.t(`problems.${problem.code}`, { ...problem.values, defaultValue: problem.message }) : problem.message;
}
