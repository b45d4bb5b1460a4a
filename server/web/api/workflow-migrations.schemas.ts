import { z } from 'zod';

const Version = z.number().int().min(1).max(1_000_000_000);
const TicketId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const PlanMigrationBody = z
  .object({
    fromVersion: Version.describe('the version the tickets run on'),
    toVersion: Version.describe('a later version to move them to'),
    tickets: z.array(TicketId).max(100_000).optional().describe('only these tickets (absent: every open ticket of fromVersion)'),
  })
  .strict();

export const ApplyMigrationBody = z
  .object({
    fromVersion: Version,
    toVersion: Version,
    tickets: z
      .array(z.object({ id: TicketId, revision: z.number().int().min(1).describe('the revision the plan saw') }).strict())
      .min(1)
      .max(100_000)
      .describe('the tickets to move, each with the revision its plan listed; at most MIGRATION_APPLY_MAX'),
  })
  .strict();

const BlockedSchema = z.object({
  code: z.enum(['step_removed', 'event_not_allowed', 'field_required', 'field_invalid', 'condition_failed', 'would_close', 'refused']),
  message: z.string(),
  event: z.string().optional().describe('the recorded event the new version refuses'),
  step: z.string().optional().describe('the step that event left'),
  fields: z.array(z.string()).optional(),
  problems: z
    .array(
      z.object({
        field: z.string(),
        message: z.string(),
        code: z.string().optional().describe('fieldRequired, fieldNotNumber, fieldNotOption…'),
        values: z
          .record(z.string(), z.union([z.string(), z.number()]))
          .optional()
          .describe('label, and min, max or options'),
      }),
    )
    .optional()
    .describe('field_required and field_invalid: what is wrong with each field'),
});

export const MigrationPlanSchema = z.object({
  key: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  counts: z.object({ clean: z.number().int(), moved: z.number().int(), blocked: z.number().int() }),
  tickets: z.array(
    z.object({
      id: z.number().int(),
      subject: z.string(),
      revision: z.number().int(),
      outcome: z.enum(['clean', 'moved', 'blocked']).describe('clean: same open steps; moved: lands in other steps; blocked: cannot move (reason)'),
      from: z.array(z.string()),
      to: z.array(z.string()).optional(),
      reason: BlockedSchema.optional(),
    }),
  ),
});

export const MigrationAppliedSchema = z.object({
  key: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  moved: z.array(z.object({ id: z.number().int(), revision: z.number().int(), steps: z.array(z.string()) })),
});
