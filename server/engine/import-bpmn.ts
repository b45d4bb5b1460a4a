import { InvalidBpmnError, type BpmnProblem } from '../shared/errors.js';
import { parseBpmn } from './bpmn/parse.js';
import { readGraph } from './bpmn/read-graph.js';
import { compileGraph, type CompileOptions } from './compile/compile.js';
import type { ProcessGraph, Workflow } from './workflow.js';

export interface ImportResult {
  workflow?: Workflow;
  problems: BpmnProblem[];
}

/**
 * BPMN 2.0 XML (bytes in any declared encoding, or text) → executable workflow. Every problem in the file
 * is collected; the workflow exists only when there are none.
 *
 * @example
 * const { workflow, problems } = await importBpmn(readFileSync('workflows/customer-inquiry.bpmn'));
 */
export async function importBpmn(input: Uint8Array | string, options: CompileOptions = {}): Promise<ImportResult> {
  const parsed = await parseBpmn(input);
  if (!parsed.definitions) return { problems: parsed.problems };
  const read = readGraph(parsed.definitions, parsed.elementsById);
  const problems = [...parsed.problems, ...read.problems];
  if (!read.graph) return { problems };
  const compiled = compileGraph(read.graph, new Set(problems.map((p) => p.elementId)), options);
  const known = new Set(problems.map((p) => `${p.elementId}\u0000${p.message}`));
  problems.push(...compiled.problems.filter((p) => !known.has(`${p.elementId}\u0000${p.message}`)));
  if (problems.length || !compiled.workflow) return { problems };
  return { workflow: compiled.workflow, problems: [] };
}

/** Like `importBpmn`, but throws `InvalidBpmnError` listing every problem. */
export async function importBpmnOrThrow(input: Uint8Array | string, options: CompileOptions = {}): Promise<Workflow> {
  const { workflow, problems } = await importBpmn(input, options);
  if (!workflow) throw new InvalidBpmnError(problems);
  return workflow;
}

/** Recompiles a workflow from its graph: what `sopflow export` and round-trip checks start from. */
export function compileWorkflow(graph: ProcessGraph): Workflow {
  const { workflow, problems } = compileGraph(graph);
  if (!workflow) throw new InvalidBpmnError(problems);
  return workflow;
}
