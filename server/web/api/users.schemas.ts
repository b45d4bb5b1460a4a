import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { LEVELS } from '../../services/routing/classify.js';
import { CHANNELS } from '../../services/tickets/channels.js';
import { ROLES, USER_NAME_MAX_CHARS } from '../../services/users/users.js';
import { pageLimitSchema } from '../http/ids.js';

// Bodies are strict: a misspelt `active` must fail loudly rather than leave someone signed in. They give the
// shape only; the people service decides what a valid email, password or lane is, as for the pages.

/** Ids are written in decimal, as the API gives them: `0x10` or `1e1` is no id. */
const Id = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'is not an id')
    .transform(Number)
    .describe(what);

const Millis = z.number().describe('epoch milliseconds');
const Role = z.enum(ROLES);

export const UserIdParams = z.object({ id: Id('user id') });
export const TokenIdParams = z.object({ id: Id('token id') });

export const NewUserBody = z.strictObject({
  email: chars({ min: 3, max: 320 }),
  name: chars({ min: 1, max: USER_NAME_MAX_CHARS }).optional().describe('default: the part of the email before @'),
  role: Role,
  password: chars({ max: 1000 }).optional().describe('absent: one is generated and answered this once'),
});

export const UserPatchBody = z
  .strictObject({
    role: Role.optional(),
    active: z.boolean().optional().describe('false: signed out everywhere at once, every token revoked; the account and its history stay'),
    lanes: z
      .array(chars({ max: 1000 }))
      .max(1000)
      .optional()
      .describe('the SOP roles (lanes) the user takes on; replaces the list'),
    skills: z
      .array(chars({ max: 1000 }))
      .max(1000)
      .optional()
      .describe('routing: problem types, languages, `channel:<channel>`; replaces the list'),
    level: z.enum(LEVELS).nullable().optional().describe('routing: the highest level of problem the user handles'),
    capacity: z
      .union([
        z.number().int().min(0).max(1000).describe('the same on every channel'),
        z.partialRecord(z.enum(CHANNELS), z.number().int().min(0).max(1000)).describe('per channel; channels not named keep theirs'),
      ])
      .optional()
      .describe(
        'routing: how many tickets routing may give the user at once on each channel, e.g. {"phone": 1, "chat": 3, "email": 10}; one number: every channel',
      ),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one of role, active, lanes, skills, level, capacity' });

export const PasswordResetBody = z.strictObject({
  password: chars({ max: 1000 }).optional().describe('absent: one is generated and answered this once'),
});

export const TokenListQuery = z.strictObject({ user: Id('admins: only the tokens of this user').optional() });

export const NewTokenBody = z.strictObject({
  label: chars({ max: 1000 }).optional().describe('what the token is for'),
  userId: z.number().int().positive().optional().describe('admins: the user the token acts as; default the caller'),
});

/** `pageMax`: the AUDIT_PAGE_MAX setting. */
export const auditQuery = (pageMax: number) =>
  z.strictObject({
    cursor: chars({ max: 32 }).optional().describe('the `next` of the page before'),
    limit: pageLimitSchema(pageMax, `entries per page, default 50, at most AUDIT_PAGE_MAX (${pageMax})`).optional(),
  });

export const PersonSchema = z.object({
  id: z.number(),
  email: z.string(),
  name: z.string(),
  role: Role,
  locale: z.string().optional(),
  active: z.boolean(),
  createdAt: Millis,
  deactivatedAt: Millis.nullable(),
  lanes: z.array(z.string()),
  skills: z.array(z.string()).optional(),
  level: z.enum(LEVELS).nullable().optional(),
  capacity: z.record(z.string(), z.number().int()).optional().describe('routing: per channel, every channel listed (0: none)'),
});

export const PersonListSchema = z.object({ items: z.array(PersonSchema) });
export const PersonWithPasswordSchema = z.object({
  user: PersonSchema,
  password: z.string().optional().describe('only when generated: shown this once, stored only as a hash'),
});

export const TokenSchema = z.object({
  id: z.number(),
  userId: z.number(),
  email: z.string(),
  label: z.string().nullable(),
  createdAt: Millis,
  revokedAt: Millis.nullable(),
});
export const TokenListSchema = z.object({ items: z.array(TokenSchema) });
export const NewTokenSchema = TokenSchema.extend({ token: z.string().describe('sop_…: shown this once, stored only as a hash') });

export const AuditPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.number(),
      at: Millis,
      actor: z.string().describe("who: a user's email, or sopflow-cli"),
      action: z.string().describe('user.add, user.role, user.deactivate, user.reactivate, user.lanes, user.password_reset, token.create, token.revoke'),
      target: z.string(),
      before: z.record(z.string(), z.unknown()).nullable(),
      after: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  next: z.string().optional().describe('the cursor of the next (older) page; absent on the last'),
});
