import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { WorkflowKeyParams } from './workflows.schemas.js';
import { ApplyMigrationBody, MigrationAppliedSchema, MigrationPlanSchema, PlanMigrationBody } from './workflow-migrations.schemas.js';

const NO_VERSION = 'no workflow with this key, or no such version';

/** Moving waiting tickets to a later version: managers and admins only; an agent is answered 403. */
export function workflowMigrationRoutes({ migrations }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'planWorkflowMigration',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/migrations/plan',
      summary: "Dry run: replay each waiting ticket's recorded events through the later version; nothing is written",
      access: 'manager',
      params: WorkflowKeyParams,
      body: PlanMigrationBody,
      responses: { 200: { description: 'which tickets move cleanly, which land in other steps, which cannot move and why', schema: MigrationPlanSchema } },
      errors: {
        400: 'bad input; besides schema failures: toVersion not later than fromVersion (code versionNotLater), a ticket listed twice (ticketListedTwice). details: [{field, message, code, values}]',
        404: NO_VERSION,
      },
      async handle({ params, body }) {
        return { json: await migrations.plan(params.key, body.fromVersion, body.toVersion, body.tickets) };
      },
    }),
    defineRoute({
      operationId: 'applyWorkflowMigration',
      tag: 'workflows',
      method: 'post',
      path: '/api/workflows/:key/migrations/apply',
      summary: 'Move the chosen tickets to the later version in one transaction, replayed again; audited',
      access: 'manager',
      params: WorkflowKeyParams,
      body: ApplyMigrationBody,
      responses: { 200: { description: 'every ticket moved, with its new revision and steps', schema: MigrationAppliedSchema } },
      errors: {
        400: 'bad input; besides schema failures: a listed ticket cannot move (code ticketCannotMove, values {ticket, reason}), versionNotLater, ticketListedTwice. details: [{field, message, code, values}]',
        404: NO_VERSION,
        409: 'a ticket changed, closed or moved since the plan (its revision): nothing was moved. details: {stale: [{id, expectedRevision, currentRevision}]}',
      },
      async handle({ params, body, user }) {
        return { json: await migrations.apply(params.key, body.fromVersion, body.toVersion, body.tickets, user.email) };
      },
    }),
  ];
}
