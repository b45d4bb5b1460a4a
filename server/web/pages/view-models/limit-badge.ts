import type { LimitStatus } from '../../../services/tickets/ticket-views.js';
import type { Formatter } from '../../../shared/i18n.js';

/** The two limits a ticket has, named the same on every page. */
export type LimitKind = 'sla' | 'step';

/**
 * One limit as the queue and the ticket page both show it: its name, its state's badge, and the time left
 * (or overdue) when the moment is known. The state is the service's; nothing is judged here.
 */
export function limitBadge(kind: LimitKind, status: LimitStatus, now: number, f: Formatter) {
  const { state, dueAt } = status;
  let time: string | undefined;
  if (dueAt !== undefined && (state === 'on_track' || state === 'warning')) time = f.t('limits.left', { time: f.duration(Math.max(0, dueAt - now)) });
  if (dueAt !== undefined && state === 'breached') time = f.t('limits.over', { time: f.duration(Math.max(0, now - dueAt)) });
  return { kind, name: f.t(`limits.${kind}`), state, label: f.t(`limits.states.${state}`), time };
}
