import type { TicketState } from '../../../engine/ticket-engine.js';
import { activeStepsOf } from '../../../services/tickets/ticket-views.js';
import type { WorkflowVersion } from '../../../services/workflows/workflow-library.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { QueueRow } from '../../../data/read-models/queue.query.js';
import { urgencyOf } from '../../../services/tickets/urgency.js';

/** One queue line: the current step, its owner, time in it, time left, and the urgency mark. */
export function queueLine(row: QueueRow, version: WorkflowVersion, now: number, f: Formatter) {
  const state = JSON.parse(row.snapshot) as TicketState;
  const steps = activeStepsOf(version.workflow, state);
  const urgency = urgencyOf(version.workflow, state, steps, row.dueAt ?? undefined, now);
  const entered = steps.length ? Math.min(...steps.map((s) => s.enteredAt)) : undefined;
  return {
    id: row.id,
    subject: row.subject,
    customer: { id: row.customerId, name: row.customerName },
    workflow: version.name,
    channel: f.t(`channels.${row.channel}`, { defaultValue: row.channel }),
    level: row.level ?? '',
    vip: row.vip,
    urgency,
    urgencyLabel: f.t(`urgency.${urgency}`),
    steps: steps.map((s) => s.name).join(' · '),
    owners: [...new Set(steps.map((s) => s.owner).filter((o) => o !== undefined))].join(' · '),
    timeInStep: entered !== undefined ? f.duration(Math.max(0, now - entered)) : '',
    timeLeft: row.closedAt !== null ? f.dateTime(row.closedAt) : timeLeft(steps, row.dueAt, now, f),
  };
}

/**
 * The time left that matters to the agent: the current step's limit; a step past its limit is overdue (its
 * breach timer has fired, so no due time is pending); without step limits, the whole ticket's.
 */
function timeLeft(steps: ReturnType<typeof activeStepsOf>, ticketDue: number | null, now: number, f: Formatter): string {
  if (steps.some((s) => s.breached)) return f.t('queue.overdue');
  const dues = steps.map((s) => s.dueAt).filter((d) => d !== undefined);
  const due = dues.length ? Math.min(...dues) : (ticketDue ?? undefined);
  if (due === undefined) return '';
  return due > now ? f.duration(due - now) : f.t('queue.overdueBy', { time: f.duration(now - due) });
}
