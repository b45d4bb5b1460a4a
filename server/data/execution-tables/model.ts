/**
 * The execution table's shapes: what is stored and what the service, Excel and the pages speak of. They live
 * here, below the service, because the repository maps its rows to them; the rules over them are the
 * service's (`server/services/execution-tables/execution-table.ts`, which re-exports these).
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
  /** The workflow key it is measured on; absent: the table's only workflow, or every workflow. */
  workflow?: string;
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

/** A table without its rows. */
export type TableHeader = Omit<ExecutionTable, 'rows'>;

export const ROW_FIELDS = ['phase', 'actions', 'owner', 'startDate', 'endDate', 'status', 'blockers', 'suggestions', 'notes', 'kpi'] as const satisfies ReadonlyArray<keyof RowContent>;
export type RowField = (typeof ROW_FIELDS)[number];

/**
 * Changed fields, each from → to; `position` when the row moved; `measured` (from null) when a missed KPI target
 * flagged the row: the measurement it was flagged on.
 */
export type RowChanges = Partial<Record<RowField | 'position' | 'measured', { from: unknown; to: unknown }>>;

export const HISTORY_ACTIONS = ['created', 'updated', 'moved', 'deleted', 'imported', 'flagged'] as const;
/** `flagged`: set to needs optimization because its KPI target was missed. */
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** One change to a row: who, when, what (each changed field from → to). */
export interface RowHistoryEntry {
  id: number;
  rowId: number;
  at: number;
  actor: string;
  action: HistoryAction;
  changes: RowChanges;
}

/** A column of the uploaded file as a person sees it: sheet, letter and the header text written there. */
export interface ColumnRef {
  sheet: string;
  column: string;
  header: string;
}

/** One row of the execution table sheet, checked, in the file's order; a staged import keeps these. */
export interface WorkbookRow {
  /** The row number Excel shows. */
  sheetRow: number;
  /** The row's ID from the export; null for a row added in Excel. */
  id: number | null;
  content: RowContent;
  /** Where the ID stands, to point at it when the table turns out not to have that row. */
  idColumn: ColumnRef;
  /** True when the file has no KPI sheet: the row's target is not in it, so the table's stays (never read as removed). */
  kpiAbsent?: true;
}
