/** The routing tables' rows as the repository reads them, and the records made of them. */
import type { AgentProfile, Assignment, ChannelCounts, Presence } from './routing-records.js';

export interface ProfileRow {
  id: number;
  email: string;
  name: string;
  skills_json: string | null;
  level: string | null;
  presence: string | null;
  seen_at: number | string | null;
}

export interface AssignmentRow {
  ticket_id: number | string;
  visit: number;
  step: string;
  lane: string;
  channel: string | null;
  agent_id: number | null;
  agent_email: string | null;
  assigned_at: number | string | null;
  started_at: number | string | null;
  flagged_at: number | string | null;
  created_at: number | string;
}

const num = (v: number | string | null) => (v === null ? null : Number(v));

export function assignmentOf(row: AssignmentRow): Assignment {
  return {
    ticketId: Number(row.ticket_id),
    visit: row.visit,
    step: row.step,
    lane: row.lane,
    channel: row.channel ?? '',
    agentId: row.agent_id,
    agentEmail: row.agent_email,
    assignedAt: num(row.assigned_at),
    startedAt: num(row.started_at),
    flaggedAt: num(row.flagged_at),
    createdAt: Number(row.created_at),
  };
}

export function profileOf(row: ProfileRow, lanes: string[], capacity: ChannelCounts, load: ChannelCounts, idleSince: number): AgentProfile {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    skills: JSON.parse(row.skills_json ?? '[]') as string[],
    level: (row.level as AgentProfile['level']) ?? null,
    capacity,
    load,
    presence: (row.presence as Presence) ?? 'offline',
    seenAt: Number(row.seen_at ?? 0),
    idleSince,
    lanes,
  };
}
