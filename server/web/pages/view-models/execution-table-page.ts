import {
  countStatuses,
  isOverdue,
  KPI_COMPARISONS,
  KPI_METRICS,
  progressOf,
  ROW_STATUSES,
  weeksLabel,
  weeksOf,
  type ExecutionRow,
  type ExecutionTable,
  type KpiComparison,
  type KpiMetric,
  type KpiTarget,
  type RowChanges,
  type RowContent,
  type RowHistoryEntry,
  type RowStatus,
} from '../../../services/execution-tables/execution-table.js';
import { scheduleSvg } from '../../../services/execution-tables/gantt.js';
import type { Measurement } from '../../../services/execution-tables/kpi-measure.js';
import { flaggedText, measurementView } from './kpi-measurement.js';
import type { ImportPlan } from '../../../services/execution-tables/import-plan.js';
import type { FieldProblem, ProblemMessage } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { problemText } from './problem-text.js';

/** How the table page is narrowed and ordered (from its query string). */
export interface TableView {
  status: string;
  owner: string;
  sort: string;
  dir: 'asc' | 'desc';
}

/** The page shows this many rows at most; a bigger table is filtered or exported. */
const PAGE_ROWS = 500;

const SORTABLE = ['position', 'phase', 'owner', 'startDate', 'endDate', 'status'] as const;
type SortKey = (typeof SORTABLE)[number];

function kpiText(kpi: KpiTarget | null, f: Formatter): string {
  if (!kpi) return '';
  const unit = KPI_METRICS[kpi.metric].unit;
  const relative = kpi.comparison.startsWith('change_');
  const value = `${kpi.target > 0 && relative ? '+' : ''}${kpi.target}${relative ? '%' : unit === 'count' || unit === 'score' ? '' : ` ${f.t(`executionTables.units.${unit}`)}`}`;
  const words = `${f.t(`executionTables.metrics.${kpi.metric}`)} ${f.t(`executionTables.comparisons.${kpi.comparison}`)} ${value}`;
  const scoped = kpi.workflow ? `${words} · ${kpi.workflow}` : words;
  return kpi.baseline ? `${scoped} (${f.t('executionTables.kpi.baseline')} ${kpi.baseline.from} – ${kpi.baseline.to})` : scoped;
}

function statusOptions(selected: RowStatus, f: Formatter) {
  return ROW_STATUSES.map((status) => ({ value: status, label: f.t(`executionTables.status.${status}`), selected: status === selected }));
}

function compare(a: ExecutionRow, b: ExecutionRow, key: SortKey): number {
  if (key === 'status') return ROW_STATUSES.indexOf(a.status) - ROW_STATUSES.indexOf(b.status);
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  // Rows without a date go last, whichever way the column is sorted.
  if (x === null) return 1;
  if (y === null) return -1;
  return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
}

/** The add-row form as it was sent, and what the service found wrong with it (each problem under its field). */
export interface RowForm {
  values: Record<string, string>;
  problems: FieldProblem[];
}

/** The fields the add-row form has; a problem naming another field is listed above the form. */
const NEW_ROW_FIELDS = ['phase', 'actions', 'owner', 'startDate', 'endDate', 'status'] as const;

/** The add-row form: the values as typed, each problem next to its field (in the reader's language), the first one focused. */
export function newRowForm(form: RowForm | undefined, f: Formatter) {
  const values = form?.values ?? {};
  const errors: Record<string, string> = {};
  const others: FieldProblem[] = [];
  for (const problem of form?.problems ?? []) {
    if ((NEW_ROW_FIELDS as readonly string[]).includes(problem.field)) errors[problem.field] ??= problemText(f, problem);
    else others.push(problem);
  }
  return {
    values,
    errors,
    focus: NEW_ROW_FIELDS.find((field) => errors[field]),
    others: fieldProblemLines(others, f),
    failed: Boolean(form?.problems.length),
    statuses: statusOptions((values.status as RowStatus | undefined) ?? 'not_started', f),
  };
}

/** Who a row's owner may name: the people (name and e-mail) and the SOP roles (workflow lanes) that exist. */
export interface OwnerChoices {
  people: Array<{ name: string; email: string }>;
  roles: string[];
}

/** The owner datalist (people first, then roles, each once) and the test of an owner that names nobody. */
export function ownerOptions(choices: OwnerChoices, f: Formatter) {
  const key = (owner: string) => owner.trim().toLowerCase();
  const known = new Set([...choices.people.flatMap((p) => [p.name, p.email]), ...choices.roles].filter((o) => o.trim() !== '').map(key));
  const seen = new Set<string>();
  const options = [
    ...choices.people.map((p) => ({ value: p.name || p.email, label: `${f.t('executionTables.ownerPerson')} · ${p.email}` })),
    ...choices.roles.map((role) => ({ value: role, label: f.t('executionTables.ownerRole') })),
  ].filter((o) => !seen.has(key(o.value)) && seen.add(key(o.value)));
  return { options, isUnknown: (owner: string) => owner.trim() !== '' && !known.has(key(owner)) };
}

export function tablePage(
  table: ExecutionTable,
  view: TableView,
  today: string,
  f: Formatter,
  choices: OwnerChoices,
  measured: Map<number, Measurement>,
  added?: RowForm,
) {
  const owned = ownerOptions(choices, f);
  const progress = progressOf(countStatuses(table.rows));
  const owners = [...new Set(table.rows.map((row) => row.owner).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  const sort: SortKey = (SORTABLE as readonly string[]).includes(view.sort) ? (view.sort as SortKey) : 'position';
  const matching = table.rows
    .filter((row) => (!view.status || row.status === view.status) && (!view.owner || row.owner === view.owner))
    .sort((a, b) => (view.dir === 'desc' ? -1 : 1) * compare(a, b, sort) || a.position - b.position);
  const query = (changes: Partial<TableView>) => {
    const params = new URLSearchParams(
      Object.entries({ ...view, ...changes }).filter(([k, v]) => v !== '' && !(k === 'sort' && v === 'position') && !(k === 'dir' && v === 'asc')),
    );
    return params.size ? `?${params.toString()}` : '';
  };
  const reordering = sort === 'position' && view.dir === 'asc' && !view.status && !view.owner;
  return {
    table: { id: table.id, name: table.name, owner: table.owner, startDate: table.startDate, workflows: table.workflows.join(', ') },
    progress: {
      ...progress,
      done: progress.counts.done,
      counts: ROW_STATUSES.map((status) => ({
        status,
        label: f.t(`executionTables.status.${status}`),
        count: progress.counts[status],
        href: `/execution-tables/${table.id}${query({ status })}`,
      })),
    },
    overdue: table.rows.filter((row) => isOverdue(row, today)).length,
    filter: {
      ...view,
      statuses: statusOptions(view.status as RowStatus, f),
      owners: owners.map((owner) => ({ value: owner, selected: owner === view.owner })),
    },
    filtered: Boolean(view.status || view.owner),
    columns: SORTABLE.map((key) => ({
      key,
      label: f.t(`executionTables.columns.${key}`),
      href: `/execution-tables/${table.id}${query({ sort: key, dir: sort === key && view.dir === 'asc' ? 'desc' : 'asc' })}`,
      sorted: sort === key ? (view.dir === 'asc' ? 'ascending' : 'descending') : undefined,
    })),
    rows: matching.slice(0, PAGE_ROWS).map((row) => ({
      ...row,
      weeks: weeksLabel(weeksOf(table.startDate, row.startDate, row.endDate), f.locale),
      overdue: isOverdue(row, today),
      statusLabel: f.t(`executionTables.status.${row.status}`),
      ownerUnknown: owned.isUnknown(row.owner),
      statuses: statusOptions(row.status, f),
      kpi: kpiText(row.kpi, f),
      measured: measurementView(row.kpi, measured.get(row.id), row.status, f),
      up: reordering && row.position > 1 ? row.position - 1 : undefined,
      down: reordering && row.position < table.rows.length ? row.position + 1 : undefined,
    })),
    shown: Math.min(matching.length, PAGE_ROWS),
    matching: matching.length,
    cut: matching.length > PAGE_ROWS,
    knownOwners: owned.options,
    unknownOwners: matching.filter((row) => owned.isUnknown(row.owner)).length,
    newRow: newRowForm(added, f),
    here: `/execution-tables/${table.id}${query({})}`,
    exportHref: `/api/execution-tables/${table.id}/export.xlsx?lang=${f.locale}`,
  };
}

/** The row's page: every field, the KPI target's parts, and what the row's history says. */
export function rowEditor(
  table: Pick<ExecutionTable, 'id' | 'startDate'>,
  row: ExecutionRow,
  today: string,
  f: Formatter,
  measured: Measurement | undefined,
  workflows: Array<{ key: string; name: string }>,
) {
  // A target refused as no number is shown as an empty field, not as "NaN".
  const typed = row.kpi && !Number.isFinite(row.kpi.target);
  return {
    ...row,
    kpi: typed ? { ...row.kpi, target: '' } : row.kpi,
    weeks: weeksLabel(weeksOf(table.startDate, row.startDate, row.endDate), f.locale),
    overdue: isOverdue(row, today),
    statuses: statusOptions(row.status, f),
    kpiText: typed ? '' : kpiText(row.kpi, f),
    measured: typed ? undefined : measurementView(row.kpi, measured, row.status, f),
    targetWorkflows: workflows.map((w) => ({ value: w.key, label: w.name, selected: row.kpi?.workflow === w.key })),
    metrics: Object.keys(KPI_METRICS).map((metric) => ({
      value: metric,
      label: f.t(`executionTables.metrics.${metric}`),
      selected: row.kpi?.metric === metric,
    })),
    comparisons: KPI_COMPARISONS.map((comparison) => ({
      value: comparison,
      label: f.t(`executionTables.comparisons.${comparison}`),
      selected: row.kpi?.comparison === comparison,
    })),
  };
}

/** Changed fields as people read them: the column's name, and each value from → to in the reader's words. */
function changeLines(changes: RowChanges, f: Formatter) {
  const shown = (value: unknown): string => {
    if (value === null || value === undefined || value === '') return '—';
    if (typeof value === 'object') return kpiText(value as KpiTarget, f);
    if (typeof value === 'string' && (ROW_STATUSES as readonly string[]).includes(value)) return f.t(`executionTables.status.${value}`);
    return String(value);
  };
  return Object.entries(changes).map(([field, change]) => ({
    field: f.t(`executionTables.columns.${field}`, { defaultValue: field }),
    from: shown(change.from),
    to: field === 'measured' && change.to ? flaggedText(change.to as Parameters<typeof flaggedText>[0], f) : shown(change.to),
  }));
}

export function historyLines(history: RowHistoryEntry[], f: Formatter) {
  return history.map((entry) => ({
    when: f.dateTime(entry.at),
    actor: entry.actor,
    action: f.t(`executionTables.history.${entry.action}`),
    changes: changeLines(entry.changes, f),
  }));
}

/** Field problems as the pages list them: "field: what is wrong", both in the reader's language. */
export function fieldProblemLines(problems: FieldProblem[], f: Formatter): string[] {
  return problems.map((p) => `${f.t(`executionTables.fields.${p.field.replace(/\./g, '_')}`, { defaultValue: p.field })}: ${problemText(f, p)}`);
}

/** Each problem's message in the reader's language under its field (`kpi.target` as `kpi_target`), the first per field. */
export function fieldErrors(problems: FieldProblem[], f: Formatter): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) errors[problem.field.replace(/\./g, '_')] ??= problemText(f, problem);
  return errors;
}

/**
 * The fields a row form sent, as row content: the table's inline forms send the row's own columns, the row's
 * page also the KPI target's parts (`kpiMetric` empty: no target). Fields absent from the form stay as they are.
 * Values are passed on as typed: the service refuses what is not valid (an unknown status, a target that is
 * not a number) with the problems the page shows.
 */
export function rowFromForm(form: Record<string, unknown>): Partial<RowContent> {
  const content: Partial<RowContent> = {};
  const value = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
  for (const field of ['phase', 'actions', 'owner', 'blockers', 'suggestions', 'notes'] as const) {
    const text = value(field);
    if (text !== undefined) content[field] = field === 'phase' || field === 'owner' ? text.trim() : text;
  }
  for (const field of ['startDate', 'endDate'] as const) {
    const text = value(field);
    if (text !== undefined) content[field] = text.trim() === '' ? null : text.trim();
  }
  const status = value('status');
  if (status !== undefined) content.status = status as RowStatus;
  const metric = value('kpiMetric');
  if (metric !== undefined) {
    if (metric === '') content.kpi = null;
    else {
      const target = value('kpiTarget')?.trim() ?? '';
      const from = value('kpiBaselineFrom')?.trim() ?? '';
      const to = value('kpiBaselineTo')?.trim() ?? '';
      const description = value('kpiDescription')?.trim() ?? '';
      const workflow = value('kpiWorkflow')?.trim() ?? '';
      content.kpi = {
        metric: metric as KpiMetric,
        comparison: (value('kpiComparison') ?? 'lte') as KpiComparison,
        // A blank target is no number (Number('') would be 0).
        target: target === '' ? Number.NaN : Number(target),
        ...(from || to ? { baseline: { from, to } } : {}),
        ...(description ? { description } : {}),
        ...(workflow ? { workflow } : {}),
      };
    }
  }
  return content;
}

export function importPreview(plan: ImportPlan, f: Formatter) {
  return {
    added: plan.added.map((row) => ({
      sheetRow: row.sheetRow,
      position: row.position,
      phase: row.content.phase,
      owner: row.content.owner,
      status: f.t(`executionTables.status.${row.content.status}`),
    })),
    changed: plan.changed.map((row) => ({
      id: row.id,
      position: row.position,
      sheetRow: row.sheetRow,
      phase: row.content.phase,
      changes: changeLines(row.changes, f),
    })),
    removed: plan.removed.map((row) => ({ id: row.id, position: row.position, phase: row.phase })),
    moved: plan.moved.length,
    unchanged: plan.unchanged,
    nothing: plan.added.length + plan.changed.length + plan.removed.length + plan.moved.length === 0,
  };
}

export function scheduleOf(table: ExecutionTable, today: string, f: Formatter): string {
  return scheduleSvg({
    startDate: table.startDate,
    rows: table.rows,
    today,
    labels: {
      week: (n) => f.t('executionTables.gantt.week', { n }),
      status: Object.fromEntries(ROW_STATUSES.map((s) => [s, f.t(`executionTables.status.${s}`)])) as Record<RowStatus, string>,
      overdue: f.t('executionTables.overdue'),
      today: f.t('executionTables.gantt.today'),
      unscheduled: f.t('executionTables.gantt.unscheduled'),
      empty: f.t('executionTables.gantt.empty'),
    },
  });
}
