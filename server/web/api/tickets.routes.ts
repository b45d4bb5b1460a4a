import type { Sopflow } from '../../sopflow.js';
import { inputLimitsOf } from '../../shared/config.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import { TicketWithIncidentsSchema } from './incidents.schemas.js';
import {
  NewTicketBody,
  TicketChangeBody,
  TicketEventBody,
  TicketIdParams,
  ticketListQuery,
  TicketMessageBody,
  TicketPageSchema,
  TicketSchema,
} from './tickets.schemas.js';

const NO_TICKET = 'no ticket with this id';

export function ticketRoutes({ tickets, messages, incidents, routing, config }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'createTicket',
      tag: 'tickets',
      method: 'post',
      path: '/api/tickets',
      summary: 'Open a ticket on the latest version of a workflow',
      access: 'agent',
      body: NewTicketBody,
      responses: { 201: { description: 'the new ticket, waiting in its first steps', schema: TicketSchema } },
      errors: { 404: 'no workflow with this key', 422: 'a gateway condition on the way to the first step failed (condition_failed): nothing was written' },
      async handle({ body, user }) {
        return { status: 201, json: await routing.annotateOne(await tickets.create(body, user.email)) };
      },
    }),
    defineRoute({
      operationId: 'advanceTicket',
      tag: 'tickets',
      method: 'post',
      path: '/api/tickets/:id/events',
      summary: 'Advance a ticket by one of its allowed events; answered once the change is durable',
      access: 'agent',
      params: TicketIdParams,
      body: TicketEventBody,
      responses: { 200: { description: 'the ticket in its new state', schema: TicketSchema } },
      errors: {
        404: NO_TICKET,
        409: 'expectedRevision is stale: nothing was written. details: {currentRevision}',
        422: 'the event is not allowed now (event_not_allowed, details: {allowedEvents}), or a gateway condition on its way failed or ran out of its time budget (condition_failed, details: {gatewayId, flowId, reason}): nothing was written',
      },
      async handle({ params, body, user }) {
        return { json: await routing.annotateOne(await tickets.advance(params.id, body, user.email)) };
      },
    }),
    defineRoute({
      operationId: 'messageTicket',
      tag: 'tickets',
      method: 'post',
      path: '/api/tickets/:id/messages',
      summary: 'Deliver a message the ticket waits for (customer replied, customer cancelled): as an advance, answered once the change is durable',
      access: 'agent',
      params: TicketIdParams,
      body: TicketMessageBody,
      responses: { 200: { description: 'the ticket in its new state', schema: TicketSchema } },
      errors: {
        404: NO_TICKET,
        409: 'expectedRevision is stale: nothing was written. details: {currentRevision}',
        422: 'the ticket does not wait for this message now (message_not_awaited, details: {awaitedMessages}), or a gateway condition on its way failed (condition_failed): nothing was written',
      },
      async handle({ params, body, user }) {
        return { json: await routing.annotateOne(await messages.deliver(params.id, body, user.email)) };
      },
    }),
    defineRoute({
      operationId: 'changeTicket',
      tag: 'tickets',
      method: 'patch',
      path: '/api/tickets/:id',
      summary: "Change a ticket's VIP flag or business calendar; limits are re-armed, business time already used is kept",
      access: 'agent',
      params: TicketIdParams,
      body: TicketChangeBody,
      responses: { 200: { description: 'the ticket on its new terms', schema: TicketSchema } },
      errors: { 404: NO_TICKET, 409: 'expectedRevision is stale: nothing was written. details: {currentRevision}', 422: 'the ticket is closed' },
      async handle({ params, body, user }) {
        return { json: await routing.annotateOne(await tickets.update(params.id, body, user.email)) };
      },
    }),
    defineRoute({
      operationId: 'getTicket',
      tag: 'tickets',
      method: 'get',
      path: '/api/tickets/:id',
      summary: 'A ticket with its step log, every pending timer and its incidents',
      access: 'agent',
      params: TicketIdParams,
      responses: { 200: { description: 'the ticket', schema: TicketWithIncidentsSchema } },
      errors: { 404: NO_TICKET },
      async handle({ params }) {
        const ticket = await routing.annotateOne(await tickets.get(params.id));
        return { json: { ...ticket, incidents: await incidents.forTicket(params.id) } };
      },
    }),
    defineRoute({
      operationId: 'listTickets',
      tag: 'tickets',
      method: 'get',
      path: '/api/tickets',
      summary: 'A page of tickets, most urgent first: open before closed, VIP first, then the nearest limit breach',
      access: 'agent',
      query: ticketListQuery(inputLimitsOf(config).listPageMax),
      responses: { 200: { description: 'a page of tickets and, when more follow, the cursor of the next page', schema: TicketPageSchema } },
      async handle({ query }) {
        const page = await tickets.list(query);
        return { json: { ...page, items: await routing.annotate(page.items) } };
      },
    }),
  ];
}
