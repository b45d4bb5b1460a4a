/** The records routing stores; the routing service's rules and policy work on these shapes. */

export type Level = 'L1' | 'L2' | 'L3';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type Presence = 'online' | 'away' | 'offline';
export type LanePolicy = 'push' | 'pull';

export interface RuleWhen {
  keywords?: string[];
  channels?: string[];
  tags?: string[];
  vip?: boolean;
}

export interface RuleSet {
  type?: string;
  level?: Level;
  priority?: Priority;
  tags?: string[];
}

export interface Rule {
  name: string;
  when: RuleWhen;
  set: RuleSet;
}

export interface Classification {
  type: string | null;
  level: Level | null;
  priority: Priority;
  tags: string[];
  /** The rule that set it; null when none matched. */
  rule: string | null;
}

export interface StoredClassification extends Classification {
  corrected?: { by: string; at: number; original: Classification };
}

/** Per channel (`phone`, `chat`, …): how many tickets an agent may hold, or holds now. A channel left out is 0. */
export type ChannelCounts = Record<string, number>;

/** An agent as one decision sees them: skills, level, and capacity and live load on the ticket's channel. */
export interface Candidate {
  id: number;
  email: string;
  skills: string[];
  level: Level | null;
  /** On the channel of the ticket being decided. */
  capacity: number;
  load: number;
  presence: Presence;
  /** When the agent was last given a ticket (or came online). */
  idleSince: number;
}

/** An agent's whole profile: capacity and load for each channel. */
export interface AgentProfile {
  id: number;
  email: string;
  name: string;
  skills: string[];
  level: Level | null;
  capacity: ChannelCounts;
  load: ChannelCounts;
  presence: Presence;
  idleSince: number;
  lanes: string[];
  seenAt: number;
}

export interface LaneSetting {
  lane: string;
  policy: LanePolicy;
  lead: string | null;
}

export interface Assignment {
  ticketId: number;
  visit: number;
  step: string;
  lane: string;
  /** The ticket's channel: whose capacity the assignee's claim took. */
  channel: string;
  agentId: number | null;
  agentEmail: string | null;
  assignedAt: number | null;
  startedAt: number | null;
  flaggedAt: number | null;
  createdAt: number;
}

/** An open visit of a step that routing offers in a push lane. */
export interface OpenSlot {
  ticketId: number;
  visit: number;
  step: string;
  lane: string;
  channel: string;
}

/** A notification written with a routing change (an assignment, a ticket nobody can take). */
export interface RoutingNote {
  ticketId: number;
  kind: 'assignment' | 'unassignable';
  recipient: string;
  step: string;
  message: string;
}
