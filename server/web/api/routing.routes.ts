import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import {
  AgentListSchema,
  AssignBody,
  AssignmentSchema,
  ClassificationPatchBody,
  DeliveryListSchema,
  LaneBody,
  LaneListSchema,
  LaneSchema,
  NewWebhookBody,
  PresenceBody,
  PresenceSchema,
  RuleListSchema,
  RulesBody,
  RuleTrialBody,
  RuleTrialSchema,
  StoredClassificationSchema,
  TicketIdParams,
  UserIdParams,
  WebhookIdParams,
  WebhookIdSchema,
  WebhookListSchema,
  WebhookSchema,
} from './routing.schemas.js';

const NO_TICKET = 'no ticket with this id (or it has no routed step)';

/** Routing (PRODUCT §5, issue 18): classification rules, lane policies, agents, presence, assignment and webhooks. */
export function routingRoutes({ routing, webhooks }: Sopflow): ApiRoute[] {
  const { rules, assignments } = routing;
  return [
    defineRoute({
      operationId: 'listRoutingRules',
      tag: 'routing',
      method: 'get',
      path: '/api/routing/rules',
      summary: 'The classification rules in order, each with its hits and corrections',
      access: 'manager',
      responses: { 200: { description: 'the rules', schema: RuleListSchema } },
      async handle() {
        return { json: { rules: await rules.list() } };
      },
    }),
    defineRoute({
      operationId: 'saveRoutingRules',
      tag: 'routing',
      method: 'put',
      path: '/api/routing/rules',
      summary: 'Replace the classification rules (applied in order at intake; the first match wins); audited',
      access: 'manager',
      body: RulesBody,
      responses: { 200: { description: 'the rules as saved', schema: RuleListSchema } },
      async handle({ body, user }) {
        return { json: { rules: await rules.save(user, body.rules) } };
      },
    }),
    defineRoute({
      operationId: 'testRoutingRules',
      tag: 'routing',
      method: 'post',
      path: '/api/routing/rules/test',
      summary: 'Run a rule set on the newest tickets and show what it would change; nothing is saved',
      access: 'manager',
      body: RuleTrialBody,
      responses: { 200: { description: 'the tickets whose classification would change', schema: RuleTrialSchema } },
      async handle({ body }) {
        return { json: await rules.trial(body.rules ?? (await rules.list()), body.limit) };
      },
    }),
    defineRoute({
      operationId: 'correctClassification',
      tag: 'routing',
      method: 'patch',
      path: '/api/tickets/:id/classification',
      summary: "Correct a ticket's classification; the rule's answer is kept and counted as a correction",
      access: 'agent',
      params: TicketIdParams,
      body: ClassificationPatchBody,
      responses: { 200: { description: 'the classification as now stored', schema: StoredClassificationSchema } },
      errors: { 404: NO_TICKET },
      async handle({ params, body, user }) {
        const patch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        return { json: await rules.correct(user, params.id, patch) };
      },
    }),
    defineRoute({
      operationId: 'assignTicket',
      tag: 'routing',
      method: 'post',
      path: '/api/tickets/:id/assign',
      summary: "A lead gives a ticket's routed step to another member of its lane (online, with room); audited",
      access: 'manager',
      params: TicketIdParams,
      body: AssignBody,
      responses: { 200: { description: 'the assignment', schema: AssignmentSchema } },
      errors: { 404: NO_TICKET },
      async handle({ params, body, user }) {
        return { json: await assignments.reassign(user, params.id, body.agentId, body.visit) };
      },
    }),
    defineRoute({
      operationId: 'startTicket',
      tag: 'routing',
      method: 'post',
      path: '/api/tickets/:id/start',
      summary: 'The assignee starts work on the ticket: it stays theirs if they go offline',
      access: 'agent',
      params: TicketIdParams,
      responses: { 200: { description: 'started', schema: AssignmentSchema.pick({ ticketId: true }) } },
      errors: { 404: 'the ticket is not assigned to you' },
      async handle({ params, user }) {
        await assignments.start(user, params.id);
        return { json: { ticketId: params.id } };
      },
    }),
    defineRoute({
      operationId: 'listLanePolicies',
      tag: 'routing',
      method: 'get',
      path: '/api/routing/lanes',
      summary: 'Lanes with a routing policy (the others pull from the queue)',
      access: 'manager',
      responses: { 200: { description: 'the lanes', schema: LaneListSchema } },
      async handle() {
        assignments.forget();
        return { json: { items: [...(await assignments.lanes()).values()] } };
      },
    }),
    defineRoute({
      operationId: 'setLanePolicy',
      tag: 'routing',
      method: 'put',
      path: '/api/routing/lanes',
      summary: "Set a lane's policy (push or pull) and lead; audited",
      access: 'manager',
      body: LaneBody,
      responses: { 200: { description: 'the lane as saved', schema: LaneSchema } },
      async handle({ body, user }) {
        return { json: await assignments.setLane(user, body.lane, body.policy, body.lead ?? null) };
      },
    }),
    defineRoute({
      operationId: 'listAgents',
      tag: 'routing',
      method: 'get',
      path: '/api/routing/agents',
      summary: 'Active people with their skills, level, capacity, current load and presence',
      access: 'manager',
      responses: { 200: { description: 'the agents', schema: AgentListSchema } },
      async handle() {
        return { json: { items: await assignments.profiles() } };
      },
    }),
    defineRoute({
      operationId: 'setPresence',
      tag: 'routing',
      method: 'put',
      path: '/api/users/:id/presence',
      summary: "Presence (the user, or a lead or admin); offline gives the user's unstarted tickets back to routing",
      access: 'agent',
      params: UserIdParams,
      body: PresenceBody,
      responses: { 200: { description: 'the presence as set', schema: PresenceSchema } },
      async handle({ params, body, user }) {
        const returned = await routing.setPresence(user, params.id, body.status);
        return { json: { status: body.status, returned: returned.map((r) => r.ticketId) } };
      },
    }),
    defineRoute({
      operationId: 'createWebhook',
      tag: 'webhooks',
      method: 'post',
      path: '/api/webhooks',
      summary: 'An outgoing webhook for these events from now on (json signed with the secret, wecom, dingtalk or slack)',
      access: 'admin',
      body: NewWebhookBody,
      responses: { 201: { description: 'the webhook (never its secret)', schema: WebhookSchema } },
      async handle({ body, user }) {
        return { status: 201, json: await webhooks.create(user, body) };
      },
    }),
    defineRoute({
      operationId: 'listWebhooks',
      tag: 'webhooks',
      method: 'get',
      path: '/api/webhooks',
      summary: 'The webhooks, each with its last error',
      access: 'admin',
      responses: { 200: { description: 'the webhooks', schema: WebhookListSchema } },
      async handle() {
        return { json: { items: await webhooks.list() } };
      },
    }),
    defineRoute({
      operationId: 'deleteWebhook',
      tag: 'webhooks',
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Remove a webhook and its delivery log',
      access: 'admin',
      params: WebhookIdParams,
      responses: { 200: { description: 'removed', schema: WebhookIdSchema } },
      errors: { 404: 'no webhook with this id' },
      async handle({ params }) {
        await webhooks.remove(params.id);
        return { json: { id: params.id } };
      },
    }),
    defineRoute({
      operationId: 'listWebhookDeliveries',
      tag: 'webhooks',
      method: 'get',
      path: '/api/webhooks/:id/deliveries',
      summary: 'The newest deliveries of a webhook, each with every attempt',
      access: 'admin',
      params: WebhookIdParams,
      responses: { 200: { description: 'the deliveries, newest first', schema: DeliveryListSchema } },
      errors: { 404: 'no webhook with this id' },
      async handle({ params }) {
        return { json: { items: await webhooks.deliveries(params.id) } };
      },
    }),
  ];
}
