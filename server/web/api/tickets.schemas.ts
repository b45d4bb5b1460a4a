import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import type { Ticket, TicketDetail } from '../../services/tickets/ticket-views.js';
import { idSchema, pageLimitSchema } from '../http/ids.js';
import { FieldDefinitionSchema } from './workflows.schemas.js';
import { TicketRoutingFields } from './routing.schemas.js';

// Request bodies are strict: a misspelt `expectedRevision` must fail loudly, not skip the conflict check.

const Fields = z
  .record(z.string(), z.unknown())
  .describe(
    'values of the step fields, by field name; each within the limits of its type (TICKET_FIELD_* settings), all of them within TICKET_FIELDS_MAX_BYTES',
  );
const Millis = z.number().describe('epoch milliseconds');

export const TicketIdParams = z.object({ id: idSchema('ticket id') });

export const NewTicketBody = z.strictObject({
  workflow: chars({ min: 1 }).describe('workflow key; the ticket runs on its latest version'),
  channel: chars({ min: 1, max: 50 }).describe('phone, chat, email, social, app, store, self-service'),
  // Lengths are the ticket service's to refuse (TICKET_SUBJECT_MAX_CHARS, CUSTOMER_NAME_MAX_CHARS), for the pages too.
  subject: chars({ min: 1 }).describe('at most TICKET_SUBJECT_MAX_CHARS characters (500 by default)'),
  customer: z.strictObject({
    name: chars({ min: 1 }).describe('at most CUSTOMER_NAME_MAX_CHARS characters (200 by default)'),
    externalId: chars({ min: 1 })
      .optional()
      .describe("the customer's id in the calling system; the same id is the same customer on every channel; at most CUSTOMER_NAME_MAX_CHARS characters"),
  }),
  vip: z.boolean().optional(),
  fields: Fields.optional(),
});

const InstanceSchema = z
  .object({
    index: z.number().int().describe("1-based: a loop's pass, or the item's position"),
    count: z.number().int().optional().describe('multi-instance: how many instances the step runs'),
    item: z.unknown().optional().describe('multi-instance over a list: the item'),
  })
  .describe('which pass of a looping step, or which item of a multi-instance step, this visit is');

export const TicketEventBody = z.strictObject({
  type: chars({ min: 1 }).describe('one of the allowedEvents of the ticket'),
  fields: Fields.optional(),
  instance: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('the instance of a multi-instance step the event finishes (its steps[].instance.index); absent: the first still open'),
  expectedRevision: z.number().int().positive().optional().describe('the revision the caller saw; a stale one answers 409 and changes nothing'),
});

export const TicketMessageBody = z.strictObject({
  name: chars({ min: 1, max: 200 }).describe('the message, as the workflow names it: one of the awaitedMessages of the ticket'),
  fields: Fields.optional().describe('values the events that catch the message ask for, checked as an advance checks its fields'),
  expectedRevision: z.number().int().positive().optional().describe('the revision the caller saw; a stale one answers 409 and changes nothing'),
});

export const TicketChangeBody = z
  .strictObject({
    vip: z.boolean().optional(),
    calendar: chars({ min: 1 }).nullable().optional().describe("the ticket's own business calendar; null returns it to the workflow's"),
    expectedRevision: z.number().int().positive().optional().describe('the revision the caller saw; a stale one answers 409 and changes nothing'),
  })
  .refine((change) => change.vip !== undefined || change.calendar !== undefined, { message: 'give vip or calendar (or both)' });

/** `listPageMax`: the LIST_PAGE_MAX setting. */
export const ticketListQuery = (listPageMax: number) =>
  z.strictObject({
    state: chars({ min: 1 }).optional().describe('open, closed, or the id of a step the tickets wait in'),
    owner: chars({ min: 1 }).optional().describe('owner role of a step the tickets wait in'),
    workflow: chars({ min: 1 }).optional().describe('workflow key'),
    customer: idSchema('customer id').optional(),
    cursor: chars({ min: 1, max: 200 }).optional().describe('the `next` of the page before; absent for the first page'),
    limit: pageLimitSchema(listPageMax, `page size: at most LIST_PAGE_MAX (${listPageMax}); LIST_PAGE_DEFAULT when absent`).optional(),
  });

const ActiveStepSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string().optional(),
  guidance: z.string().optional(),
  checklist: z.array(z.string()),
  fields: z.array(FieldDefinitionSchema),
  actions: z.array(z.object({ event: z.string(), label: z.string() })),
  waitingOnCustomer: z.boolean(),
  enteredAt: Millis,
  slaMs: z.number().optional(),
  dueAt: Millis.optional().describe("when the step's limit is breached, business time counted in"),
  breached: z.boolean().describe('the breach of the step limit went out'),
  limitState: z.enum(['on_track', 'warning', 'breached', 'none', 'closed']).describe("where the step's limit stands now"),
  instance: InstanceSchema.optional(),
  calledBy: z
    .object({ path: z.string(), key: z.string(), version: z.number().int(), name: z.string() })
    .optional()
    .describe('a step of a workflow a call activity runs: the call activity (path), and the workflow and version it runs'),
});

const LimitStatusSchema = (what: string) =>
  z
    .object({
      state: z.enum(['on_track', 'warning', 'breached', 'paused', 'none', 'closed']),
      dueAt: Millis.optional().describe('when it breaches or breached; absent while paused, without a limit, or when the moment was not kept'),
    })
    .describe(what);

export const TicketSchema = z.object({
  id: z.number().int(),
  workflow: z.string(),
  version: z.number().int(),
  channel: z.string(),
  subject: z.string(),
  customer: z.object({ id: z.number().int(), name: z.string(), externalId: z.string().optional() }),
  vip: z.boolean(),
  level: z.string().optional(),
  fields: Fields,
  status: z.enum(['open', 'closed']),
  state: z.array(z.string()).describe('ids of the steps the ticket waits in (several in parallel branches)'),
  steps: z.array(ActiveStepSchema),
  allowedEvents: z.array(z.string()),
  awaitedMessages: z.array(z.string()).describe('the messages the ticket waits for now (POST /api/tickets/{id}/messages)'),
  awaitedSignals: z.array(z.string()).describe('the signals the ticket waits for now (POST /api/signals)'),
  sla: LimitStatusSchema("the ticket's SLA: its resolution clock against the whole ticket's limit; paused while it waits only on the customer"),
  stepLimit: LimitStatusSchema('the limit of the step it waits in (the most pressing of parallel steps)'),
  urgency: z.enum(['breached', 'near', 'ok', 'closed']).describe('the worse of sla and stepLimit: breached if either is, near if either warns'),
  calls: z
    .record(z.string(), z.object({ key: z.string(), version: z.number().int() }))
    .optional()
    .describe('the workflow and version each call activity runs, by call path (chosen when the ticket started: the latest, or the pinned one)'),
  revision: z.number().int(),
  dueAt: Millis.optional().describe('what "most urgent first" sorts by: the earliest moment either limit breaches or breached'),
  createdAt: Millis,
  updatedAt: Millis,
  closedAt: Millis.optional(),
  createdBy: z.string(),
  ...TicketRoutingFields,
}) satisfies z.ZodType<Ticket>;

export const TicketDetailSchema = TicketSchema.extend({
  stepLog: z.array(
    z.object({
      visit: z.number().int(),
      step: z.string(),
      stepName: z.string(),
      owner: z.string().optional(),
      enteredAt: Millis,
      exitedAt: Millis.optional(),
      durationMs: z.number().optional(),
      actor: z.string().optional(),
      event: z.string().optional(),
      slaMs: z.number().optional(),
      breached: z.boolean(),
      automatic: z.boolean(),
      instance: InstanceSchema.optional(),
    }),
  ),
  pendingTimers: z.array(z.object({ key: z.string(), kind: z.string(), dueAt: Millis, step: z.string().optional(), timerId: z.string().optional() })),
}) satisfies z.ZodType<TicketDetail>;

export const TicketPageSchema = z.object({
  items: z.array(TicketSchema),
  next: z.string().optional().describe('the cursor of the next page (pass it as ?cursor=); absent on the last page'),
});
