import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { INCIDENT_LIST_LIMIT, INCIDENT_PAGE_DEFAULT, type Incident } from '../../services/incidents/incidents.js';
import { pageLimitSchema } from '../http/ids.js';
import { TicketDetailSchema } from './tickets.schemas.js';

const Millis = z.number().describe('epoch milliseconds');

export const IncidentSchema = z.object({
  id: z.number().int(),
  ticketId: z.number().int(),
  subject: z.string().describe("the ticket's subject"),
  workflow: z.string().describe("the ticket's workflow key"),
  status: z.enum(['open', 'resolved']),
  timerId: z.number().int().optional(),
  timerKey: z.string().optional().describe('the pending timer the engine refused to fire; held until the incident is retried'),
  elementId: z.string().optional().describe('the gateway whose condition failed'),
  flowId: z.string().optional().describe('the flow whose condition failed'),
  code: z.string().describe('the error code of the refusal, e.g. condition_failed'),
  message: z.string(),
  createdAt: Millis,
  resolvedAt: Millis.optional(),
  resolvedBy: z.string().optional(),
  resolution: z.enum(['retried', 'dismissed']).optional().describe('retried: the timer fired again; dismissed: the timer was dropped'),
}) satisfies z.ZodType<Incident>;

export const IncidentListQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  cursor: chars({ min: 1, max: 64 }).optional().describe('the `next` of the page before; absent for the first page'),
  limit: pageLimitSchema(INCIDENT_LIST_LIMIT, `incidents per page, at most ${INCIDENT_LIST_LIMIT} (default ${INCIDENT_PAGE_DEFAULT})`).optional(),
});

export const IncidentIdParams = z.object({ id: z.coerce.number().int().positive().describe('incident id') });

export const IncidentListSchema = z.object({
  items: z.array(IncidentSchema),
  next: z.string().optional().describe('the cursor of the next page (pass it as ?cursor=); absent on the last page'),
});

export const TicketWithIncidentsSchema = TicketDetailSchema.extend({
  incidents: z.array(IncidentSchema).describe("the ticket's incidents (timers the engine refused to fire), newest first"),
});
