import { z } from 'zod';
import { chars } from '../../shared/text-schema.js';
import { idSchema } from '../http/ids.js';
import {
  HISTORY_ACTIONS,
  KPI_COMPARISONS,
  KPI_DESCRIPTION_LIMIT,
  KPI_METRICS,
  ROW_STATUSES,
  TABLE_NAME_LIMIT,
  TEXT_LIMITS,
} from '../../services/execution-tables/execution-table.js';

// Bodies are strict, as elsewhere: a misspelt field must fail loudly rather than be dropped. They give the
// shape only: what a valid row, date or target is, the service decides, with the codes the pages show too.

const CalendarDate = z.string().describe('a calendar date written YYYY-MM-DD');
const Locale = z.enum(['zh-CN', 'en']);

export const TableIdParams = z.object({ id: idSchema('execution table id') });
export const RowParams = TableIdParams.extend({ rowId: idSchema('row id') });

const KpiTargetSchema = z.strictObject({
  metric: z.enum(Object.keys(KPI_METRICS) as [keyof typeof KPI_METRICS, ...Array<keyof typeof KPI_METRICS>]).describe('a KPI of the step log'),
  comparison: z.enum(KPI_COMPARISONS).describe('lte/gte: the value against target; change_lte/change_gte: the change in % against the baseline period'),
  target: z.number(),
  baseline: z.strictObject({ from: CalendarDate, to: CalendarDate }).optional(),
  description: chars({ max: KPI_DESCRIPTION_LIMIT }).optional(),
  workflow: chars({ max: 200 }).optional().describe("the workflow key it is measured on; absent: the table's only workflow, or every workflow"),
});

export const MeasurementSchema = z
  .object({
    value: z.number().nullable().describe("in the metric's unit; for change_* targets the change against the baseline in %"),
    current: z.number().nullable().describe("the value in the metric's unit"),
    baseline: z.number().nullable().optional().describe("change_* targets: the value over the baseline period, in the metric's unit"),
    met: z.boolean().nullable().describe('null: nothing measured yet'),
    n: z.number().describe('how many the value counts'),
    workflow: z.string().nullable().describe('the workflow measured; null: every workflow'),
    from: z.number().describe('tickets created from (epoch ms): KPI_TARGET_WINDOW_DAYS before now'),
    to: z.number().describe('to before (epoch ms): now'),
  })
  .describe('the KPI target measured now by the metric engine (the same figures as GET /api/metrics)');

const RowFields = {
  phase: z.string().describe(`流程环节 (required, at most ${TEXT_LIMITS.phase} characters)`),
  actions: z.string().describe(`具体动作 (at most ${TEXT_LIMITS.actions} characters)`),
  owner: z.string().describe(`负责人: a user's email or a free-text role (at most ${TEXT_LIMITS.owner} characters)`),
  startDate: CalendarDate.nullable(),
  endDate: CalendarDate.nullable().describe('not before startDate'),
  status: z.enum(ROW_STATUSES),
  blockers: z.string().describe(`问题与障碍 (at most ${TEXT_LIMITS.blockers} characters)`),
  suggestions: z.string().describe(`改进建议 (at most ${TEXT_LIMITS.suggestions} characters)`),
  notes: z.string().describe(`备注 (at most ${TEXT_LIMITS.notes} characters)`),
  kpi: KpiTargetSchema.nullable(),
  position: z.number().describe('1-based place in the table, a whole number; the rows after it move down'),
};

export const NewRowBody = z.strictObject(RowFields).partial();

export const RowPatchBody = z
  .strictObject(RowFields)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'give at least one field to change' });

export const NewTableBody = z.strictObject({
  name: chars({ max: TABLE_NAME_LIMIT }).describe('required'),
  startDate: CalendarDate,
  template: chars({ min: 1 }).optional().describe('key of a starting plan (GET /api/execution-tables/templates); absent: an empty table'),
  locale: Locale.optional().describe("the language of the template's rows; default the caller's"),
  owner: chars({ min: 1, max: 320 }).optional().describe('default: the caller'),
  workflows: z
    .array(chars({ min: 1 }))
    .max(50)
    .optional()
    .describe('keys of the workflows this project optimizes'),
});

export const ExportQuery = z.strictObject({ lang: Locale.optional().describe("the workbook's language; default the caller's") });
export const ImportQuery = z.strictObject({
  preview: z.enum(['true', 'false']).optional().describe('true: answer what would change, write nothing'),
});

const Localized = z.object({ 'zh-CN': z.string(), en: z.string() });

export const TemplateListSchema = z.object({
  items: z.array(z.object({ key: z.string(), name: Localized, description: Localized, rowCount: z.number() })),
});

const KpiSchema = KpiTargetSchema.nullable();

export const RowSchema = z.object({
  id: z.number(),
  position: z.number(),
  phase: z.string(),
  actions: z.string(),
  owner: z.string(),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  weeks: z.object({ from: z.number(), to: z.number() }).nullable().describe('weeks of the project the row covers (第1-3周)'),
  overdue: z.boolean().describe('the end date has passed and the row is not done'),
  status: z.enum(ROW_STATUSES),
  blockers: z.string(),
  suggestions: z.string(),
  notes: z.string(),
  kpi: KpiSchema,
  measured: MeasurementSchema.nullable().describe('null when the row has no KPI target'),
  updatedAt: z.number(),
  updatedBy: z.string(),
});

const Counts = z.object(Object.fromEntries(ROW_STATUSES.map((s) => [s, z.number()])) as Record<(typeof ROW_STATUSES)[number], z.ZodNumber>);

const TableHeader = {
  id: z.number(),
  name: z.string(),
  owner: z.string(),
  startDate: z.string(),
  template: z.string().nullable(),
  workflows: z.array(z.string()),
  createdAt: z.number(),
  createdBy: z.string(),
  progress: z.object({ counts: Counts, total: z.number(), donePercent: z.number() }),
};

export const TableSchema = z.object({ ...TableHeader, rows: z.array(RowSchema) });
export const TableListSchema = z.object({ items: z.array(z.object(TableHeader)) });

export const HistorySchema = z.object({
  items: z.array(
    z.object({
      id: z.number(),
      rowId: z.number(),
      at: z.number(),
      actor: z.string(),
      action: z.enum(HISTORY_ACTIONS).describe('flagged: set to needs_optimization because its KPI target was missed (changes.measured holds the measurement)'),
      changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
    }),
  ),
});
