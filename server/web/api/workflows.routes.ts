import type { Sopflow } from '../../sopflow.js';
import type { WorkflowVersion } from '../../services/workflows/workflow-library.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import {
  ImportedWorkflowSchema,
  ImportWorkflowQuery,
  WorkflowDetailSchema,
  WorkflowKeyParams,
  WorkflowListSchema,
  WorkflowVersionListSchema,
  WorkflowVersionParams,
} from './workflows.schemas.js';

const NO_WORKFLOW = 'no workflow (or version) with this key';

export function workflowRoutes({ workflows }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'importWorkflow',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows',
      summary: 'Import a BPMN 2.0 file: publishes the next version of its process, unless it is identical to the latest',
      access: 'manager',
      body: 'bpmn',
      query: ImportWorkflowQuery,
      bodyLimitBytes: workflows.limits.maxBytes,
      responses: {
        201: { description: 'published as a new version', schema: ImportedWorkflowSchema },
        200: { description: 'identical to the latest version: nothing published', schema: ImportedWorkflowSchema },
      },
      errors: {
        409: 'another import published the same version at the same moment; import again',
        422: 'the BPMN cannot be executed or breaks a workflow limit; nothing was imported. details: [{elementId, type, code, severity, message}], errors first, then warnings; code ambiguous_process names each candidate process: choose one with ?process=ID',
      },
      async handle({ body, query, user }) {
        const { version, created, warnings } = await workflows.import(body, user.email, query.process ? { process: query.process } : {});
        return { status: created ? 201 : 200, json: { ...versionView(version), created, steps: Object.values(version.workflow.steps), warnings } };
      },
    }),
    defineRoute({
      operationId: 'listWorkflows',
      tag: 'workflows',
      method: 'get',
      path: '/api/workflows',
      summary: 'Every workflow with its latest version',
      access: 'agent',
      responses: { 200: { description: 'workflows by key', schema: WorkflowListSchema } },
      async handle() {
        return { json: { items: await workflows.list() } };
      },
    }),
    defineRoute({
      operationId: 'getWorkflow',
      tag: 'workflows',
      method: 'get',
      path: '/api/workflows/:key',
      summary: 'The latest version of a workflow: its steps, timers and XState machine',
      access: 'agent',
      params: WorkflowKeyParams,
      responses: { 200: { description: 'the latest version', schema: WorkflowDetailSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ params }) {
        const version = await workflows.latest(params.key);
        const { channels, slaMs, vipSlaMs, steps, timers, machine } = version.workflow;
        return { json: { ...versionView(version), channels, slaMs, vipSlaMs, steps: Object.values(steps), timers: Object.values(timers), machine } };
      },
    }),
    defineRoute({
      operationId: 'listWorkflowVersions',
      tag: 'workflows',
      method: 'get',
      path: '/api/workflows/:key/versions',
      summary: 'Every published version of a workflow, newest first',
      access: 'agent',
      params: WorkflowKeyParams,
      responses: { 200: { description: 'versions, newest first', schema: WorkflowVersionListSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ params }) {
        return { json: { items: (await workflows.versions(params.key)).map(versionView) } };
      },
    }),
    defineRoute({
      operationId: 'getWorkflowBpmn',
      tag: 'workflows',
      method: 'get',
      path: '/api/workflows/:key/versions/:version/bpmn',
      summary: 'One version as BPMN 2.0 XML with diagram layout (generated when the imported file had none)',
      access: 'agent',
      params: WorkflowVersionParams,
      responses: { 200: { description: 'BPMN 2.0 XML', xml: true } },
      errors: { 404: NO_WORKFLOW },
      async handle({ params }) {
        return { xml: await workflows.bpmn(params.key, params.version) };
      },
    }),
  ];
}

function versionView(version: Omit<WorkflowVersion, 'workflow'>) {
  const { key, name, checksum, publishedAt, publishedBy } = version;
  return { key, version: version.version, name, checksum, publishedAt, publishedBy };
}
