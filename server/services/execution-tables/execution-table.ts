import { type FieldProblem } from '../../shared/errors.js';
import { overChars } from '../../shared/limits.js';
import {
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_FIELDS,
  ROW_STATUSES,
  type KpiTarget,
  type RowChanges,
  type RowContent,
  type RowField,
  type RowStatus,
} from '../../data/execution-tables/model.js';

export {
  HISTORY_ACTIONS,
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_FIELDS,
  ROW_STATUSES,
  type ExecutionRow,
  type ExecutionTable,
  type HistoryAction,
  type KpiComparison,
  type KpiMetric,
  type KpiTarget,
  type KpiUnit,
  type RowChanges,
  type RowContent,
  type RowField,
  type RowHistoryEntry,
  type RowStatus,
  type TableHeader,
} from '../../data/execution-tables/model.js';

/**
 * The process-optimization execution table (流程优化执行表): a project's plan as rows of phase, actions, owner,
 * schedule, status, blockers, suggestions and notes. Pure rules here; the shapes are the data layer's
 * (`server/data/execution-tables/model.ts`), use cases in `execution-tables.ts`, Excel in `excel/`.
 */

export const TEXT_LIMITS: Record<Exclude<RowField, 'startDate' | 'endDate' | 'status' | 'kpi'>, number> = {
  phase: 200,
  actions: 4000,
  owner: 320,
  blockers: 4000,
  suggestions: 4000,
  notes: 4000,
};

/**
 * A row's texts with every line break one `\n`: browsers send a textarea's breaks as CRLF and a workbook gives
 * back LF, so a CRLF kept as typed made every unedited export look changed on import, and each round trip
 * wrote history.
 */
export function withPlainLineBreaks<T extends Partial<RowContent>>(fields: T): T {
  const plain: Partial<RowContent> = { ...fields };
  for (const field of Object.keys(TEXT_LIMITS) as Array<keyof typeof TEXT_LIMITS>) {
    const value = plain[field];
    if (typeof value === 'string') plain[field] = value.replace(/\r\n?/g, '\n');
  }
  return plain as T;
}

/** As the workflows table stores a key. */
const WORKFLOW_KEY_LIMIT = 200;
/** A table's name and a KPI target's description: the API's bounds, and the workbook reader's. */
export const TABLE_NAME_LIMIT = 500;
export const KPI_DESCRIPTION_LIMIT = 500;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Days from `a` to `b`, both `YYYY-MM-DD`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The weeks of the project a date range covers, 1-based from the project's start: 第1-3周 is `{ from: 1, to: 3 }`. */
export function weeksOf(projectStart: string, startDate: string | null, endDate: string | null): { from: number; to: number } | null {
  if (!startDate || !endDate) return null;
  const week = (date: string): number => Math.floor(daysBetween(projectStart, date) / 7) + 1;
  return { from: week(startDate), to: week(endDate) };
}

/** "第1-3周" / "Weeks 1–3" (a single week: "第2周" / "Week 2"); empty without a schedule. */
export function weeksLabel(weeks: { from: number; to: number } | null, locale: 'zh-CN' | 'en'): string {
  if (!weeks) return '';
  if (weeks.from === weeks.to) return locale === 'zh-CN' ? `第${weeks.from}周` : `Week ${weeks.from}`;
  return locale === 'zh-CN' ? `第${weeks.from}-${weeks.to}周` : `Weeks ${weeks.from}–${weeks.to}`;
}

/** A row whose end date has passed and that is not done stands out. */
export function isOverdue(row: Pick<RowContent, 'endDate' | 'status'>, today: string): boolean {
  return row.endDate !== null && row.endDate < today && row.status !== 'done';
}

/** Rows per status. */
export function countStatuses(rows: ReadonlyArray<Pick<RowContent, 'status'>>): Record<RowStatus, number> {
  const counts = Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as Record<RowStatus, number>;
  for (const row of rows) counts[row.status] += 1;
  return counts;
}

export interface Progress {
  counts: Record<RowStatus, number>;
  total: number;
  donePercent: number;
}

/** Counts per status and the share done, for the table's counts and progress bar. */
export function progressOf(counts: Partial<Record<RowStatus, number>>): Progress {
  const complete = Object.fromEntries(ROW_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<RowStatus, number>;
  const total = ROW_STATUSES.reduce((sum, status) => sum + complete[status], 0);
  return { counts: complete, total, donePercent: total === 0 ? 0 : Math.round((complete.done / total) * 100) };
}

/**
 * Every problem with a row's content, by field: empty phase, texts over their limits, dates that are not
 * dates, an end before the start, an incomplete KPI target. Owner names are checked by the caller, who
 * knows the users and roles.
 */
export function rowProblems(row: RowContent): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (row.phase.trim() === '') problems.push({ field: 'phase', message: 'is required', code: 'required' });
  for (const [field, limit] of Object.entries(TEXT_LIMITS)) {
    const value = row[field as keyof typeof TEXT_LIMITS];
    if (overChars(value, limit)) problems.push({ field, message: `is longer than ${limit} characters`, code: 'tooLong', values: { limit } });
  }
  for (const field of ['startDate', 'endDate'] as const) {
    const value = row[field];
    if (value !== null && !isIsoDate(value)) problems.push({ field, message: `"${value}" is not a date (YYYY-MM-DD)`, code: 'notADate', values: { value } });
  }
  if (row.startDate && row.endDate && isIsoDate(row.startDate) && isIsoDate(row.endDate) && row.endDate < row.startDate) {
    problems.push({
      field: 'endDate',
      message: `ends (${row.endDate}) before it starts (${row.startDate})`,
      code: 'endsBeforeStart',
      values: { start: row.startDate, end: row.endDate },
    });
  }
  if (!(ROW_STATUSES as readonly string[]).includes(row.status))
    problems.push({ field: 'status', message: `must be one of ${ROW_STATUSES.join(', ')}`, code: 'statusUnknown', values: { value: row.status } });
  if (row.kpi) problems.push(...kpiProblems(row.kpi));
  return problems;
}

function kpiProblems(kpi: KpiTarget): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(kpi.metric in KPI_METRICS))
    problems.push({
      field: 'kpi.metric',
      message: `must be one of ${Object.keys(KPI_METRICS).join(', ')}`,
      code: 'metricUnknown',
      values: { value: kpi.metric },
    });
  if (!(KPI_COMPARISONS as readonly string[]).includes(kpi.comparison))
    problems.push({
      field: 'kpi.comparison',
      message: `must be one of ${KPI_COMPARISONS.join(', ')}`,
      code: 'comparisonUnknown',
      values: { value: kpi.comparison },
    });
  if (!Number.isFinite(kpi.target)) problems.push({ field: 'kpi.target', message: 'must be a number', code: 'numberRequired' });
  if (overChars(kpi.description ?? '', KPI_DESCRIPTION_LIMIT))
    problems.push({
      field: 'kpi.description',
      message: `is longer than ${KPI_DESCRIPTION_LIMIT} characters`,
      code: 'tooLong',
      values: { limit: KPI_DESCRIPTION_LIMIT },
    });
  if (kpi.workflow !== undefined && (kpi.workflow.trim() === '' || overChars(kpi.workflow, WORKFLOW_KEY_LIMIT)))
    problems.push({
      field: 'kpi.workflow',
      message: `must be a workflow key of 1 to ${WORKFLOW_KEY_LIMIT} characters`,
      code: 'workflowUnknown',
      values: { value: kpi.workflow },
    });
  const relative = kpi.comparison === 'change_lte' || kpi.comparison === 'change_gte';
  if (relative && !kpi.baseline)
    problems.push({ field: 'kpi.baseline', message: 'a change needs the baseline period it is measured against', code: 'baselineRequired' });
  if (kpi.baseline) {
    for (const end of ['from', 'to'] as const) {
      if (!isIsoDate(kpi.baseline[end]))
        problems.push({
          field: `kpi.baseline.${end}`,
          message: `"${kpi.baseline[end]}" is not a date (YYYY-MM-DD)`,
          code: 'notADate',
          values: { value: kpi.baseline[end] },
        });
    }
    if (kpi.baseline.to < kpi.baseline.from)
      problems.push({
        field: 'kpi.baseline.to',
        message: 'the baseline period ends before it starts',
        code: 'baselineEndsBeforeStart',
        values: { start: kpi.baseline.from, end: kpi.baseline.to },
      });
  }
  return problems;
}

/**
 * Just a row's content (a stored row also has its id and position), with its KPI target written one way:
 * fields in the order of `KpiTarget`, no empty description. So a target given with its keys in another
 * order, from a form, the API or a workbook, is the same target.
 */
export function contentOf(row: RowContent): RowContent {
  const content = Object.fromEntries(ROW_FIELDS.map((field) => [field, row[field]])) as unknown as RowContent;
  if (!row.kpi) return content;
  const { metric, comparison, target, baseline, description, workflow } = row.kpi;
  const kpi: KpiTarget = { metric, comparison, target };
  if (baseline) kpi.baseline = { from: baseline.from, to: baseline.to };
  if (description) kpi.description = description;
  if (workflow) kpi.workflow = workflow;
  return { ...content, kpi };
}

/** The fields whose values differ between two versions of a row, each from → to (targets compared by meaning). */
export function diffRow(before: RowContent, after: RowContent): RowChanges {
  const [from, to] = [contentOf(before), contentOf(after)];
  const changes: RowChanges = {};
  for (const field of ROW_FIELDS) {
    if (JSON.stringify(from[field]) !== JSON.stringify(to[field])) changes[field] = { from: from[field], to: to[field] };
  }
  return changes;
}

export function emptyRow(): RowContent {
  return { phase: '', actions: '', owner: '', startDate: null, endDate: null, status: 'not_started', blockers: '', suggestions: '', notes: '', kpi: null };
}
