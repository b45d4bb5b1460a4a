import type { Sopflow } from '../../sopflow.js';
import { simulationLineText } from '../../services/workflows/simulation-lines.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { WorkflowKeyParams } from './workflows.schemas.js';
import {
  ConditionCheckBody,
  ConditionCheckSchema,
  DraftCheckSchema,
  DraftSchema,
  DryRunBody,
  DryRunSchema,
  PublishDraftBody,
  PublishedSchema,
  SaveDraftBody,
} from './workflow-drafts.schemas.js';

const NO_WORKFLOW = 'no workflow with this key (or, for check and publish, no saved draft)';

/** The editor's calls: managers and admins only; an agent is answered 403. */
export function workflowDraftRoutes({ drafts, clock }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'getWorkflowDraft',
      tag: 'workflows',
      method: 'get',
      path: '/api/workflows/:key/draft',
      summary: "The workflow's shared draft, or the latest version (`saved` false) when none is saved",
      access: 'manager',
      params: WorkflowKeyParams,
      responses: { 200: { description: 'the draft', schema: DraftSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ params }) {
        return { json: await drafts.open(params.key) };
      },
    }),
    defineRoute({
      operationId: 'saveWorkflowDraft',
      tag: 'workflows',
      method: 'put',
      path: '/api/workflows/:key/draft',
      summary: 'Save the draft as the next revision, if nobody saved since `baseRevision` (recorded in the audit log with the diff)',
      access: 'manager',
      params: WorkflowKeyParams,
      body: SaveDraftBody,
      responses: { 200: { description: 'saved', schema: DraftSchema } },
      errors: {
        404: NO_WORKFLOW,
        409: 'the draft was saved by someone else since baseRevision (or published): nothing was saved. details: {revision, updatedBy}',
        422: 'not BPMN this workflow can keep (unparsable, or the process id changed). details: [{elementId, type, message}]',
      },
      async handle({ params, body, user }) {
        return { json: await drafts.save(params.key, body.bpmn, body.baseRevision, user.email) };
      },
    }),
    defineRoute({
      operationId: 'checkWorkflowDraft',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/draft/check',
      summary: 'Validate, lint and diff the saved draft against the latest version, without publishing',
      access: 'manager',
      params: WorkflowKeyParams,
      responses: { 200: { description: 'what a publish would say', schema: DraftCheckSchema } },
      errors: { 404: NO_WORKFLOW },
      async handle({ params }) {
        return { json: await drafts.check(params.key) };
      },
    }),
    defineRoute({
      operationId: 'publishWorkflowDraft',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/draft/publish',
      summary: 'Publish the saved draft as the next version (running tickets keep theirs); the draft is removed',
      access: 'manager',
      params: WorkflowKeyParams,
      body: PublishDraftBody,
      responses: { 201: { description: 'published', schema: PublishedSchema } },
      errors: {
        404: NO_WORKFLOW,
        409: 'the draft moved on from `revision`, is identical to the latest version, or started from an older version than the latest (publishing it would undo that version). details: {revision}, {version} or {revision, basedOnVersion, latestVersion}',
        422: 'the draft cannot be executed or fails a lint error rule; nothing was published. details: [{elementId, type, message}] (type `lint:<rule>` for lint)',
      },
      async handle({ params, body, user }) {
        const { version, draftRevision, diff, lint } = await drafts.publish(params.key, body.revision, user.email);
        return { status: 201, json: { key: version.key, version: version.version, draftRevision, diff, lint } };
      },
    }),
    defineRoute({
      operationId: 'discardWorkflowDraft',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/draft/discard',
      summary: 'Drop the saved draft at `revision`: the editor starts again from the latest version (recorded in the audit log)',
      access: 'manager',
      params: WorkflowKeyParams,
      body: PublishDraftBody,
      responses: { 200: { description: 'the latest version, as the draft now opens', schema: DraftSchema } },
      errors: { 404: NO_WORKFLOW, 409: 'the draft moved on from `revision`: nothing was dropped. details: {revision, updatedBy}' },
      async handle({ params, body, user }) {
        return { json: await drafts.discard(params.key, body.revision, user.email) };
      },
    }),
    defineRoute({
      operationId: 'dryRunWorkflowDraft',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/draft/dry-run',
      summary: 'Walk a path of events through the saved draft on a virtual clock: steps, limits, reminders and escalations; nothing is written',
      access: 'manager',
      params: WorkflowKeyParams,
      body: DryRunBody,
      responses: { 200: { description: 'the walk, line by line', schema: DryRunSchema } },
      errors: { 404: NO_WORKFLOW, 422: 'the draft does not compile. details: [{elementId, type, message}]' },
      async handle({ params, body }) {
        const entries = await drafts.dryRun(params.key, body.path, { vip: body.vip ?? false, start: clock.now() });
        return { json: { lines: entries.map(simulationLineText), entries } };
      },
    }),
    defineRoute({
      operationId: 'checkCondition',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/conditions/check',
      summary: 'A gateway condition as the editor types it: its FEEL syntax, and what an import would refuse it for',
      access: 'manager',
      body: ConditionCheckBody,
      responses: { 200: { description: 'ok, or the syntax error', schema: ConditionCheckSchema } },
      async handle({ body }) {
        const problem = drafts.conditionProblem(body.expression);
        return {
          json: problem ? { ok: false, error: problem.message, code: problem.code, ...(problem.values ? { values: problem.values } : {}) } : { ok: true },
        };
      },
    }),
  ];
}
