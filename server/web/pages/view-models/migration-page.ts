import type { Formatter } from '../../../shared/i18n.js';
import type { MigrationPlan } from '../../../services/workflows/migration.js';
import type { VersionOverview } from '../../../services/workflows/workflow-overview.js';
import { problemText } from './problem-text.js';

/** The page lists this many tickets of a plan; the API answers them all. */
export const PLAN_ROWS_SHOWN = 500;

/** `/workflows/:key/migrate`: the version choice and, once chosen, the plan with a checkbox per ticket that can move. */
export function migrationModel(
  key: string,
  versions: VersionOverview[],
  chosen: { from?: number | undefined; to: number },
  plan: MigrationPlan | undefined,
  f: Formatter,
) {
  const path = `/workflows/${encodeURIComponent(key)}`;
  return {
    key,
    library: path,
    action: `${path}/migrate`,
    fromOptions: versions.map((v) => ({ version: v.version, open: v.open, selected: v.version === chosen.from })),
    toOptions: versions.map((v) => ({ version: v.version, selected: v.version === chosen.to })),
    from: chosen.from,
    to: chosen.to,
    plan: plan && {
      counts: plan.counts,
      total: plan.tickets.length,
      truncated: plan.tickets.length > PLAN_ROWS_SHOWN,
      movable: plan.counts.clean + plan.counts.moved > 0,
      rows: plan.tickets.slice(0, PLAN_ROWS_SHOWN).map((t) => ({
        id: t.id,
        href: `/tickets/${t.id}`,
        subject: t.subject,
        outcome: t.outcome,
        outcomeLabel: f.t(`migration.outcomes.${t.outcome}`),
        from: f.list(t.from),
        to: t.to ? f.list(t.to) : '—',
        reason: t.reason
          ? [
              f.t(`migration.reasons.${t.reason.code}`),
              t.reason.event && `${f.t('migration.event')} ${t.reason.event}`,
              t.reason.step && `${f.t('migration.atStep')} ${t.reason.step}`,
              // Each field's own problem, naming it, where the replay said which (else the fields' names).
              t.reason.problems?.length ? t.reason.problems.map((p) => problemText(f, p)).join('; ') : t.reason.fields && f.list(t.reason.fields),
            ]
              .filter(Boolean)
              .join(' · ')
          : '',
        reasonCode: t.reason?.code,
        // The replay's English account: on hover, for whoever needs the detail the translated reason leaves out.
        detail: t.reason?.message ?? '',
        value: t.outcome === 'blocked' ? undefined : `${t.id}:${t.revision}`,
      })),
    },
  };
}
