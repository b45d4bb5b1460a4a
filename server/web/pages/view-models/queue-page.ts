import type { QueueTicket } from '../../../services/inbox/queue.js';
import type { Formatter } from '../../../shared/i18n.js';
import { limitBadge } from './limit-badge.js';

/** One queue line: the current step, its owner, time in it, and the ticket's two limits as its page shows them. */
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
    sla: limitBadge('sla', ticket.sla, now, f),
    stepLimit: limitBadge('step', ticket.stepLimit, now, f),
    steps: steps.map((s) => s.name).join(' · '),
    owners: [...new Set(steps.map((s) => s.owner).filter((o) => o !== undefined))].join(' · '),
    timeInStep: entered !== undefined ? f.duration(Math.max(0, now - entered)) : '',
    closedAt: ticket.closedAt !== undefined ? f.dateTime(ticket.closedAt) : undefined,
  };
}
