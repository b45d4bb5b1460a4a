import { BPMN_PROBLEM_CODES, type BpmnProblem } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { LINT_RULES } from '../../../services/workflows/publish-lint.js';

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

/**
 * What the editor's script needs to word the check's and publish's answers in the reader's language, as JSON
 * for a data attribute: each problem code's sentence with its `{{value}}` places left for the script to fill
 * from the problem's values, and each enabled lint rule's name and explanation.
 */
export function editorTexts(f: Formatter): string {
  const problems = Object.fromEntries(BPMN_PROBLEM_CODES.map((code) => [code, f.t(`bpmnProblems.${code}`)]));
  const lint = Object.fromEntries(
    Object.keys(LINT_RULES).map((rule) => [rule, { name: f.t(`lintRules.${rule}.name`), explanation: f.t(`lintRules.${rule}.explanation`) }]),
  );
  return JSON.stringify({ problems, lint });
}
