import { DateTime } from 'luxon';
import { unreachable } from '../../engine/exhaustive.js';
import type { FieldDefinition, StepDefinition } from '../../engine/workflow.js';
import { BUILT_IN_CALENDARS } from '../../engine/time/calendars.js';
import { addBusinessTime, type BusinessCalendar } from '../../engine/time/business-calendar.js';
import { TIME_ZONE } from './arrivals.js';
import { ROSTER, staffOf, teamOf, TEXTS, type Team } from './demo-people.js';
import { chance, logNormal, pick, weighted, type Random } from './seeded-random.js';

/** What the demo remembers about one ticket while it drives it. */
export interface TicketStory {
  readonly random: Random;
  readonly workflow: string;
  readonly channel: string;
  readonly subject: string;
  /** Visits per step so far, the one being planned included. */
  readonly visits: Map<string, number>;
  /** The person who works this ticket, per team and shift: the same agent answers, grades and calls back. */
  readonly agents: Map<string, string>;
  /** Took longer than a limit, escalated or reopened: the customer's score suffers. */
  troubled: boolean;
}

/** The step visit being planned, as the ticket runtime reports it. */
export interface VisitToPlan {
  enteredAt: number;
  /** The limit in force for this visit (the VIP limit on VIP tickets). */
  slaMs?: number;
}

/** What someone will do in a step, and when. */
export interface PlannedAction {
  at: number;
  event: string;
  fields: Record<string, unknown>;
  actor: string;
  /** The answer sends the ticket round again: an unresolved follow-up, a customer not satisfied. */
  reopens: boolean;
}

interface StepProfile {
  /** Median time to act as a share of the step's limit, in the working hours of whoever acts. */
  median: number;
  /** Spread of the log-normal: 0.6 puts about one visit in eight over a limit at median 0.5. */
  sigma: number;
  /** How much faster the median gets once the optimization works (0.4: 40% faster). */
  gain: number;
  /** The step's events, weighted; `imp` is how far the optimization has taken effect (0..1). */
  events?: (story: TicketStory, imp: number, visit: number) => Array<[string, number]>;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Used for steps without a limit. */
const DEFAULT_LIMIT = 30 * MIN;
/** Steps with at least this limit sometimes stall, with this chance. */
const STALLING_LIMIT = 4 * HOUR;
const STALL_SHARE = 0.06;

/** Callers and chatters who give up before anyone answers, where the SOP has a way for it (`abandon`). */
const ABANDON = 'abandon';
const ABANDON_SHARE = 0.05;
const ABANDONING_CHANNELS: ReadonlySet<string> = new Set(['phone', 'chat']);

const DEFAULT_PROFILE: StepProfile = { median: 0.4, sigma: 0.6, gain: 0.15 };

/**
 * How people behave in the built-in SOPs' steps. Shares of back-office steps are of working time, so a
 * ticket that reaches technical support on Friday evening waits for Monday, as it would. The optimization
 * targets the bottlenecks: answering, technical support, e-mail replies and frontline complaints.
 */
const PROFILES: Record<string, StepProfile> = {
  // customer-inquiry
  Task_Answer: { median: 0.35, sigma: 0.75, gain: 0.45 },
  Task_Grade: { median: 0.35, sigma: 0.6, gain: 0.3 },
  Task_L1Resolve: { median: 0.45, sigma: 0.6, gain: 0.2 },
  Task_L2TechSupport: { median: 0.09, sigma: 0.8, gain: 0.45 },
  Task_L3Management: { median: 0.07, sigma: 0.7, gain: 0.2 },
  Task_Feedback: { median: 0.3, sigma: 0.7, gain: 0.2 },
  // Most call-backs the same day; those of the evening the next morning.
  Task_FollowUp: { median: 0.08, sigma: 0.8, gain: 0.2 },
  // complaint-handling
  Task_Tier1Frontline: {
    median: 0.45,
    sigma: 0.55,
    gain: 0.3,
    events: (_story, imp) => [
      ['resolve', 0.55 + 0.15 * imp],
      ['escalate', 0.45 - 0.15 * imp],
    ],
  },
  Task_Tier2Specialist: {
    median: 0.07,
    sigma: 0.7,
    gain: 0.25,
    events: (_story, imp) => [
      ['resolve', 0.78 + 0.08 * imp],
      ['escalate', 0.22 - 0.08 * imp],
    ],
  },
  Task_Tier3Coordinate: { median: 0.3, sigma: 0.6, gain: 0.2 },
  Task_DepartmentFix: { median: 0.12, sigma: 0.7, gain: 0.2 },
  Task_CustomerCare: { median: 0.1, sigma: 0.7, gain: 0.2 },
  Task_RootCauseClose: { median: 0.25, sigma: 0.7, gain: 0.2 },
  // email-support
  Task_Classify: { median: 0.3, sigma: 0.7, gain: 0.3 },
  Task_Assign: { median: 0.3, sigma: 0.6, gain: 0.2 },
  Task_ReplyResolve: {
    median: 0.45,
    sigma: 0.75,
    gain: 0.4,
    events: (_story, imp, visit) => {
      const ask = visit === 1 ? 0.22 : visit === 2 ? 0.08 : 0;
      return [
        ['resolve', 1 - ask * (1 - 0.3 * imp)],
        ['request_info', ask * (1 - 0.3 * imp)],
      ];
    },
  },
  Catch_CustomerReply: { median: 0.08, sigma: 1.0, gain: 0 },
  Task_FollowUpConfirm: { median: 0.25, sigma: 0.8, gain: 0.1 },
  // phone-service
  Task_VerifyIdentity: {
    median: 0.35,
    sigma: 0.5,
    gain: 0.1,
    events: () => [
      ['verify', 0.96],
      ['fail_verification', 0.04],
    ],
  },
  Task_Diagnose: { median: 0.4, sigma: 0.6, gain: 0.2 },
  Task_ResolveConfirm: { median: 0.4, sigma: 0.6, gain: 0.2 },
  // standard-service
  Task_ReceiveRequest: { median: 0.35, sigma: 0.6, gain: 0.3 },
  Task_AnalyseNeed: { median: 0.4, sigma: 0.6, gain: 0.2 },
  Task_ProvideSolution: { median: 0.4, sigma: 0.7, gain: 0.25 },
  Task_ConfirmSatisfaction: { median: 0.35, sigma: 0.6, gain: 0.2 },
  Task_SummarizeRecord: { median: 0.3, sigma: 0.6, gain: 0.2 },
};

/** The front desk works 08:00–22:00 every day; everyone else office hours on Chinese working days. */
const HOURS: Record<'desk' | 'office', BusinessCalendar> = {
  desk: BUILT_IN_CALENDARS['cn-service-desk']!,
  office: BUILT_IN_CALENDARS['cn-workdays']!,
};

/**
 * Plans what happens next in one step of one ticket: who acts, when (log-normal around the step's limit,
 * in the actor's working hours, faster once the optimization works), with which event and fields.
 * Undefined for a step nobody can act in (only a timer leaves it).
 */
export function planAction(step: StepDefinition, visit: VisitToPlan, story: TicketStory, improvementAt: (at: number) => number): PlannedAction | undefined {
  if (!step.actions.length) return undefined;
  const random = story.random;
  const imp = improvementAt(visit.enteredAt);
  const profile = PROFILES[step.id] ?? DEFAULT_PROFILE;
  const count = (story.visits.get(step.id) ?? 0) + 1;
  story.visits.set(step.id, count);

  if (
    count === 1 &&
    ABANDONING_CHANNELS.has(story.channel) &&
    step.actions.some((a) => a.event === ABANDON) &&
    chance(random, ABANDON_SHARE * (1 - 0.4 * imp))
  ) {
    // Those who give up do so sooner than the step's limit, mostly.
    const waited = Math.max(5000, logNormal(random, 0.5 * (visit.slaMs ?? step.slaMs ?? DEFAULT_LIMIT), 0.6));
    return { at: Math.round((visit.enteredAt + waited) / 1000) * 1000, event: ABANDON, fields: {}, actor: 'customer', reopens: false };
  }
  const choices = profile.events?.(story, imp, count).filter(([event]) => step.actions.some((a) => a.event === event));
  const event = choices?.length ? weighted(random, choices) : step.actions.find((a) => a.event !== ABANDON)!.event;
  if (event === 'escalate') story.troubled = true;

  // Customers answer when they like; staff when they are at work.
  const byCustomer = step.kind === 'wait' || step.waitingOnCustomer;
  const team = teamOf(step.owner);
  const hours = byCustomer ? undefined : HOURS[team === 'desk' || team === 'lead' ? 'desk' : 'office'];
  const actor = step.kind === 'wait' ? 'customer' : agentFor(story, team, visit.enteredAt);
  const person = ROSTER.find((u) => u.email === actor);
  const slowness = 1 + ((person?.slowness ?? 1) - 1) * (1 - 0.7 * imp);

  const limit = visit.slaMs ?? step.slaMs ?? DEFAULT_LIMIT;
  // Deciding to escalate is quicker than solving.
  const median = limit * profile.median * (event === 'escalate' ? 0.6 : 1) * (1 - profile.gain * imp) * slowness;
  // Now and then long work stalls (parts on order, a customer away): the aged tickets every queue has.
  const stall = limit >= STALLING_LIMIT && chance(random, STALL_SHARE * (1 - 0.5 * imp)) ? 3 + 9 * random() : 1;
  const work = Math.max(1000, stall * logNormal(random, median, profile.sigma * (1 - 0.15 * imp)));
  const done = hours ? addBusinessTime(hours, visit.enteredAt, work) : visit.enteredAt + work;
  const at = Math.max(visit.enteredAt + 1000, Math.round(done / 1000) * 1000);
  if (visit.slaMs !== undefined && at - visit.enteredAt > visit.slaMs) story.troubled = true;

  const decided = decide(step, story, imp, count);
  const fields = fieldsFor(step, event, story, decided, imp, at);
  return { at, event, fields, actor, reopens: decided.reopens };
}

interface Decision {
  satisfaction?: number;
  reopens: boolean;
}

/** The customer's score and whether the answer sends the ticket round again. */
function decide(step: StepDefinition, story: TicketStory, imp: number, visit: number): Decision {
  const random = story.random;
  const scored = step.fields.some((f) => f.name === 'satisfaction');
  const gate = step.fields.find((f) => (f.name === 'resolved' || f.name === 'satisfied') && f.required);
  if (!scored && !gate) return { reopens: false };
  const satisfaction = satisfactionScore(random, story.troubled, imp);
  if (!gate || visit >= 3) return { satisfaction, reopens: false };
  const base = satisfaction <= 2 ? 0.55 : satisfaction === 3 ? 0.15 : 0.025;
  const reopens = chance(random, base * (visit === 1 ? 1 : 0.3) * (1 - 0.4 * imp));
  if (reopens) story.troubled = true;
  return { satisfaction, reopens };
}

/** Mostly 4–5, some 1–2; worse after a slow, escalated or reopened ticket; better once the optimization works. */
function satisfactionScore(random: Random, troubled: boolean, imp: number): number {
  const base = troubled ? [0.12, 0.14, 0.24, 0.3, 0.2] : [0.03, 0.04, 0.1, 0.35, 0.48];
  const better = 0.45 * imp;
  const weights = base.map((w, i) => (i < 3 ? w * (1 - better) : w));
  return weighted(
    random,
    weights.map((w, i) => [i + 1, w] as const),
  );
}

const LEVELS: Array<[string, number, number]> = [
  ['L1', 0.64, 0.72],
  ['L2', 0.26, 0.21],
  ['L3', 0.1, 0.07],
];

/** Values for the step's fields: the meaningful ones by name, the rest by type; optional ones now and then. */
function fieldsFor(step: StepDefinition, event: string, story: TicketStory, decided: Decision, imp: number, at: number): Record<string, unknown> {
  const random = story.random;
  const fields: Record<string, unknown> = {};
  for (const field of step.fields) {
    let value: unknown;
    switch (field.name) {
      case 'level':
        value = weighted(
          random,
          LEVELS.map(([level, before, after]) => [level, before + (after - before) * imp] as const),
        );
        break;
      case 'satisfaction':
        value = field.required || chance(random, 0.85) ? decided.satisfaction : undefined;
        break;
      case 'resolved':
      case 'satisfied':
        value = field.required ? !decided.reopens : chance(random, 0.9);
        break;
      case 'issueSummary':
      case 'request':
        value = story.subject;
        break;
      case 'assignee':
        value = pick(random, staffOf('desk')).email;
        break;
      case 'comment':
      case 'dissatisfactionReason':
        value = decided.satisfaction !== undefined && decided.satisfaction <= 3 ? pick(random, TEXTS[field.name]!) : undefined;
        break;
      case 'callbackAt':
        value = undefined;
        break;
      default:
        value = field.required || chance(random, 0.5) ? sample(field, random, at) : undefined;
    }
    if (value !== undefined && (field.options === undefined || field.options.includes(String(value)))) fields[field.name] = value;
    else if (field.required && value === undefined) fields[field.name] = sample(field, random, at);
  }
  if (event === 'escalate') delete fields.solution;
  return fields;
}

function sample(field: FieldDefinition, random: Random, at: number): unknown {
  switch (field.type) {
    case 'enum':
      return pick(random, field.options ?? ['']);
    case 'boolean':
      return chance(random, 0.5);
    case 'integer':
    case 'number': {
      const min = field.min ?? 0;
      const max = field.max ?? Math.max(min, 10);
      return min + Math.floor(random() * (max - min + 1));
    }
    case 'date':
      return DateTime.fromMillis(at + 24 * HOUR, { zone: TIME_ZONE }).toISODate();
    case 'string':
    case 'text':
      return pick(random, TEXTS[field.name] ?? TEXTS.note!);
    default:
      return unreachable(field.type, 'field type');
  }
}

/** The ticket's person in this team on the shift that picks up work arriving at `at`; chosen once per ticket, team and shift. */
export function agentFor(story: TicketStory, team: Team, at: number): string {
  const shift = team === 'desk' ? deskShift(at) : undefined;
  const key = `${team}:${shift ?? ''}`;
  let agent = story.agents.get(key);
  if (!agent) {
    agent = pick(story.random, staffOf(team, shift)).email;
    story.agents.set(key, agent);
  }
  return agent;
}

/** China has kept UTC+8 all year since 1991: a fixed offset is exact, and far cheaper than a zone lookup per plan. */
const SHANGHAI_OFFSET = 8 * HOUR;

/** The late shift (15:00–22:00) takes what arrives in its hours; the early shift everything else, the night's next morning. */
function deskShift(at: number): 'early' | 'late' {
  const hour = Math.floor((at + SHANGHAI_OFFSET) / HOUR) % 24;
  return hour >= 15 && hour < 22 ? 'late' : 'early';
}
