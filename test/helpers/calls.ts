import { linkCalls, type CallBinding } from '../../server/engine/compile/link-calls.js';
import { importBpmnOrThrow } from '../../server/engine/import-bpmn.js';
import { CALL_PATH_SEPARATOR } from '../../server/engine/workflow-activities.js';
import type { Workflow } from '../../server/engine/workflow.js';
import { bpmn, flow } from './bpmn.js';

/** A one-step workflow standing in for `key`: what a call activity of a corpus file calls. */
export async function standIn(key: string): Promise<Workflow> {
  return importBpmnOrThrow(
    bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="work" name="Work of ${key}"/><bpmn:endEvent id="e"/>${flow('s', 'work')}${flow('work', 'e')}`, {
      id: key,
    }),
  );
}

/**
 * `workflow` linked as a ticket runs it: each call to the workflow `called` gives for its key (version 1), else
 * to a one-step stand-in. Unchanged without calls.
 */
export async function linked(workflow: Workflow, called: Record<string, Workflow> = {}): Promise<Workflow> {
  if (!workflow.calls) return workflow;
  const bound: Record<string, CallBinding> = {};
  const bind = async (caller: Workflow, prefix: string): Promise<void> => {
    for (const [id, site] of Object.entries(caller.calls ?? {})) {
      const path = `${prefix}${id}`;
      const target = called[site.key] ?? (await standIn(site.key));
      bound[path] = { key: site.key, version: site.version ?? 1, name: target.name, workflow: target };
      await bind(target, `${path}${CALL_PATH_SEPARATOR}`);
    }
  };
  await bind(workflow, '');
  return linkCalls(workflow, bound);
}
