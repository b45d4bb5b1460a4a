import type { BpmnProblem } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';

/** A refused upload's problem as the library lists it: the code's catalog sentence, the importer's English on hover. */
export interface ProblemRow {
  elementId: string;
  type: string;
  code: string;
  text: string;
  detail: string;
}

/** A problem in the reader's language: its code's catalog entry, filled with the values it carries and its element id. */
export function bpmnProblemText(f: Formatter, problem: BpmnProblem): string {
  return f.t(`bpmnProblems.${problem.code}`, { id: problem.elementId, ...problem.values, defaultValue: problem.message });
}

export function problemRows(problems: BpmnProblem[], f: Formatter): ProblemRow[] {
  return problems.map((p) => ({ elementId: p.elementId, type: p.type, code: p.code, text: bpmnProblemText(f, p), detail: p.message }));
}
