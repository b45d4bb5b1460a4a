import { readFile } from 'node:fs/promises';
import { AppError } from '../shared/errors.js';
import { conditionLimitsOf, type Config } from '../shared/config.js';
import { compileWorkflow } from '../engine/import-bpmn.js';
import { BUILT_IN_CALENDARS } from '../engine/time/calendars.js';
import type { Workflow } from '../engine/workflow.js';
import { WorkflowChecks } from '../services/workflows/workflow-checks.js';
import { compiledGraphOf } from './compiled-workflow.js';

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
  const graph = compiledGraphOf(path, bytes.toString('utf8'));
  try {
    return compileWorkflow(graph);
  } catch (error) {
    if (error instanceof AppError) throw error;
    // A graph of the right shape whose parts do not fit together (a flow to no node…): the compiler's own words, not its stack.
    throw new AppError('bad_request', `${path} is not a compiled SOPflow workflow: ${(error as Error).message}`);
  }
}
