import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { MAX_WORKFLOW_KEY_CHARS } from '../../engine/workflow.js';
import type { FieldDefinition, StepDefinition, TimerDefinition } from '../../engine/workflow.js';
import { idSchema } from '../http/ids.js';
import { BPMN_PROBLEM_CODES, type BpmnProblem } from '../../shared/errors.js';
import type { WorkflowSummary, WorkflowVersion } from '../../services/workflows/workflow-library.js';

const Millis = z.number().describe('epoch milliseconds');

export const WorkflowKeyParams = z.object({ key: chars({ min: 1, max: MAX_WORKFLOW_KEY_CHARS }).describe('workflow key: the BPMN process id') });
export const WorkflowVersionParams = WorkflowKeyParams.extend({ version: idSchema('version number') });

export const FieldDefinitionSchema = z.object({
  name: z.string(),
  label: z.string().optional(),
  type: z.enum(['string', 'text', 'number', 'integer', 'boolean', 'date', 'enum']),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
}) satisfies z.ZodType<FieldDefinition>;

const StepSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['human', 'automatic', 'wait']),
  owner: z.string().optional(),
  slaMs: z.number().optional(),
  vipSlaMs: z.number().optional(),
  calendar: z.string().optional(),
  waitingOnCustomer: z.boolean(),
  warnAt: z.number(),
  guidance: z.string().optional(),
  checklist: z.array(z.string()),
  fields: z.array(FieldDefinitionSchema),
  actions: z.array(z.object({ event: z.string(), label: z.string(), flowId: z.string() })),
  timers: z.array(z.string()),
}) satisfies z.ZodType<StepDefinition>;

const TimerSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  spec: z.object({ type: z.enum(['duration', 'date', 'cycle']), value: z.string() }),
  behaviour: z.enum(['interrupting', 'reminder']),
  scope: z.string(),
  reminder: z.object({ to: z.string().optional(), message: z.string().optional() }).optional(),
}) satisfies z.ZodType<TimerDefinition>;

export const WorkflowVersionSchema = z.object({
  key: z.string(),
  version: z.number().int(),
  name: z.string(),
  checksum: z.string().describe('SHA-256 of the imported file'),
  publishedAt: Millis,
  publishedBy: z.string(),
}) satisfies z.ZodType<Omit<WorkflowVersion, 'id' | 'workflow'>>;

export const BpmnProblemSchema = z.object({
  elementId: z.string().describe('the BPMN element id, or "document"'),
  type: z.string().describe('the element name as in the XML, e.g. sequenceFlow'),
  code: z.enum(BPMN_PROBLEM_CODES).describe('machine-readable; the codes are listed in server/engine/README.md'),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  values: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .optional()
    .describe('what the message names (a calendar, a called workflow…), by name: for wording the problem in another language'),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
}) satisfies z.ZodType<BpmnProblem>;

export const ImportWorkflowQuery = z.strictObject({
  process: chars({ min: 1, max: MAX_WORKFLOW_KEY_CHARS }).optional().describe('the id of the process to import when the file holds several'),
});

export const ImportedWorkflowSchema = WorkflowVersionSchema.extend({
  created: z.boolean().describe('false when the file was identical to the latest version'),
  steps: z.array(StepSchema),
  warnings: z
    .array(BpmnProblemSchema)
    .describe('what the import set aside without changing what runs: modeler extensions, diagram references, processes left out, translated conditions'),
});

export const WorkflowDetailSchema = WorkflowVersionSchema.extend({
  channels: z.array(z.string()),
  slaMs: z.number().optional().describe("the ticket's resolution limit"),
  vipSlaMs: z.number().optional(),
  steps: z.array(StepSchema),
  timers: z.array(TimerSchema),
  machine: z.record(z.string(), z.unknown()).describe('the XState v5 machine config, as JSON'),
});

export const WorkflowListSchema = z.object({
  items: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      latestVersion: z.number().int(),
      publishedAt: Millis,
      steps: z.number().int(),
    }) satisfies z.ZodType<WorkflowSummary>,
  ),
});

export const WorkflowVersionListSchema = z.object({ items: z.array(WorkflowVersionSchema) });
