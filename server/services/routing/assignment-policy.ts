import type { Candidate, Level, Presence, Priority } from '../../data/routing/routing-records.js';
import { LEVELS, PRIORITIES } from './classify.js';

/** Pure: which agents may take a ticket, best first (the documented policy; README "Routing"). */

export type { Candidate, Presence };
export const PRESENCES = ['online', 'away', 'offline'] as const satisfies readonly Presence[];

export interface Need {
  /** The ticket's problem type (its classification): a required skill when set. */
  type: string | null;
  level: Level | null;
  channel: string;
}

const rank = (level: Level | null) => (level ? LEVELS.indexOf(level) + 1 : 0);

/** The levels that may take a ticket needing `level` (every one when none is needed): what `eligible` accepts. */
export const levelsFor = (level: Level | null): readonly Level[] | null => (rank(level) > 0 ? LEVELS.filter((l) => rank(l) >= rank(level)) : null);

/** May this agent take the ticket now: online, below capacity, holding the skill and at least the level. */
export function eligible(agent: Candidate, need: Need): boolean {
  if (agent.presence !== 'online' || agent.load >= agent.capacity) return false;
  if (need.type && !agent.skills.includes(need.type)) return false;
  if (need.level && rank(agent.level) < rank(need.level)) return false;
  // A channel among an agent's skills narrows them to those channels.
  const channels = agent.skills.filter((s) => CHANNEL_SKILL.test(s));
  return !channels.length || channels.includes(`channel:${need.channel}`);
}

const CHANNEL_SKILL = /^channel:/;

/**
 * The eligible agents, best first: least load relative to capacity, then the longest idle, then the lowest
 * id (deterministic). The caller claims them in this order until one claim holds.
 */
export function rankAgents(agents: readonly Candidate[], need: Need): Candidate[] {
  return agents.filter((a) => eligible(a, need)).sort((a, b) => a.load / a.capacity - b.load / b.capacity || a.idleSince - b.idleSince || a.id - b.id);
}

/** Waiting tickets are offered VIP first, then by priority, then oldest first. */
export function ticketOrder(a: { vip: boolean; priority: Priority; createdAt: number; id: number }, b: typeof a): number {
  return Number(b.vip) - Number(a.vip) || PRIORITIES.indexOf(b.priority) - PRIORITIES.indexOf(a.priority) || a.createdAt - b.createdAt || a.id - b.id;
}
