import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { NotFoundError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import { charBounds } from '../../shared/text-schema.js';
import type { Locale } from '../../shared/i18n.js';
import {
  addDays,
  isIsoDate,
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_STATUSES,
  TEXT_LIMITS,
  type KpiMetric,
  type KpiTarget,
  type RowContent,
} from './execution-table.js';

/**
 * Starting plans for execution tables (`templates/*.json`): rows scheduled in project weeks and written in
 * both languages, turned into dated rows in one language when a manager creates a table from one.
 * `templates/README.md` describes the file format.
 */

/** Where the shipped templates live. */
export const TEMPLATES_DIR = new URL('../../../templates/', import.meta.url);

export type LocalizedText = Record<Locale, string>;

export interface TemplateSummary {
  key: string;
  name: LocalizedText;
  description: LocalizedText;
  rowCount: number;
}

export interface ExecutionTableTemplates {
  /** Every template, by key. */
  listTemplates(): TemplateSummary[];
  /**
   * The template's rows for a project starting on `startDate` (`YYYY-MM-DD`), texts in `locale`.
   * Week N runs from `startDate + 7·(N−1)` days for six more days; week −N is the N-th week before the start.
   */
  instantiate(key: string, options: { startDate: string; locale: Locale }): RowContent[];
}

const KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const localized = (limit: number) =>
  z.strictObject({
    'zh-CN': z
      .string()
      .trim()
      .check(charBounds({ min: 1, max: limit })),
    en: z
      .string()
      .trim()
      .check(charBounds({ min: 1, max: limit })),
  }) satisfies z.ZodType<LocalizedText>;

const weekRange = (week: z.ZodType<number>) =>
  z.strictObject({ from: week, to: week }).refine((weeks) => weeks.to >= weeks.from, { message: 'ends before it starts', path: ['to'] });

const RowWeeks = weekRange(z.int().min(1, 'project weeks start at 1'));
// NOTE: no week 0 — week −1 is the week just before the project starts, as a year before 1 AD is 1 BC.
const BaselineWeeks = weekRange(z.int().refine((week) => week !== 0, 'there is no week 0: week -1 is the week before the project starts'));

const Kpi = z
  .strictObject({
    metric: z.enum(Object.keys(KPI_METRICS) as [KpiMetric, ...KpiMetric[]]),
    comparison: z.enum(KPI_COMPARISONS),
    target: z.number(),
    baselineWeeks: BaselineWeeks.optional(),
    description: localized(TEXT_LIMITS.phase).optional(),
  })
  .refine((kpi) => !kpi.comparison.startsWith('change_') || kpi.baselineWeeks, {
    message: 'a change target needs baselineWeeks, the period it is measured against',
    path: ['baselineWeeks'],
  });

const Row = z.strictObject({
  phase: localized(TEXT_LIMITS.phase),
  actions: localized(TEXT_LIMITS.actions),
  owner: localized(TEXT_LIMITS.owner),
  weeks: RowWeeks.optional(),
  status: z.enum(ROW_STATUSES),
  blockers: localized(TEXT_LIMITS.blockers).optional(),
  suggestions: localized(TEXT_LIMITS.suggestions).optional(),
  notes: localized(TEXT_LIMITS.notes).optional(),
  kpi: Kpi.optional(),
});

const Template = z.strictObject({
  key: z.string().regex(KEY, 'must be lower-case words joined by hyphens (six-step-method)'),
  name: localized(200),
  description: localized(2000),
  rows: z.array(Row).min(1),
});
type Template = z.infer<typeof Template>;

/**
 * Reads and checks every `*.json` in `dir` once, at start. A template with any problem stops the server
 * with the file and every bad field (`rows[3].weeks.to`), rather than offering a half-loaded plan.
 *
 * @example
 * const templates = loadExecutionTableTemplates(TEMPLATES_DIR);
 * const rows = templates.instantiate('six-step-method', { startDate: '2026-03-02', locale: 'zh-CN' });
 */
export function loadExecutionTableTemplates(dir: URL): ExecutionTableTemplates {
  const byKey = new Map<string, Template>();
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const template = readTemplate(new URL(file, dir));
    byKey.set(template.key, template);
  }
  return {
    listTemplates: () =>
      [...byKey.values()].map((template) => ({
        key: template.key,
        name: { ...template.name },
        description: { ...template.description },
        rowCount: template.rows.length,
      })),
    instantiate: (key, { startDate, locale }) => {
      const template = byKey.get(key);
      if (!template) throw new NotFoundError(`no execution-table template "${key}"`);
      if (!isIsoDate(startDate)) {
        throw new ValidationError(`the start date "${startDate}" is not a date (YYYY-MM-DD)`, [{ field: 'startDate', message: 'is not a date (YYYY-MM-DD)' }]);
      }
      return template.rows.map((row) => rowContent(row, startDate, locale));
    },
  };
}

function readTemplate(file: URL): Template {
  const path = fileURLToPath(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`execution-table template ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = Template.safeParse(json);
  if (!result.success)
    invalid(
      path,
      result.error.issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })),
    );
  // The file name is the key, so two files can never claim the same template.
  const name = basename(path, '.json');
  if (result.data.key !== name) invalid(path, [{ field: 'key', message: `must be "${name}", the file's name` }]);
  return result.data;
}

function invalid(path: string, problems: FieldProblem[]): never {
  throw new ValidationError(`execution-table template ${path} is invalid:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`, problems);
}

/** `['rows', 2, 'weeks', 'to']` → `rows[2].weeks.to`. */
function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>((field, part) => (typeof part === 'number' ? `${field}[${part}]` : field ? `${field}.${String(part)}` : String(part)), '') || '(file)'
  );
}

function weekStart(projectStart: string, week: number): string {
  return addDays(projectStart, week > 0 ? 7 * (week - 1) : 7 * week);
}

function weekEnd(projectStart: string, week: number): string {
  return addDays(weekStart(projectStart, week), 6);
}

function rowContent(row: Template['rows'][number], startDate: string, locale: Locale): RowContent {
  return {
    phase: row.phase[locale],
    actions: row.actions[locale],
    owner: row.owner[locale],
    startDate: row.weeks ? weekStart(startDate, row.weeks.from) : null,
    endDate: row.weeks ? weekEnd(startDate, row.weeks.to) : null,
    status: row.status,
    blockers: row.blockers?.[locale] ?? '',
    suggestions: row.suggestions?.[locale] ?? '',
    notes: row.notes?.[locale] ?? '',
    kpi: row.kpi ? kpiTarget(row.kpi, startDate, locale) : null,
  };
}

function kpiTarget(kpi: NonNullable<Template['rows'][number]['kpi']>, startDate: string, locale: Locale): KpiTarget {
  const target: KpiTarget = { metric: kpi.metric, comparison: kpi.comparison, target: kpi.target };
  if (kpi.baselineWeeks) target.baseline = { from: weekStart(startDate, kpi.baselineWeeks.from), to: weekEnd(startDate, kpi.baselineWeeks.to) };
  if (kpi.description) target.description = kpi.description[locale];
  return target;
}
