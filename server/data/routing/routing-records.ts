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

/** An agent as routing sees them: skills, level, capacity and live load and presence. */
export interface Candidate {
  id: number;
  email: string;
  skills: string[];
  level: Level | null;
  capacity: number;
  load: number;
  presence: Presence;
  /** When the agent was last given a ticket (or came online). */
  idleSince: number;
}

export interface AgentProfile extends Candidate {
  name: string;
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
}

/** A notification written with a routing change (an assignment, a ticket nobody can take). */
export interface RoutingNote {
  ticketId: number;
  kind: 'assignment' | 'unassignable';
  recipient: string;
  step: string;
  message: string;
}
