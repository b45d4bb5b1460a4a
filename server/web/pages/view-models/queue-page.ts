import type { ActiveStep } from '../../../services/tickets/ticket-views.js';
import type { QueueTicket } from '../../../services/inbox/queue.js';
import type { Formatter } from '../../../shared/i18n.js';

/** One queue line: the current step, its owner, time in it, time left, and the urgency mark. */
export function queueLine(ticket: QueueTicket, now: number, f: Formatter) {
  const { steps, urgency } = ticket;
  const entered = steps.length ? Math.min(...steps.map((s) => s.enteredAt)) : undefined;
  return {
    id: ticket.id,
    subject: ticket.subject,
    customer: ticket.customer,
    workflow: ticket.workflow.name,
    channel: f.t(`channels.${ticket.channel}`, { defaultValue: ticket.channel }),
    level: ticket.level ?? '',
    vip: ticket.vip,
    urgency,
    urgencyLabel: f.t(`urgency.${urgency}`),
    steps: steps.map((s) => s.name).join(' · '),
    owners: [...new Set(steps.map((s) => s.owner).filter((o) => o !== undefined))].join(' · '),
    timeInStep: entered !== undefined ? f.duration(Math.max(0, now - entered)) : '',
    timeLeft: ticket.closedAt !== undefined ? f.dateTime(ticket.closedAt) : timeLeft(steps, ticket.dueAt, now, f),
  };
}

/**
 * The time left that matters to the agent: the current step's limit; a step past its limit is overdue (its
 * breach timer has fired, so no due time is pending); without step limits, the whole ticket's.
 */
function timeLeft(steps: readonly ActiveStep[], ticketDue: number | undefined, now: number, f: Formatter): string {
  if (steps.some((s) => s.breached)) return f.t('queue.overdue');
  const dues = steps.map((s) => s.dueAt).filter((d) => d !== undefined);
  const due = dues.length ? Math.min(...dues) : ticketDue;
  if (due === undefined) return '';
  return due > now ? f.duration(due - now) : f.t('queue.overdueBy', { time: f.duration(now - due) });
}
