import { z } from 'zod';
import type { Incident } from '../../services/incidents/incidents.js';
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
  resolution: z.enum(['retried']).optional(),
}) satisfies z.ZodType<Incident>;

export const IncidentListQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
});

export const IncidentIdParams = z.object({ id: z.coerce.number().int().positive().describe('incident id') });

export const IncidentListSchema = z.object({ items: z.array(IncidentSchema) });

export const TicketWithIncidentsSchema = TicketDetailSchema.extend({
  incidents: z.array(IncidentSchema).describe("the ticket's incidents (timers the engine refused to fire), newest first"),
});
