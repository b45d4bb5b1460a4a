import { DEFAULT_WORKFLOW_LIMITS, workflowLimitSetting, type WorkflowLimits } from '../shared/config.js';
import { bpmnError, InvalidBpmnError, type BpmnProblem } from '../shared/errors.js';
import { parseBpmn, type ParsedBpmn } from './bpmn/parse.js';
import { readGraph, type ReadOptions } from './bpmn/read-graph.js';
import { compileGraph, type CompileOptions } from './compile/compile.js';
import type { ProcessGraph, Workflow } from './workflow.js';

export interface ImportResult {
  workflow?: Workflow;
  /** The errors that refuse the file: none when there is a workflow. */
  problems: BpmnProblem[];
  /** What the import set aside without changing what runs (modeler extensions, diagram references, translations). */
  warnings: BpmnProblem[];
}

export interface ImportOptions extends CompileOptions, ReadOptions {}

/**
 * BPMN 2.0 XML (bytes in any declared encoding, or text) → executable workflow. Every problem in the file
 * is collected, each once: an element an earlier phase refused (the parser, then the reader) is not refused
 * again for what follows from it, and a refused start event does not also make "no start event". The
 * workflow exists only when there are no errors; warnings come with it either way. `limits` bound what the
 * file may cost: its size, flow elements, nesting, text lengths (checked in one linear pass before any
 * parser runs) and the time parsing, reading and compiling may take together.
 * `parsedBefore`: `input` already parsed with the same limits (the editor's publish lints and diffs that parse
 * too), so it is not parsed twice.
 *
 * @example
 * const { workflow, problems, warnings } = await importBpmn(readFileSync('workflows/customer-inquiry.bpmn'));
 */
export async function importBpmn(
  input: Uint8Array | string,
  limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
  options: ImportOptions = {},
  parsedBefore?: ParsedBpmn,
): Promise<ImportResult> {
  // The budget counts this file's own work, phase by phase, never time spent queued behind other work in
  // the process (concurrent imports would otherwise refuse each other's files).
  let spentMs = 0;
  let phaseStarted = performance.now();
  const overBudget = (phase: string): ImportResult | undefined =>
    (spentMs += performance.now() - phaseStarted) > limits.compileBudgetMs
      ? {
          problems: [
            bpmnError(
              'document',
              'xml',
              'limit_exceeded',
              `${phase} took longer than the budget of ${limits.compileBudgetMs} ms (${workflowLimitSetting('compileBudgetMs')}): make the workflow smaller`,
              { what: 'compileBudgetMs', maximum: limits.compileBudgetMs },
            ),
          ],
          warnings: [],
        }
      : undefined;
  const phases: BpmnProblem[][] = [];
  // moddle parses inside the call, before its promise settles: the call's own duration is the parse's work.
  const parsing = parsedBefore ?? parseBpmn(input, limits);
  const late = overBudget('parsing the file');
  const parsed = await parsing;
  phases.push(parsed.problems);
  if (!parsed.definitions) return settle(phases);
  if (late) return late;
  phaseStarted = performance.now();
  const read = readGraph(parsed.definitions, parsed.elementsById, options);
  phases.push(read.problems);
  if (!read.graph) return settle(phases);
  const lateRead = overBudget('reading the process');
  if (lateRead) return lateRead;
  phaseStarted = performance.now();
  const refused = new Set(
    phases
      .flat()
      .filter((p) => p.severity === 'error')
      .map((p) => p.elementId),
  );
  const compiled = compileGraph(read.graph, refused, options);
  const lateCompile = overBudget('compiling the workflow');
  if (lateCompile) return lateCompile;
  const startRefused = phases.flat().some((p) => p.severity === 'error' && p.type === 'startEvent');
  phases.push(compiled.problems.filter((p) => !(startRefused && p.code === 'no_start_event')));
  return settle(phases, compiled.workflow);
}

/** Errors and warnings, once each; an element refused in one phase is not refused again by a later one. */
function settle(phases: BpmnProblem[][], workflow?: Workflow): ImportResult {
  const problems: BpmnProblem[] = [];
  const warnings: BpmnProblem[] = [];
  const seen = new Set<string>();
  const refusedBefore = new Set<string>();
  for (const phase of phases) {
    const refusedHere: string[] = [];
    for (const problem of phase) {
      const key = `${problem.elementId}\u0000${problem.code}\u0000${problem.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (problem.severity === 'warning') {
        warnings.push(problem);
        continue;
      }
      if (problem.elementId !== 'document' && refusedBefore.has(problem.elementId)) continue;
      problems.push(problem);
      refusedHere.push(problem.elementId);
    }
    for (const id of refusedHere) refusedBefore.add(id);
  }
  return problems.length || !workflow ? { problems, warnings } : { workflow, problems: [], warnings };
}

/** Like `importBpmn`, but throws `InvalidBpmnError` listing every error, then every warning. */
export async function importBpmnOrThrow(
  input: Uint8Array | string,
  limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
  options: ImportOptions = {},
  parsed?: ParsedBpmn,
): Promise<Workflow> {
  return (await importBpmnWithWarnings(input, limits, options, parsed)).workflow;
}

/** The workflow and the warnings of its import, or `InvalidBpmnError` listing every error, then every warning. */
export async function importBpmnWithWarnings(
  input: Uint8Array | string,
  limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
  options: ImportOptions = {},
  parsed?: ParsedBpmn,
): Promise<{ workflow: Workflow; warnings: BpmnProblem[] }> {
  const { workflow, problems, warnings } = await importBpmn(input, limits, options, parsed);
  if (!workflow) throw new InvalidBpmnError([...problems, ...warnings]);
  return { workflow, warnings };
}

/** Recompiles a workflow from its graph: what `sopflow export` and round-trip checks start from. */
export function compileWorkflow(graph: ProcessGraph): Workflow {
  const { workflow, problems } = compileGraph(graph);
  if (!workflow) throw new InvalidBpmnError(problems);
  return workflow;
}
