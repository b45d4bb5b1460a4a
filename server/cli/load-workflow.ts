import { readFile } from 'node:fs/promises';
import { AppError, bpmnError, InvalidBpmnError } from '../shared/errors.js';
import { conditionLimitsOf, type Config } from '../shared/config.js';
import { compileWorkflow } from '../engine/import-bpmn.js';
import { BUILT_IN_CALENDARS } from '../engine/time/calendars.js';
import type { Workflow } from '../engine/workflow.js';
import { WorkflowChecks } from '../services/workflows/workflow-checks.js';

/** The checks a server started with the same environment applies to uploads: limits, conditions, calendars. */
export function configuredChecks(config: Config): WorkflowChecks {
  return new WorkflowChecks(new Set(Object.keys(BUILT_IN_CALENDARS)), config.workflowLimits, { conditions: conditionLimitsOf(config) });
}

/** Reads a BPMN file, or a compiled workflow JSON (as `sopflow compile` prints it), into a workflow. */
export async function loadWorkflow(path: string, checks: WorkflowChecks): Promise<Workflow> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new AppError('not_found', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!path.endsWith('.json')) return checks.check(bytes);
  let parsed: Partial<Workflow>;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as Partial<Workflow>;
  } catch (error) {
    throw new AppError('bad_request', `${path} is not JSON: ${(error as Error).message}`);
  }
  if (!parsed.graph)
    throw new InvalidBpmnError([bpmnError('document', 'json', 'no_process', 'the JSON has no "graph": it is not a compiled SOPflow workflow')]);
  return compileWorkflow(parsed.graph);
}
