import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { PRESENCES } from '../../services/routing/assignment-policy.js';
import { LEVELS } from '../../services/routing/classify.js';
import { POLICIES } from '../../services/routing/routing-values.js';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '../../services/routing/webhook-messages.js';

const Millis = z.number().describe('epoch milliseconds');
const Id = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'is not an id')
    .transform(Number)
    .describe(what);
const Text = (max: number) => chars({ min: 1, max });

export const Level = z.enum(LEVELS);
export const Priority = z.enum(['low', 'normal', 'high', 'urgent']);
export const Presence = z.enum(PRESENCES);

export const RuleBody = z.strictObject({
  name: Text(200),
  when: z.strictObject({
    keywords: z.array(Text(200)).max(200).optional().describe('any of these words (中文 by word) or phrases (substring), case-insensitive'),
    channels: z.array(Text(40)).max(20).optional(),
    tags: z.array(Text(100)).max(100).optional().describe("any of the customer's tags (the ticket's `tags` field)"),
    vip: z.boolean().optional(),
  }),
  set: z.strictObject({ type: Text(100).optional(), level: Level.optional(), priority: Priority.optional(), tags: z.array(Text(100)).max(50).optional() }),
});

export const RulesBody = z.strictObject({ rules: z.array(RuleBody).max(200).describe('in order: the first rule that matches classifies the ticket') });
export const RuleTrialBody = z.strictObject({
  rules: z.array(RuleBody).max(200).optional().describe('the rule set to try; absent: the saved one'),
  limit: z.number().int().min(1).max(1000).default(100).describe('how many of the newest tickets to run it on'),
});

const ClassificationSchema = z.object({
  type: z.string().nullable(),
  level: Level.nullable(),
  priority: Priority,
  tags: z.array(z.string()),
  rule: z.string().nullable().describe('the rule that set it; null: none matched'),
});

export const StoredClassificationSchema = ClassificationSchema.extend({
  corrected: z
    .object({ by: z.string(), at: Millis, original: ClassificationSchema })
    .optional()
    .describe("an agent's correction; `original` is what the rule set"),
});

/** What a ticket carries of routing (GET/POST /api/tickets…). */
export const TicketRoutingFields = {
  classification: StoredClassificationSchema.optional().describe('what the classification rules set at intake (and any correction)'),
  assignee: z
    .object({ id: z.number().int(), email: z.string(), step: z.string(), assignedAt: Millis, startedAt: Millis.nullable() })
    .optional()
    .describe('who routing (or a lead) gave the ticket to, in a push lane'),
};

export const RuleListSchema = z.object({
  rules: z.array(
    RuleBody.extend({ hits: z.number().int().describe('tickets it classified'), corrections: z.number().int().describe('of those, corrected by an agent') }),
  ),
});
export const RuleTrialSchema = z.object({
  tested: z.number().int(),
  changed: z.array(z.object({ ticketId: z.number().int(), subject: z.string(), before: ClassificationSchema.nullable(), after: ClassificationSchema })),
});

export const ClassificationPatchBody = z
  .strictObject({
    type: Text(100).nullable().optional(),
    level: Level.nullable().optional(),
    priority: Priority.optional(),
    tags: z.array(Text(100)).max(50).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one of type, level, priority, tags' });

export const TicketIdParams = z.object({ id: Id('ticket id') });
export const UserIdParams = z.object({ id: Id('user id') });
export const WebhookIdParams = z.object({ id: Id('webhook id') });

export const AssignBody = z.strictObject({
  agentId: z.number().int().positive().describe('a member of the lane, online with room'),
  visit: z.number().int().positive().optional().describe('which routed step, when the ticket waits in several'),
});

export const AssignmentSchema = z.object({
  ticketId: z.number().int(),
  visit: z.number().int(),
  step: z.string(),
  lane: z.string(),
  agentId: z.number().int().nullable(),
  agentEmail: z.string().nullable(),
  assignedAt: Millis.nullable(),
  startedAt: Millis.nullable(),
  flaggedAt: Millis.nullable().describe('when it was flagged to the lane lead as nobody could take it'),
  createdAt: Millis,
});

export const LaneBody = z.strictObject({
  lane: Text(200),
  policy: z.enum(POLICIES).describe('push: offered to one agent by the routing policy; pull: taken from the queue'),
  lead: chars({ max: 320 }).nullable().optional().describe('who is told when nobody can take a ticket (an email); absent: the lane'),
});
export const LaneSchema = z.object({ lane: z.string(), policy: z.enum(POLICIES), lead: z.string().nullable() });
export const LaneListSchema = z.object({ items: z.array(LaneSchema) });

export const AgentSchema = z.object({
  id: z.number().int(),
  email: z.string(),
  name: z.string(),
  skills: z.array(z.string()),
  level: Level.nullable(),
  capacity: z.record(z.string(), z.number().int()).describe('per channel, every channel listed (0: routing gives none of it)'),
  load: z.record(z.string(), z.number().int()).describe('per channel: the routed tickets held now'),
  presence: Presence,
  seenAt: Millis,
  idleSince: Millis,
  lanes: z.array(z.string()),
});
export const AgentListSchema = z.object({ items: z.array(AgentSchema) });

export const PresenceBody = z.strictObject({ status: Presence });
export const PresenceSchema = z.object({ status: Presence, returned: z.array(z.number().int()).describe('tickets given back to routing (going offline)') });

export const NewWebhookBody = z.strictObject({
  url: chars({ min: 1, max: 2000 }).describe('http(s) only; private addresses refused unless WEBHOOK_ALLOW_PRIVATE'),
  format: z.enum(WEBHOOK_FORMATS as [string, ...string[]]).transform((f) => f as (typeof WEBHOOK_FORMATS)[number]),
  events: z
    .array(z.union([z.enum(WEBHOOK_EVENTS), z.string().regex(/^message:.{1,200}$/u)]))
    .min(1)
    .max(50)
    .describe('kinds of notification; `message` is every message a send step (a message throw or end event) sends, `message:<name>` one of them'),
  secret: chars({ min: 1, max: 400 }).optional().describe("json: the HMAC key of X-SOPflow-Signature; dingtalk: the robot's signing secret"),
});

export const WebhookSchema = z.object({
  id: z.number().int(),
  url: z.string(),
  format: z.string(),
  events: z.array(z.string()),
  hasSecret: z.boolean(),
  active: z.boolean(),
  lastError: z.string().nullable(),
  lastErrorAt: Millis.nullable(),
  createdBy: z.string(),
  createdAt: Millis,
});
export const WebhookIdSchema = z.object({ id: z.number().int() });
export const WebhookListSchema = z.object({ items: z.array(WebhookSchema) });
export const DeliveryListSchema = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      notificationId: z.number().int(),
      status: z.enum(['pending', 'sent', 'failed']),
      attempts: z.number().int(),
      nextAt: Millis,
      lastError: z.string().nullable(),
      sentAt: Millis.nullable(),
      log: z.array(z.object({ at: Millis, statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number() })),
    }),
  ),
});
