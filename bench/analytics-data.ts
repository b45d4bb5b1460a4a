/**
 * A large, realistic step log made fast: the analytics section's data, reusable by any section that needs a
 * history (the dashboard timing, the event log). Paths are random walks of the real engine over the
 * built-in SOPs (their step ids, names, owners, closing events, reopen loops and timer reminders); times,
 * people, channels, levels and VIP flags are drawn per ticket; rows go in through the data layer's bulk load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finishHistoryLoad, loadHistory, type HistoryTicket, type HistoryVisit } from '../server/data/analytics/bulk-history.js';
import { createBusinessTime, type BusinessTime } from '../server/engine/time/business-calendar.js';
import { BUILT_IN_CALENDARS } from '../server/engine/time/calendars.js';
import type { StepDefinition, Workflow } from '../server/engine/workflow.js';
import { normal, seededRandom, type Random } from '../server/services/demo/seeded-random.js';
import { CHANNELS } from '../server/services/tickets/channels.js';
import type { Sopflow } from '../server/sopflow.js';
import { randomWalk } from '../test/helpers/random-walk.js';
import { addCoreFacts } from './analytics-facts.js';
import { ABANDON_EVENT } from '../server/services/tickets/ticket-facts.js';

export const BUILT_IN = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;
/** How the tickets spread over the SOPs: inquiries most, then phone and email. */
const MIX: Record<(typeof BUILT_IN)[number], number> = {
  'customer-inquiry': 0.4,
  'phone-service': 0.2,
  'email-support': 0.2,
  'complaint-handling': 0.1,
  'standard-service': 0.1,
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AGENTS = Array.from({ length: 40 }, (_, i) => `agent${String(i + 1).padStart(2, '0')}@bench.example`);
const TICKETS_PER_LOAD = 10_000;
const WALKS_PER_WORKFLOW = 120;

export interface AnalyticsDataOptions {
  tickets: number;
  /** Step-log rows in all: about `stepRows / tickets` visits a ticket, exact in total. */
  stepRows: number;
  /** Tickets are created evenly over [from, from + spanMs). */
  from: number;
  spanMs: number;
  seed?: number;
  log?: (message: string) => void;
}

export interface AnalyticsData {
  tickets: number;
  stepRows: number;
  openTickets: number;
  /** Per built-in SOP key, its tickets. */
  byWorkflow: Record<string, number>;
  generationMs: number;
}

interface PathVisit {
  step: StepDefinition;
  event: string | null;
}

interface Sop {
  key: string;
  versionId: number;
  version: number;
  workflow: Workflow;
  /** Walks of the engine, each a whole path (closed) — prefixes make the open tickets. */
  paths: PathVisit[][];
}

/**
 * Writes `tickets` tickets and exactly `stepRows` step-log rows into an empty database (the built-in SOPs are
 * imported first), in loads of 10,000 tickets, then updates the planner's statistics.
 */
export async function generateAnalyticsData(app: Sopflow, root: string, options: AnalyticsDataOptions): Promise<AnalyticsData> {
  const started = performance.now();
  const random = seededRandom(options.seed ?? 20_261_204);
  const sops: Sop[] = [];
  for (const key of BUILT_IN) {
    const { version } = await app.workflows.import(readFileSync(join(root, 'workflows', `${key}.bpmn`)), 'bench@bench.example');
    sops.push({ key, versionId: version.id, version: version.version, workflow: version.workflow, paths: walks(version.workflow, random) });
  }
  const time = createBusinessTime(BUILT_IN_CALENDARS);
  const customers = Math.max(1, Math.floor(options.tickets / 5));
  await loadHistory(app.db, {
    customers: Array.from({ length: customers }, (_, i) => ({ id: i + 1, name: `Customer ${i + 1}`, externalId: `bench-${i + 1}`, createdAt: options.from })),
    tickets: [],
    visits: [],
  });

  const summary: AnalyticsData = { tickets: 0, stepRows: 0, openTickets: 0, byWorkflow: {}, generationMs: 0 };
  let rowsLeft = options.stepRows;
  let loading: Promise<void> = Promise.resolve();
  for (let first = 0; first < options.tickets; first += TICKETS_PER_LOAD) {
    const tickets: HistoryTicket[] = [];
    const visits: HistoryVisit[] = [];
    for (let i = first; i < Math.min(options.tickets, first + TICKETS_PER_LOAD); i++) {
      const ticketsLeft = options.tickets - i;
      // Short SOPs (phone service) fall short of the mean: the shortfall so far is made up over the next hundred tickets.
      const shortfall = rowsLeft - ticketsLeft * (options.stepRows / options.tickets);
      const mean = Math.max(1, options.stepRows / options.tickets + shortfall / Math.max(1, Math.min(ticketsLeft - 10, 100)));
      // Most tickets near the mean, one in ten a long history (reopened, escalated); the last one takes the rest.
      const want = ticketsLeft === 1 ? rowsLeft : Math.max(1, Math.round(mean * (random() < 0.1 ? 2 : 0.4 + random())));
      const ticket = drawTicket(sops, i, want, ticketsLeft === 1, options, random, time);
      tickets.push(ticket.ticket);
      visits.push(...ticket.visits);
      rowsLeft -= ticket.visits.length;
      summary.tickets += 1;
      summary.stepRows += ticket.visits.length;
      if (ticket.ticket.closedAt === null) summary.openTickets += 1;
      summary.byWorkflow[ticket.ticket.workflowKey] = (summary.byWorkflow[ticket.ticket.workflowKey] ?? 0) + 1;
    }
    // NOTE: PostgreSQL stores one load while the next is drawn here (two processes, two cores).
    await loading;
    loading = loadHistory(app.db, { customers: [], tickets, visits });
    loading.catch(() => undefined);
    options.log?.(`analytics data: ${summary.tickets} tickets, ${summary.stepRows} step-log rows`);
  }
  await loading;
  await finishHistoryLoad(app.db, app.clock.now());
  summary.generationMs = performance.now() - started;
  return summary;
}

/** Engine walks of one SOP, as paths of visits; walks that strand (none should) are left out. */
function walks(workflow: Workflow, random: Random): PathVisit[][] {
  const paths: PathVisit[][] = [];
  for (let i = 0; i < WALKS_PER_WORKFLOW; i++) {
    let walk;
    try {
      walk = randomWalk(workflow, random, 60);
    } catch {
      continue;
    }
    const events = new Map<number, string>();
    const opened: Array<{ visit: number; step: string }> = [];
    for (const result of walk.results) {
      for (const closed of result.visitsClosed) events.set(closed.visit, closed.event);
      opened.push(...result.visitsOpened);
    }
    opened.sort((a, b) => a.visit - b.visit);
    const path = opened.map((v) => ({ step: workflow.steps[v.step]!, event: events.get(v.visit) ?? null }));
    // A walk picks among the allowed events evenly; customers leave before an answer far less often than half the time.
    if (path.some((v) => v.event === ABANDON_EVENT) && random() > 0.1) continue;
    paths.push(path);
  }
  return paths.filter((path) => path.length > 0);
}

function drawTicket(sops: Sop[], index: number, want: number, last: boolean, options: AnalyticsDataOptions, random: Random, time: BusinessTime) {
  // The last ticket takes the rows left: from the SOP with the longest walks.
  const sop = last ? sops.reduce((a, b) => (longest(b) > longest(a) ? b : a)) : pickSop(sops, random);
  const id = index + 1;
  const createdAt = Math.floor(options.from + (index + random()) * (options.spanMs / options.tickets));
  // Most tickets of the last two weeks are still open, and a few older ones are stuck; an open ticket waits
  // in the step its path was cut at. The last ticket is cut to make the total exact.
  const recent = createdAt > options.from + options.spanMs - 14 * DAY;
  const cutShort = last || random() < (recent ? 0.6 : 0.03);
  let path = nearest(sop.paths, cutShort && !last ? want + 1 : want, cutShort, random);
  // The last ticket takes every row left: a ticket that went round its SOP again and again.
  while (last && path.length < want) path = [...path, ...sop.paths[Math.floor(random() * sop.paths.length)]!];
  const cut = cutShort ? path.slice(0, Math.max(1, Math.min(want, last ? want : path.length - 1))) : path;
  const open = cut.length < path.length || path[path.length - 1]!.event === null;
  const channels = sop.workflow.channels.length ? sop.workflow.channels : [...CHANNELS];
  const vip = random() < 0.05;
  const level = random() < 0.1 ? null : (['L1', 'L1', 'L1', 'L1', 'L1', 'L1', 'L2', 'L2', 'L2', 'L3'] as const)[Math.floor(random() * 10)]!;
  const agent = AGENTS[Math.floor(random() * AGENTS.length)]!;
  const visits: HistoryVisit[] = [];
  let at = createdAt;
  cut.forEach(({ step, event }, k) => {
    const last = k === cut.length - 1;
    const exited = last && open ? null : at + duration(step, vip, random);
    const slaMs = (vip ? step.vipSlaMs : undefined) ?? step.slaMs ?? null;
    const actor =
      step.kind === 'automatic' ? 'system' : step.kind === 'wait' ? 'customer' : random() < 0.85 ? agent : AGENTS[Math.floor(random() * AGENTS.length)]!;
    visits.push({
      ticketId: id,
      visit: k + 1,
      step: step.id,
      stepName: step.name,
      owner: step.owner ?? null,
      enteredAt: at,
      exitedAt: exited,
      durationMs: exited === null ? null : exited - at,
      actor: exited === null ? null : actor,
      event: exited === null ? null : (event ?? 'complete'),
      slaMs,
      breached: slaMs !== null && (exited ?? at) - at > slaMs,
      automatic: step.kind === 'automatic',
    });
    if (exited !== null) at = exited;
  });
  const ticket: HistoryTicket = {
    id,
    workflowVersionId: sop.versionId,
    workflowKey: sop.key,
    channel: channels[Math.floor(random() * channels.length)]!,
    subject: `Request ${id} about order ${(id * 7919) % 100_000}`,
    customerId: 1 + (id % Math.max(1, Math.floor(options.tickets / 5))),
    vip,
    level,
    createdAt,
    updatedAt: at,
    closedAt: open ? null : at,
    createdBy: agent,
  };
  // Most closed tickets are rated, mostly well.
  const satisfaction = open || random() < 0.4 ? null : ([1, 2, 3, 3, 4, 4, 4, 5, 5, 5] as const)[Math.floor(random() * 10)]!;
  addCoreFacts({ ticket, visits, workflow: sop.workflow, version: sop.version, satisfaction, now: options.from + options.spanMs }, time);
  return { ticket, visits };
}

const longest = (sop: Sop) => Math.max(...sop.paths.map((path) => path.length));

function pickSop(sops: Sop[], random: Random): Sop {
  let draw = random();
  for (const sop of sops) {
    draw -= MIX[sop.key as keyof typeof MIX];
    if (draw < 0) return sop;
  }
  return sops[0]!;
}

/** A path of about `want` visits (nearest first; with `atLeast`, the shortest that long when there is one). */
function nearest(paths: PathVisit[][], want: number, atLeast: boolean, random: Random): PathVisit[] {
  const start = Math.floor(random() * paths.length);
  const cost = (path: PathVisit[]) => (atLeast && path.length < want ? 1_000 + want - path.length : Math.abs(path.length - want));
  let best = paths[start]!;
  for (let k = 1; k < paths.length && cost(best) > 0; k++) {
    const path = paths[(start + k) % paths.length]!;
    if (cost(path) < cost(best)) best = path;
  }
  return best;
}

/**
 * How long a visit lasts: automatic steps seconds; the customer's steps hours to days; people's work log-normal
 * around 60% of the step's limit (a fifth or so run past it), 30 minutes where a step has none.
 */
function duration(step: StepDefinition, vip: boolean, random: Random): number {
  if (step.kind === 'automatic') return Math.floor(random() * 2_000);
  if (step.kind === 'wait' || step.waitingOnCustomer) return Math.floor(HOUR + random() * 3 * DAY);
  const limit = (vip ? step.vipSlaMs : undefined) ?? step.slaMs ?? 0.5 * HOUR;
  return Math.max(1_000, Math.floor(0.6 * limit * Math.exp(0.6 * normal(random))));
}
