/**
 * The metric engine's columns for a generated ticket, as the ticket runtime would have kept them: the whole
 * history is handed to the runtime's own fold (`factsAfter`) one engine result a step, and the rows get what
 * the runtime writes beside each visit (business time, waiting, the agent, the step a loop came back from).
 * Warnings are the reminders a punctual scheduler would have sent: a step's when its warning timer fell due
 * while the visit was still open (by `now` for a visit still open), the ticket's when its resolution clock
 * passed the warning share of its limit before the ticket closed (or by `now`).
 */
import type { HistoryTicket, HistoryVisit } from '../server/data/analytics/bulk-history.js';
import { FACT_COLUMNS, factValues } from '../server/data/tickets/ticket-rows.js';
import { resolutionLimit, ticketCalendar } from '../server/engine/resolution-clock.js';
import type { Reminder, StepVisit, TicketState } from '../server/engine/ticket-state.js';
import type { BusinessTime } from '../server/engine/time/business-calendar.js';
import { DEFAULT_WARN_AT, type Workflow } from '../server/engine/workflow.js';
import { agentOf, DEFAULT_FACT_SETTINGS, factsAfter, newFacts, SATISFACTION_FIELD } from '../server/services/tickets/ticket-facts.js';

export interface FactsInput {
  ticket: HistoryTicket;
  visits: HistoryVisit[];
  workflow: Workflow;
  version: number;
  /** The follow-up score the customer gave, if any. */
  satisfaction: number | null;
  /** The instant the history is as of: open visits and tickets have run until then. */
  now: number;
}

/** Sets `extra` on the ticket and each visit: the columns the analytics migration added. */
export function addCoreFacts({ ticket, visits, workflow, version, satisfaction, now }: FactsInput, time: BusinessTime): void {
  const state: TicketState = { machine: null, openVisits: [], timers: [], seq: 0, vip: ticket.vip, done: ticket.closedAt !== null };
  const calendar = ticketCalendar(workflow, state);
  const closed: StepVisit[] = [];
  /** The warnings sent while a visit was open, by visit; those of visits still open and of the ticket's clock go with the last result. */
  const warned = new Map<number, Reminder[]>();
  const pending: Reminder[] = [];
  for (const v of visits) {
    const step = workflow.steps[v.step];
    if (v.slaMs !== null && step && step.kind !== 'automatic') {
      // The timer the runtime arms when the visit opens (limitTimers): warnAt of the limit, in business time.
      const due = time.add(v.enteredAt, Math.round(v.slaMs * (step.warnAt ?? DEFAULT_WARN_AT)), step.calendar ?? calendar);
      const reminder: Reminder = { kind: 'sla-warning', at: due, step: v.step };
      if (v.exitedAt === null && due < now) pending.push(reminder);
      else if (v.exitedAt !== null && due < v.exitedAt) warned.set(v.visit, [reminder]);
    }
    if (v.exitedAt === null) {
      state.openVisits.push({ visit: v.visit, step: v.step, enteredAt: v.enteredAt, breached: false, ...(v.slaMs === null ? {} : { slaMs: v.slaMs }) });
      continue;
    }
    const visit: StepVisit = {
      visit: v.visit,
      step: v.step,
      stepName: v.stepName,
      enteredAt: v.enteredAt,
      exitedAt: v.exitedAt,
      durationMs: v.durationMs ?? 0,
      businessMs: time.between(v.enteredAt, v.exitedAt, step?.calendar ?? calendar),
      actor: v.actor ?? 'system',
      event: v.event ?? 'complete',
      breached: v.breached,
      automatic: v.automatic,
      ...(v.slaMs === null ? {} : { slaMs: v.slaMs }),
    };
    closed.push(visit);
  }
  const byVisit = new Map(closed.map((v) => [v.visit, v]));
  const slaMs = resolutionLimit(workflow, ticket.vip, ticket.level);
  if (slaMs !== undefined) {
    const usedMs = time.between(ticket.createdAt, ticket.closedAt ?? now, calendar);
    state.resolution = { slaMs, usedMs, breached: usedMs > slaMs };
    if (usedMs > Math.round(slaMs * DEFAULT_WARN_AT))
      pending.push({ kind: 'ticket-sla-warning', at: time.add(ticket.createdAt, Math.round(slaMs * DEFAULT_WARN_AT), calendar) });
  }
  const fields: Record<string, unknown> = {
    ...(ticket.level === null ? {} : { level: ticket.level }),
    ...(satisfaction === null ? {} : { [SATISFACTION_FIELD]: satisfaction }),
  };
  // One engine result per step taken, as the runtime folds them: loop-backs are judged from the step left.
  const running: TicketState = { ...state, openVisits: [], done: false };
  delete running.resolution;
  let facts = newFacts();
  const reworkFrom = new Map<number, string>();
  const opened = (v: HistoryVisit | undefined) => (v ? [{ visit: v.visit, step: v.step, enteredAt: v.enteredAt, breached: false }] : []);
  for (let k = -1; k < visits.length; k++) {
    const left = k >= 0 ? byVisit.get(visits[k]!.visit) : undefined;
    if (k >= 0 && !left) break;
    const last = k + 1 >= visits.length || !byVisit.has(visits[k + 1]!.visit);
    const moved = factsAfter(
      facts,
      {
        state: last ? state : running,
        visitsClosed: left ? [left] : [],
        visitsOpened: opened(visits[k + 1]),
        reminders: [...((left && warned.get(left.visit)) ?? []), ...(last ? pending : [])],
        fields,
        done: last && state.done,
      },
      { workflow, createdAt: ticket.createdAt, now: left?.exitedAt ?? ticket.createdAt, time, settings: DEFAULT_FACT_SETTINGS, before: undefined },
    );
    facts = moved.facts;
    for (const [visit, from] of moved.reworkFrom) reworkFrom.set(visit, from);
  }
  const values = factValues(facts);
  ticket.extra = { version, ...Object.fromEntries(FACT_COLUMNS.map((column, i) => [column, values[i]!])) };
  for (const v of visits) {
    const visit = byVisit.get(v.visit);
    const step = workflow.steps[v.step];
    v.extra = {
      business_ms: visit?.businessMs ?? null,
      waiting: step?.waitingOnCustomer ?? false,
      agent: (visit && agentOf(visit, step)) ?? null,
      rework_from: reworkFrom.get(v.visit) ?? null,
    };
  }
}
