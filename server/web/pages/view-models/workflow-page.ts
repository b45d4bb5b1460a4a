import type { FieldDefinition, StepDefinition, TimerDefinition, Workflow } from '../../../engine/workflow.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { VersionOverview, WorkflowOverviewEntry } from '../../../services/workflows/workflow-overview.js';

/** A version row of the library: who published it, when, and the tickets running on it. */
export function versionRow(key: string, v: VersionOverview, f: Formatter, current?: number) {
  return {
    version: v.version,
    href: `/workflows/${encodeURIComponent(key)}?version=${v.version}`,
    download: `/api/workflows/${encodeURIComponent(key)}/versions/${v.version}/bpmn`,
    publishedAt: f.dateTime(v.publishedAt),
    publishedBy: v.publishedBy,
    open: v.open,
    closed: v.closed,
    current: v.version === current,
  };
}

/** `/workflows`: every workflow with its versions. */
export function libraryModel(entries: WorkflowOverviewEntry[], f: Formatter) {
  return entries.map((w) => ({
    key: w.key,
    name: w.name,
    href: `/workflows/${encodeURIComponent(w.key)}`,
    edit: `/workflows/${encodeURIComponent(w.key)}/edit`,
    analyticsHref: `/analytics/${encodeURIComponent(w.key)}`,
    latestVersion: w.latestVersion,
    steps: w.steps,
    versions: w.versions.map((v) => versionRow(w.key, v, f)),
  }));
}

function field(field: FieldDefinition, f: Formatter): string {
  const parts = [`${field.label ?? field.name} (${field.name}: ${f.t(`workflows.fieldTypes.${field.type}`, { defaultValue: field.type })})`];
  if (field.options?.length) parts.push(field.options.join(' / '));
  if (field.min !== undefined || field.max !== undefined) parts.push(`${field.min ?? '…'}–${field.max ?? '…'}`);
  if (field.required) parts.push(f.t('workflows.required'));
  return parts.join(' · ');
}

/** The step table of one version, from its compiled workflow: what agents see at each step. */
export function stepRows(workflow: Workflow, f: Formatter) {
  return Object.values(workflow.steps).map((step: StepDefinition) => ({
    id: step.id,
    name: step.name,
    kind: f.t(`workflows.kinds.${step.kind}`),
    owner: step.owner ?? '—',
    limit: step.slaMs !== undefined ? f.duration(step.slaMs) : '—',
    vipLimit: step.vipSlaMs !== undefined ? f.duration(step.vipSlaMs) : '—',
    warnAt: step.slaMs !== undefined ? `${Math.round(step.warnAt * 100)}%` : '—',
    calendar: step.calendar ?? workflow.calendar ?? '—',
    waitingOnCustomer: f.t(step.waitingOnCustomer ? 'fields.yes' : 'fields.no'),
    guidance: step.guidance ?? '',
    checklist: step.checklist,
    fields: step.fields.map((x) => field(x, f)),
    actions: step.actions.map((a) => `${a.label} (${a.event})`),
  }));
}

/** Reminders and escalations: the timers of a version, by the step that arms them. */
export function timerRows(workflow: Workflow, f: Formatter) {
  return Object.values(workflow.timers).map((timer: TimerDefinition) => ({
    id: timer.id,
    name: timer.name ?? timer.id,
    kind: f.t(timer.behaviour === 'reminder' ? 'workflows.reminder' : 'workflows.escalation'),
    when: `${f.t(`workflows.timerTypes.${timer.spec.type}`)} ${timer.spec.value}`,
    scope: workflow.steps[timer.scope]?.name ?? f.t('workflows.wholeTicket'),
    to: timer.reminder?.to ?? '—',
    message: timer.reminder?.message ?? '',
  }));
}
