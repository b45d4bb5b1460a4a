import type { StoredReport, Subscription } from '../../../services/reports/reports.js';
import { REPORT_FREQUENCIES } from '../../../services/reports/reports.js';
import type { FieldProblem } from '../../../shared/errors.js';
import { LOCALES, type Formatter } from '../../../shared/i18n.js';
import type { ReportSettings } from '../../../shared/report-settings.js';
import { problemText } from './problem-text.js';

/** The subscribe form as sent (or as first shown), and what was wrong with it, in the reader's words. */
export interface SubscriptionForm {
  workflow: string;
  frequency: string;
  timeZone: string;
  locale: string;
  problems: string[];
}

export interface ReportsPageInput {
  subscriptions: Subscription[];
  page: { items: StoredReport[]; next?: number };
  workflows: Array<{ key: string; name: string }>;
  settings: ReportSettings;
  f: Formatter;
  canDelete(owner: string): boolean;
  form: SubscriptionForm;
  now: number;
}

/** "field: what is wrong", both in the reader's language. */
export function problemLines(problems: FieldProblem[], f: Formatter): string[] {
  return problems.map((p) => `${f.t(`reports.fields.${p.field}`, { defaultValue: p.field })}: ${problemText(f, p)}`);
}

/** Bytes as people read a file's size: 12 KB, 3.4 MB. */
function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function reportsPage({ subscriptions, page, workflows, settings, f, canDelete, form, now }: ReportsPageInput) {
  const names = new Map(workflows.map((w) => [w.key, w.name]));
  const workflowName = (key: string | null) => (key === null ? f.t('reports.allWorkflows') : (names.get(key) ?? key));
  return {
    retention: f.t('reports.retention', { count: settings.retentionDays }),
    subscriptions: subscriptions.map((s) => ({
      id: s.id,
      workflow: workflowName(s.workflow),
      frequency: f.t(`reports.frequencies.${s.frequency}`),
      timeZone: s.timeZone,
      language: f.t(`languages.${s.locale}`),
      owner: s.owner,
      nextRun: f.dateTime(s.nextRunAt),
      overdue: s.nextRunAt <= now,
      canDelete: canDelete(s.owner),
    })),
    reports: page.items.map((r) => ({
      id: r.id,
      workflow: workflowName(r.workflow),
      frequency: f.t(`reports.frequencies.${r.frequency}`),
      period: r.period.label,
      timeZone: r.timeZone,
      tickets: r.tickets,
      size: size(r.sizeBytes),
      madeAt: f.dateTime(r.completedAt),
      href: `/api/reports/${r.id}/download`,
    })),
    next: page.next === undefined ? undefined : `/reports?before=${page.next}`,
    form: {
      ...form,
      workflows: [
        { value: '', label: f.t('reports.allWorkflows'), selected: form.workflow === '' },
        ...workflows.map((w) => ({ value: w.key, label: w.name, selected: form.workflow === w.key })),
      ],
      frequencies: REPORT_FREQUENCIES.map((value) => ({ value, label: f.t(`reports.frequencies.${value}`), selected: form.frequency === value })),
      locales: LOCALES.map((value) => ({ value, label: f.t(`languages.${value}`), selected: form.locale === value })),
    },
  };
}
