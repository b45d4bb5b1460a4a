import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { linkCalls, type CallBinding } from '../engine/compile/link-calls.js';
import { CALL_PATH_SEPARATOR } from '../engine/workflow-activities.js';
import type { Workflow } from '../engine/workflow.js';
import { AppError, InvalidBpmnError } from '../shared/errors.js';
import { loadWorkflow } from './load-workflow.js';
import type { WorkflowChecks } from '../services/workflows/workflow-checks.js';

/**
 * `sopflow simulate` of a workflow with call activities, without a database: what each calls is read from the
 * BPMN files given with `--with`, else from the `.bpmn` files beside the simulated one, by process id (its key).
 * A pinned version is taken from that file too: offline there is one version of each.
 */
export async function linkFiles(workflow: Workflow, file: string, withFiles: readonly string[], checks: WorkflowChecks): Promise<Workflow> {
  if (!workflow.calls) return workflow;
  const byKey = new Map<string, Workflow>();
  for (const path of withFiles) {
    const called = await loadWorkflow(path, checks);
    byKey.set(called.key, called);
  }
  const beside = async (key: string): Promise<Workflow | undefined> => {
    const dir = dirname(resolve(file));
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.bpmn')).sort()) {
      const path = join(dir, name);
      if (path === resolve(file)) continue;
      const candidate = await loadWorkflow(path, checks).catch((error: unknown) => {
        if (error instanceof InvalidBpmnError) return undefined;
        throw error;
      });
      if (candidate) byKey.set(candidate.key, candidate);
      if (candidate?.key === key) return candidate;
    }
    return undefined;
  };
  const bound: Record<string, CallBinding> = {};
  const bind = async (caller: Workflow, prefix: string, depth: number): Promise<void> => {
    for (const [id, site] of Object.entries(caller.calls ?? {})) {
      const path = `${prefix}${id}`;
      const called = byKey.get(site.key) ?? (await beside(site.key));
      if (!called) throw new AppError('not_found', `call activity ${path} calls "${site.key}": give its BPMN file with --with FILE`);
      if (depth > 16) throw new AppError('bad_request', `calls nest too deep at ${path}: a workflow calls itself`);
      bound[path] = { key: called.key, version: site.version ?? 1, name: called.name, workflow: called };
      await bind(called, `${path}${CALL_PATH_SEPARATOR}`, depth + 1);
    }
  };
  await bind(workflow, '', 0);
  return linkCalls(workflow, bound);
}
