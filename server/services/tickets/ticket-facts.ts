import { ticketCalendar } from '../../engine/resolution-clock.js';
import { SYSTEM_ACTOR, TIMER_ACTOR, type Advance, type StepVisit, type TicketState } from '../../engine/ticket-engine.js';
import type { BusinessTime } from '../../engine/time/business-calendar.js';
import type { StepDefinition, Workflow } from '../../engine/workflow.js';
import type { TicketFacts } from '../../data/tickets/ticket-records.js';

// A ticket's KPI facts (issue 15), folded from each engine result: the dashboard aggregates them, and every
// definition of services/analytics/definitions.ts that depends on the ticket's history is applied here.

/** The event of a flow on which the customer left before anyone answered (`sop:event="abandon"`). */
export const ABANDON_EVENT = 'abandon';
/** Leaving a step by this event hands the ticket up a level. */
export const ESCALATE_EVENT = 'escalate';
/** Tickets of this SOP are complaints, as are tickets whose `complaint` field is true. */
export const COMPLAINT_WORKFLOW = 'complaint-handling';
/** The follow-up score, 1–5. */
export const SATISFACTION_FIELD = 'satisfaction';
/** Levels at which a resolution is a first-level one (besides none). */
const FIRST_LEVEL = 'L1';
/** Paths longer than this stop growing: a ticket looping for ever must not grow its row for ever. */
const PATH_MAX = 2000;
const AGENTS_MAX = 20;
const DAY = 86_400_000;
const NOT_PEOPLE: ReadonlySet<string> = new Set([SYSTEM_ACTOR, TIMER_ACTOR]);

export interface FactSettings {
  /** FCR counts a closed ticket once this many business days have passed without it coming back. */
  fcrWindowDays: number;
}

export const DEFAULT_FACT_SETTINGS: FactSettings = { fcrWindowDays: 3 };

/** What the fold needs besides the engine result. */
export interface FactContext {
  workflow: Workflow;
  createdAt: number;
  now: number;
  time: BusinessTime;
  settings: FactSettings;
  /** The state the change started from; undefined for a new ticket. */
  before: TicketState | undefined;
}

export type FactInput = Pick<Advance, 'state' | 'visitsOpened' | 'visitsClosed' | 'reminders' | 'fields' | 'done'>;

export function levelOf(fields: Record<string, unknown>): string | null {
  return typeof fields.level === 'string' && fields.level ? fields.level : null;
}

/**
 * The person who closed a visit of a person's step (not one that waits on the customer): not the system,
 * not a timer, not the customer leaving. Undefined for every other visit.
 */
export function agentOf(visit: Pick<StepVisit, 'automatic' | 'event' | 'actor'>, step: StepDefinition | undefined): string | undefined {
  const persons = step !== undefined && step.kind === 'human' && !step.waitingOnCustomer;
  return persons && !visit.automatic && visit.event !== ABANDON_EVENT && !NOT_PEOPLE.has(visit.actor) ? visit.actor : undefined;
}

/** The facts of a ticket before its first step. */
export function newFacts(): TicketFacts {
  return {
    firstResponseAt: null,
    firstResponseMs: null,
    firstAgent: null,
    lastAgent: null,
    agents: [],
    handleMs: 0,
    waitingMs: 0,
    resolutionMs: null,
    resolutionSlaMs: null,
    reopenings: 0,
    escalations: 0,
    warnings: 0,
    stepBreaches: 0,
    resolutionBreached: false,
    csat: null,
    complaint: false,
    abandoned: false,
    fcr: null,
    fcrAt: null,
    path: '',
  };
}

/**
 * The facts after one engine result, and the visits it opened that loop back (visit → the step it came
 * from). Pure: no query, the previous facts and the result say everything.
 */
export function factsAfter(previous: TicketFacts, moved: FactInput, context: FactContext): { facts: TicketFacts; reworkFrom: Map<number, string> } {
  const { workflow, time, createdAt, now } = context;
  const facts: TicketFacts = { ...previous, agents: [...previous.agents] };
  const calendar = ticketCalendar(workflow, moved.state);
  for (const visit of moved.visitsClosed) {
    const step = workflow.steps[visit.step];
    const agent = agentOf(visit, step);
    if (visit.event === ABANDON_EVENT && facts.firstResponseAt === null) facts.abandoned = true;
    if (agent !== undefined) {
      if (facts.firstResponseAt === null) {
        facts.firstResponseAt = visit.exitedAt;
        facts.firstResponseMs = time.between(createdAt, visit.exitedAt, calendar);
        facts.firstAgent = agent;
      }
      facts.lastAgent = agent;
      if (!facts.agents.includes(agent) && facts.agents.length < AGENTS_MAX) facts.agents.push(agent);
    }
    if (visit.event === ESCALATE_EVENT) facts.escalations += 1;
    if (!step) continue;
    if (step.waitingOnCustomer) facts.waitingMs = plus(facts.waitingMs, visit.businessMs);
    else if (step.kind === 'human' && visit.event !== ABANDON_EVENT) facts.handleMs = plus(facts.handleMs, visit.businessMs);
  }
  facts.stepBreaches += newlyBreached(moved, context.before);
  for (const reminder of moved.reminders) {
    if (reminder.kind === 'sla-warning' || reminder.kind === 'ticket-sla-warning') facts.warnings += 1;
    else if (reminder.kind === 'escalation') facts.escalations += 1;
    else if (reminder.kind === 'ticket-sla-breach') facts.resolutionBreached = true;
  }
  const reworkFrom = followPath(facts, moved, workflow);
  const clock = moved.state.resolution;
  if (clock?.slaMs !== undefined) facts.resolutionSlaMs = clock.slaMs;
  if (clock?.breached) facts.resolutionBreached = true;
  if (moved.done && facts.resolutionMs === null) {
    facts.resolutionMs = time.between(createdAt, now, calendar);
    // A limit passed between two timer runs is a breach all the same.
    if (clock?.slaMs !== undefined && clock.usedMs > clock.slaMs) facts.resolutionBreached = true;
    const level = levelOf(moved.fields);
    facts.fcr = facts.abandoned ? null : facts.escalations === 0 && facts.reopenings === 0 && (level === null || level === FIRST_LEVEL);
    facts.fcrAt = windowEnd(time, now, context.settings.fcrWindowDays, calendar);
  }
  const score = moved.fields[SATISFACTION_FIELD];
  facts.csat = Number.isInteger(score) && (score as number) >= 1 && (score as number) <= 5 ? (score as number) : null;
  facts.complaint = workflow.key === COMPLAINT_WORKFLOW || moved.fields.complaint === true;
  return { facts, reworkFrom };
}

function plus(sum: number | null, ms: number): number | null {
  return sum === null ? null : sum + ms;
}

/** Visits whose limit this change saw passed for the first time: at a breach timer, or at their end. */
function newlyBreached(moved: FactInput, before: TicketState | undefined): number {
  const already = new Set(before?.openVisits.filter((v) => v.breached).map((v) => v.visit));
  const closed = moved.visitsClosed.filter((v) => v.breached && !already.has(v.visit)).length;
  const open = moved.state.openVisits.filter((v) => v.breached && !already.has(v.visit)).length;
  return closed + open;
}

/**
 * Appends the opened steps to the path; a person's step entered again from a step at or after it in the
 * SOP's order is a loop back: a reopening, recorded with the step it came from. Tickets from before the
 * facts were kept (no path) are not followed.
 */
function followPath(facts: TicketFacts, moved: FactInput, workflow: Workflow): Map<number, string> {
  const reworkFrom = new Map<number, string>();
  if (facts.path === null) return reworkFrom;
  const visited = new Set(facts.path ? facts.path.split(',') : []);
  const from = moved.visitsClosed.find((v) => !v.automatic)?.step ?? moved.visitsClosed[0]?.step;
  const rank = ranksOf(workflow);
  let path = facts.path;
  for (const visit of [...moved.visitsOpened].sort((a, b) => a.visit - b.visit)) {
    const step = workflow.steps[visit.step];
    if (visited.has(visit.step) && step?.kind !== 'automatic' && from !== undefined && (rank.get(visit.step) ?? 0) <= (rank.get(from) ?? 0)) {
      reworkFrom.set(visit.visit, from);
      facts.reopenings += 1;
    }
    visited.add(visit.step);
    if (path.length + visit.step.length + 1 <= PATH_MAX) path = path ? `${path},${visit.step}` : visit.step;
  }
  facts.path = path;
  return reworkFrom;
}

const ranks = new WeakMap<Workflow, Map<string, number>>();

/**
 * Each node's place in the SOP's order (reverse postorder from the start events): a flow that leads to a
 * node at or before its source's place loops back.
 */
export function ranksOf(workflow: Workflow): Map<string, number> {
  const known = ranks.get(workflow);
  if (known) return known;
  const next = new Map<string, string[]>();
  const edge = (from: string, to: string) => next.set(from, [...(next.get(from) ?? []), to]);
  const { nodes, flows } = workflow.graph;
  // Targets are explored last to first, so a node's first flow ranks first; what happens inside a
  // subprocess, or on a boundary, ranks before what follows it.
  for (const node of nodes) {
    if (node.attachedTo) edge(node.attachedTo, node.id);
    if (node.parentId && (node.kind === 'startEvent' || node.kind === 'timerStartEvent')) edge(node.parentId, node.id);
  }
  for (const flow of flows) edge(flow.source, flow.target);
  const post: string[] = [];
  const seen = new Set<string>();
  const walk = (start: string) => {
    const stack: Array<{ id: string; i: number }> = [{ id: start, i: 0 }];
    seen.add(start);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const targets = next.get(top.id) ?? [];
      if (top.i < targets.length) {
        const target = targets[targets.length - 1 - top.i++]!;
        if (!seen.has(target)) {
          seen.add(target);
          stack.push({ id: target, i: 0 });
        }
      } else {
        post.push(top.id);
        stack.pop();
      }
    }
  };
  const starts = nodes.filter((n) => n.kind === 'startEvent' && !n.parentId);
  for (const node of [...starts, ...nodes]) if (!seen.has(node.id)) walk(node.id);
  const order = new Map(post.reverse().map((id, index) => [id, index]));
  ranks.set(workflow, order);
  return order;
}

/**
 * When the FCR window of a ticket closed at `closedAt` ends: after `days` days that have working time on
 * the ticket's calendar (on a 24×7 calendar, `days` × 24 hours; an office calendar skips weekends).
 */
export function windowEnd(time: BusinessTime, closedAt: number, days: number, calendar: string | undefined): number {
  let end = closedAt;
  // Bounded: a calendar has working time every week.
  for (let counted = 0, guard = 0; counted < days && guard < 400; guard++) {
    end += DAY;
    if (time.between(end - DAY, end, calendar) > 0) counted += 1;
  }
  return end;
}
