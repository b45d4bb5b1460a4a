import type { Formatter } from '../../../shared/i18n.js';
import type { RoutingAnnotation } from '../../../services/routing/routing.js';
import type { AgentProfile, Assignment } from '../../../services/routing/routing.js';

/** What the ticket page shows of routing: who holds the ticket, and what classified it, with the correction form. */
export function routingCard(routed: RoutingAnnotation & { id: number }, steps: Array<{ slot: Assignment; members: AgentProfile[] }>, f: Formatter) {
  const c = routed.classification;
  return {
    ticketId: routed.id,
    // A lead's one-click reassignment: each routed step with the lane's members (their load and presence shown).
    reassign: steps.map(({ slot, members }) => ({
      visit: slot.visit,
      step: slot.step,
      options: members.map((m) => ({
        id: m.id,
        label: `${m.name} (${f.t(`channels.${slot.channel}`)} ${m.load[slot.channel] ?? 0}/${m.capacity[slot.channel] ?? 0}, ${f.t(`routing.presence.${m.presence}`)})`,
        selected: m.id === slot.agentId,
      })),
    })),
    assignee: routed.assignee && { email: routed.assignee.email, since: f.dateTime(routed.assignee.assignedAt), started: routed.assignee.startedAt !== null },
    classification: c && {
      type: c.type ?? '',
      tagsText: c.tags.join(', '),
      rule: c.rule ?? '–',
      corrected: c.corrected && { by: c.corrected.by, at: f.dateTime(c.corrected.at) },
      levels: ['', 'L1', 'L2', 'L3'].map((level) => ({ level, selected: (c.level ?? '') === level })),
      priorities: ['low', 'normal', 'high', 'urgent'].map((priority) => ({
        priority,
        label: f.t(`routing.priority.${priority}`),
        selected: c.priority === priority,
      })),
    },
  };
}

/** The presence switch on the agent's queue: the current status selected. */
export function presenceForm(current: 'online' | 'away' | 'offline', f: Formatter) {
  return {
    options: (['online', 'away', 'offline'] as const).map((status) => ({ status, label: f.t(`routing.presence.${status}`), selected: status === current })),
  };
}
