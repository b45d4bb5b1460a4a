import { DEFAULT_WORKFLOW_LIMITS, workflowLimitSetting, type WorkflowLimits } from '../shared/config.js';
import { InvalidBpmnError, type BpmnProblem } from '../shared/errors.js';
import { parseBpmn, type ParsedBpmn } from './bpmn/parse.js';
import { readGraph } from './bpmn/read-graph.js';
import { compileGraph, type CompileOptions } from './compile/compile.js';
import type { ProcessGraph, Workflow } from './workflow.js';

export interface ImportResult {
  workflow?: Workflow;
  problems: BpmnProblem[];
}

/**
 * BPMN 2.0 XML (bytes in any declared encoding, or text) → executable workflow. Every problem in the file
 * is collected; the workflow exists only when there are none. `limits` bound what the file may cost: its
 * size, flow elements, nesting, text lengths (checked in one linear pass before any parser runs) and the
 * time parsing, reading and compiling may take together. `parsed`: `input` already parsed with the same limits
 * (the editor's publish lints and diffs that parse too), so it is not parsed twice.
 *
 * @example
 * const { workflow, problems } = await importBpmn(readFileSync('workflows/customer-inquiry.bpmn'));
 */
export async function importBpmn(
  input: Uint8Array | string,
  limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
  options: CompileOptions = {},
  parsedBefore?: ParsedBpmn,
): Promise<ImportResult> {
  const started = performance.now();
  const overBudget = (phase: string): ImportResult | undefined =>
    performance.now() - started > limits.compileBudgetMs
      ? {
          problems: [
            {
              elementId: 'document',
              type: 'xml',
              message: `${phase} took longer than the budget of ${limits.compileBudgetMs} ms (${workflowLimitSetting('compileBudgetMs')}): make the workflow smaller`,
            },
          ],
        }
      : undefined;
  const parsed = parsedBefore ?? (await parseBpmn(input, limits));
  if (!parsed.definitions) return { problems: parsed.problems };
  const late = overBudget('parsing the file');
  if (late) return late;
  const read = readGraph(parsed.definitions, parsed.elementsById);
  const problems = [...parsed.problems, ...read.problems];
  if (!read.graph) return { problems };
  const lateRead = overBudget('reading the process');
  if (lateRead) return lateRead;
  const compiled = compileGraph(read.graph, new Set(problems.map((p) => p.elementId)), options);
  const lateCompile = overBudget('compiling the workflow');
  if (lateCompile) return lateCompile;
  const known = new Set(problems.map((p) => `${p.elementId}\u0000${p.message}`));
  problems.push(...compiled.problems.filter((p) => !known.has(`${p.elementId}\u0000${p.message}`)));
  if (problems.length || !compiled.workflow) return { problems };
  return { workflow: compiled.workflow, problems: [] };
}

/** Like `importBpmn`, but throws `InvalidBpmnError` listing every problem. */
export async function importBpmnOrThrow(
  input: Uint8Array | string,
  limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
  options: CompileOptions = {},
  parsed?: ParsedBpmn,
): Promise<Workflow> {
  const { workflow, problems } = await importBpmn(input, limits, options, parsed);
  if (!workflow) throw new InvalidBpmnError(problems);
  return workflow;
}

/** Recompiles a workflow from its graph: what `sopflow export` and round-trip checks start from. */
export function compileWorkflow(graph: ProcessGraph): Workflow {
  const { workflow, problems } = compileGraph(graph);
  if (!workflow) throw new InvalidBpmnError(problems);
  return workflow;
}
