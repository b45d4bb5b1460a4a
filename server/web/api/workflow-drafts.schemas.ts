import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { CONDITION_CHECK_MAX_CHARS } from '../../services/workflows/condition-syntax.js';

const Millis = z.number().describe('epoch milliseconds');

export const DraftSchema = z.object({
  key: z.string(),
  bpmn: z.string().describe('BPMN 2.0 XML with layout and SOP extension elements'),
  revision: z.number().int().describe('0: nothing saved yet (the latest version as published); each save adds one'),
  basedOnVersion: z.number().int().nullable(),
  saved: z.boolean(),
  updatedAt: Millis.optional(),
  updatedBy: z.string().optional(),
});

export const SaveDraftBody = z
  .object({
    bpmn: chars({ min: 1 }).describe('the whole diagram as BPMN 2.0 XML'),
    baseRevision: z.number().int().min(0).describe('the revision this edit started from; a save against a later revision is refused with 409'),
  })
  .strict();

export const PublishDraftBody = z.object({ revision: z.number().int().min(1).describe('the saved revision to publish') }).strict();

const ProblemSchema = z.object({ elementId: z.string(), type: z.string(), message: z.string() });
const LintSchema = z.object({ elementId: z.string(), rule: z.string(), severity: z.enum(['error', 'warning']), message: z.string() });
const ElementSchema = z.object({ id: z.string(), type: z.string(), name: z.string().optional() });
const ChangeValueSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('duration'), ms: z.number() }),
    z.object({ kind: z.literal('levels'), ms: z.record(z.string(), z.number()).describe('a duration per level') }),
    z.object({ kind: z.literal('flag'), value: z.boolean() }),
    z.object({ kind: z.literal('list'), items: z.array(z.string()) }),
    z.object({ kind: z.literal('text'), text: z.string() }),
  ])
  .describe('the value as data, for a page to word in its language');
const ChangeSchema = z.object({
  property: z.string(),
  before: z.string().describe('the value as English text (durations as "10 min", lists joined)'),
  after: z.string(),
  values: z.object({ before: ChangeValueSchema, after: ChangeValueSchema }),
});
export const DiffSchema = z.object({
  added: z.array(ElementSchema),
  removed: z.array(ElementSchema),
  changed: z.array(ElementSchema.extend({ changes: z.array(ChangeSchema) })),
  layoutChanged: z.array(z.string()),
  summary: z.string(),
});

export const DraftCheckSchema = z.object({
  key: z.string(),
  revision: z.number().int(),
  publishable: z.boolean(),
  problems: z.array(ProblemSchema).describe('importer problems and lint errors: each refuses a publish'),
  lint: z.array(LintSchema).describe('every bpmnlint finding, errors and warnings'),
  diff: DiffSchema.optional(),
  latestVersion: z.number().int().nullable(),
});

export const PublishedSchema = z.object({
  key: z.string(),
  version: z.number().int(),
  /** The draft's revision after the publish: what the next save names as its base. */
  draftRevision: z.number().int(),
  diff: DiffSchema,
  lint: z.array(LintSchema),
});

export const ConditionCheckBody = z.object({ expression: chars({ max: CONDITION_CHECK_MAX_CHARS }) }).strict();
export const ConditionCheckSchema = z.object({
  ok: z.boolean(),
  error: z.string().optional().describe('what is wrong, in English'),
  code: z.enum(['untranslatable_condition', 'invalid_condition', 'condition_too_costly']).optional().describe('the problem code an import would report'),
  values: z.object({ at: z.number().int().describe('the 1-based character of a syntax error') }).optional(),
});

export const DryRunBody = z
  .object({
    path: chars({ max: 2_000 }).describe('events with fields and pauses, comma separated: answer,grade?level=L2,+PT3H,resolve'),
    vip: z.boolean().optional(),
  })
  .strict();
const At = Millis.describe('the virtual clock, epoch milliseconds');
const Instance = z.object({ index: z.number().int(), count: z.number().int().optional(), item: z.unknown().optional() }).optional();
const Step = { at: At, step: z.string(), name: z.string() };
const Cause = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('start') }),
    z.object({ kind: z.literal('timer'), timer: z.string().describe('the timer kind'), timerId: z.string().optional() }),
    z.object({ kind: z.enum(['signal', 'message']), name: z.string() }),
    z.object({ kind: z.literal('event'), type: z.string() }),
  ])
  .describe('what moved the ticket');
const FieldProblemSchema = z.object({
  field: z.string(),
  message: z.string(),
  code: z.string().optional(),
  values: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

/** One line of the walk as data: what `lines` says in English, for a page to word in its reader's language. */
const SimulationLineSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('passed'), ...Step }),
  z.object({ code: z.literal('caught'), ...Step, actor: z.string(), event: z.string() }),
  z.object({ code: z.literal('exited'), ...Step, instance: Instance, durationMs: z.number(), actor: z.string(), event: z.string(), breached: z.boolean() }),
  z.object({
    code: z.literal('entered'),
    ...Step,
    instance: Instance,
    slaMs: z.number().optional(),
    owner: z.string().optional(),
    calledBy: z.object({ key: z.string(), version: z.number().int() }).optional(),
  }),
  z.object({
    code: z.literal('armed'),
    at: At,
    timer: z.string(),
    kind: z.string(),
    timerId: z.string().optional(),
    step: z.string().optional(),
    dueAt: Millis,
  }),
  z.object({ code: z.literal('cancelled'), at: At, timer: z.string(), kind: z.string(), timerId: z.string().optional() }),
  z.object({ code: z.enum(['sent', 'raised']), at: At, name: z.string().describe('the message sent or the signal raised'), step: z.string() }),
  z.object({ code: z.literal('reminded'), at: At, kind: z.string(), to: z.string().optional(), message: z.string().optional(), step: z.string().optional() }),
  z.object({
    code: z.literal('waiting'),
    at: At,
    after: Cause,
    steps: z.array(z.string()),
    actions: z.array(z.string()),
    messages: z.array(z.string()),
    signals: z.array(z.string()),
  }),
  z.object({ code: z.literal('closed'), at: At, after: Cause }),
  z.object({ code: z.literal('ignored'), at: At, signal: z.string() }),
  z.object({
    code: z.literal('refused'),
    error: z.string().describe('the error code an advance would answer'),
    message: z.string(),
    problems: z.array(FieldProblemSchema),
    event: z.string().optional(),
    allowed: z.array(z.string()).optional(),
    maximum: z.number().int().optional().describe('the walk passed this many lines'),
  }),
]);

export const DryRunSchema = z.object({
  lines: z.array(z.string()).describe('what happened, one line each, on the virtual clock'),
  entries: z.array(SimulationLineSchema).describe('the same walk as data, one entry per line: a code and what it names'),
});
