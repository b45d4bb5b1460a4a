import type { Workflow } from '../../../engine/workflow.js';
import type { FieldProblem } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import type { AnalyticsFilter } from './analytics-filter.js';
import { problemText } from './problem-text.js';

/** The analytics filters' GET form: what it offers (versions, channels, levels) and what was asked for. */
export interface FilterForm {
  action: string;
  values: { version: string; from: string; to: string; channel: string; level: string; vip: string };
  versions?: Array<{ value: string; label: string }>;
  channels: Array<{ value: string; label: string }>;
  levels: string[];
  vipOptions: Array<{ value: string; label: string }>;
  /** A problem per field, as the form shows it beside the field. */
  errors: Record<string, string>;
}

/**
 * The form for `filter` (or, when it was refused, for what was typed): the channels the workflows serve,
 * the levels their steps offer (a field named `level` with options), the versions when there is one
 * workflow.
 */
export function filterForm(
  action: string,
  workflows: Workflow[],
  typed: Record<string, unknown>,
  f: Formatter,
  { filter, versions, problems = [] }: { filter?: AnalyticsFilter; versions?: number[]; problems?: FieldProblem[] } = {},
): FilterForm {
  const served = new Set(workflows.flatMap((w) => (w.channels.length ? w.channels : CHANNELS)));
  const levels = new Set<string>();
  for (const workflow of workflows)
    for (const step of Object.values(workflow.steps))
      for (const field of step.fields) if (field.name === 'level' && field.options) for (const o of field.options) levels.add(o);
  const asked = (name: string) => (typeof typed[name] === 'string' ? (typed[name] as string) : '');
  const values = filter
    ? {
        version: filter.version === undefined ? '' : String(filter.version),
        from: filter.from,
        to: filter.to,
        channel: filter.channel ?? '',
        level: filter.level ?? '',
        vip: filter.vip === undefined ? '' : String(filter.vip),
      }
    : { version: asked('version'), from: asked('from'), to: asked('to'), channel: asked('channel'), level: asked('level'), vip: asked('vip') };
  return {
    action,
    values,
    ...(versions ? { versions: versions.map((v) => ({ value: String(v), label: f.t('analytics.filters.versionN', { version: v }) })) } : {}),
    channels: CHANNELS.filter((c) => served.has(c)).map((c) => ({ value: c, label: f.t(`channels.${c}`) })),
    levels: [...levels].sort(),
    vipOptions: [
      { value: 'true', label: f.t('analytics.filters.vipOnly') },
      { value: 'false', label: f.t('analytics.filters.vipNot') },
    ],
    errors: Object.fromEntries(problems.map((p) => [p.field, problemText(f, p)])),
  };
}
