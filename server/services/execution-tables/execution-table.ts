import { type FieldProblem } from '../../shared/errors.js';

/**
 * The process-optimization execution table (流程优化执行表): a project's plan as rows of phase, actions, owner,
 * schedule, status, blockers, suggestions and notes. Pure rules here; storage lives in `execution-tables.ts`,
 * Excel in `excel/`, pages and API in `web/` and `http/`.
 */

export const ROW_STATUSES = ['not_started', 'in_progress', 'done', 'needs_optimization'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/**
 * The KPIs a row may set a target for, named as the analytics (PRODUCT §6) will compute them, so a metric
 * engine can read a target and measure it from the step log.
 */
export const KPI_METRICS = {
  first_response_time: { unit: 'min' },
  average_handling_time: { unit: 'min' },
  resolution_time: { unit: 'h' },
  first_contact_resolution: { unit: '%' },
  sla_compliance: { unit: '%' },
  breach_count: { unit: 'count' },
  reopen_rate: { unit: '%' },
  complaint_rate: { unit: '%' },
  csat: { unit: 'score' },
  csat_share_4_5: { unit: '%' },
} as const satisfies Record<string, { unit: KpiUnit }>;
export type KpiMetric = keyof typeof KPI_METRICS;
export type KpiUnit = 'min' | 'h' | '%' | 'count' | 'score';

/**
 * `lte`/`gte`: the measured value against `target` in the metric's unit (first response ≤ 15 min).
 * `change_lte`/`change_gte`: the change in percent against the baseline period (complaint rate −20%:
 * `change_lte` −20).
 */
export const KPI_COMPARISONS = ['lte', 'gte', 'change_lte', 'change_gte'] as const;
export type KpiComparison = (typeof KPI_COMPARISONS)[number];

export interface KpiTarget {
  metric: KpiMetric;
  comparison: KpiComparison;
  target: number;
  /** The period the change is measured against; required for `change_*` comparisons. */
  baseline?: { from: string; to: string };
  /** The target in the manager's own words ("首次响应 ≤ 15 分钟"). */
  description?: string;
}

/** What a person edits in a row; dates are calendar dates `YYYY-MM-DD` (no time, no time zone). */
export interface RowContent {
  phase: string;
  actions: string;
  /** A user's email or a free-text role (客服主管). */
  owner: string;
  startDate: string | null;
  endDate: string | null;
  status: RowStatus;
  blockers: string;
  suggestions: string;
  notes: string;
  kpi: KpiTarget | null;
}

export interface ExecutionRow extends RowContent {
  id: number;
  /** 1-based place in the table. */
  position: number;
  updatedAt: number;
  updatedBy: string;
}

export interface ExecutionTable {
  id: number;
  name: string;
  owner: string;
  startDate: string;
  /** The template it was created from, if any. */
  template: string | null;
  /** Keys of the workflows it optimizes. */
  workflows: string[];
  createdAt: number;
  createdBy: string;
  rows: ExecutionRow[];
}

export const ROW_FIELDS = ['phase', 'actions', 'owner', 'startDate', 'endDate', 'status', 'blockers', 'suggestions', 'notes', 'kpi'] as const satisfies ReadonlyArray<keyof RowContent>;
export type RowField = (typeof ROW_FIELDS)[number];

/** Changed fields, each from → to; `position` when the row moved. */
export type RowChanges = Partial<Record<RowField | 'position', { from: unknown; to: unknown }>>;

export type HistoryAction = 'created' | 'updated' | 'moved' | 'deleted' | 'imported';

/** One change to a row: who, when, what (each changed field from → to). */
export interface RowHistoryEntry {
  id: number;
  rowId: number;
  at: number;
  actor: string;
  action: HistoryAction;
  changes: RowChanges;
}

export const TEXT_LIMITS: Record<Exclude<RowField, 'startDate' | 'endDate' | 'status' | 'kpi'>, number> = {
  phase: 200,
  actions: 4000,
  owner: 320,
  blockers: 4000,
  suggestions: 4000,
  notes: 4000,
};

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
    if (value.length > limit) problems.push({ field, message: `is longer than ${limit} characters`, code: 'tooLong', values: { limit } });
  }
  for (const field of ['startDate', 'endDate'] as const) {
    const value = row[field];
    if (value !== null && !isIsoDate(value)) problems.push({ field, message: `"${value}" is not a date (YYYY-MM-DD)`, code: 'notADate', values: { value } });
  }
  if (row.startDate && row.endDate && isIsoDate(row.startDate) && isIsoDate(row.endDate) && row.endDate < row.startDate) {
    problems.push({ field: 'endDate', message: `ends (${row.endDate}) before it starts (${row.startDate})`, code: 'endsBeforeStart', values: { start: row.startDate, end: row.endDate } });
  }
  if (!(ROW_STATUSES as readonly string[]).includes(row.status)) problems.push({ field: 'status', message: `must be one of ${ROW_STATUSES.join(', ')}`, code: 'statusUnknown', values: { value: row.status } });
  if (row.kpi) problems.push(...kpiProblems(row.kpi));
  return problems;
}

function kpiProblems(kpi: KpiTarget): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(kpi.metric in KPI_METRICS)) problems.push({ field: 'kpi.metric', message: `must be one of ${Object.keys(KPI_METRICS).join(', ')}`, code: 'metricUnknown', values: { value: kpi.metric } });
  if (!(KPI_COMPARISONS as readonly string[]).includes(kpi.comparison)) problems.push({ field: 'kpi.comparison', message: `must be one of ${KPI_COMPARISONS.join(', ')}`, code: 'comparisonUnknown', values: { value: kpi.comparison } });
  if (!Number.isFinite(kpi.target)) problems.push({ field: 'kpi.target', message: 'must be a number', code: 'numberRequired' });
  const relative = kpi.comparison === 'change_lte' || kpi.comparison === 'change_gte';
  if (relative && !kpi.baseline) problems.push({ field: 'kpi.baseline', message: 'a change needs the baseline period it is measured against', code: 'baselineRequired' });
  if (kpi.baseline) {
    for (const end of ['from', 'to'] as const) {
      if (!isIsoDate(kpi.baseline[end])) problems.push({ field: `kpi.baseline.${end}`, message: `"${kpi.baseline[end]}" is not a date (YYYY-MM-DD)`, code: 'notADate', values: { value: kpi.baseline[end] } });
    }
    if (kpi.baseline.to < kpi.baseline.from) problems.push({ field: 'kpi.baseline.to', message: 'the baseline period ends before it starts', code: 'baselineEndsBeforeStart', values: { start: kpi.baseline.from, end: kpi.baseline.to } });
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
  const { metric, comparison, target, baseline, description } = row.kpi;
  const kpi: KpiTarget = { metric, comparison, target };
  if (baseline) kpi.baseline = { from: baseline.from, to: baseline.to };
  if (description) kpi.description = description;
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
