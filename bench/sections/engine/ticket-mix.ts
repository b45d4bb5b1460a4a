import type { FieldDefinition } from '../../../server/engine/workflow.js';

/**
 * How one ticket goes: what the agents enter in each form field, by field name. A list gives the answer
 * for the first, second, ... time the field is asked (the last one repeats), so `resolved: [false, true]`
 * is a ticket reopened once. Fields a plan does not name get a plain value of their type.
 */
export interface TicketPlan {
  label: string;
  /** Tickets of this kind per `MIX_SIZE` tickets. */
  weight: number;
  answers: Record<string, unknown[]>;
}

/** A realistic day of customer inquiries: mostly L1, some L2/L3, some reopened after the follow-up call. */
export const TICKET_PLANS: TicketPlan[] = [
  { label: 'L1, resolved', weight: 13, answers: { level: ['L1'], resolved: [true], satisfaction: [5] } },
  { label: 'L1, reopened once', weight: 2, answers: { level: ['L1'], resolved: [false, true], satisfaction: [2, 4] } },
  { label: 'L2, resolved', weight: 2, answers: { level: ['L2'], resolved: [true], satisfaction: [4] } },
  { label: 'L2, reopened once', weight: 1, answers: { level: ['L2'], resolved: [false, true], satisfaction: [1, 4] } },
  { label: 'L3, resolved', weight: 1, answers: { level: ['L3'], resolved: [true], satisfaction: [3] } },
  { label: 'L3, reopened twice', weight: 1, answers: { level: ['L3'], resolved: [false, false, true], satisfaction: [1, 2, 4] } },
];

/**
 * The order tickets are driven in: each plan `weight` times, spread out by smooth weighted round-robin so
 * the rare paths are not bunched together. The same sequence is used for every engine.
 */
export function ticketSchedule(plans: TicketPlan[]): TicketPlan[] {
  const total = plans.reduce((sum, p) => sum + p.weight, 0);
  const credit = plans.map(() => 0);
  const order: TicketPlan[] = [];
  for (let n = 0; n < total; n++) {
    plans.forEach((p, i) => (credit[i]! += p.weight));
    const best = credit.indexOf(Math.max(...credit));
    credit[best]! -= total;
    order.push(plans[best]!);
  }
  return order;
}

/** The form values of one ticket, handed out field by field as the engine asks for them. */
export class AnswerSheet {
  private readonly asked = new Map<string, number>();

  constructor(private readonly plan: TicketPlan) {}

  fill(fields: FieldDefinition[]): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const field of fields) {
      const times = this.asked.get(field.name) ?? 0;
      this.asked.set(field.name, times + 1);
      const planned = this.plan.answers[field.name];
      values[field.name] = planned?.length ? planned[Math.min(times, planned.length - 1)] : plainValue(field);
    }
    return values;
  }
}

function plainValue(field: FieldDefinition): unknown {
  switch (field.type) {
    case 'enum':
      return field.options?.[0];
    case 'boolean':
      return true;
    case 'number':
    case 'integer':
      return field.max ?? field.min ?? 1;
    case 'date':
      return '2026-01-05';
    case 'string':
    case 'text':
      return `${field.label ?? field.name} as entered by the benchmark`;
  }
}

/** Simulated time: every engine call happens a few minutes after the previous one. */
export class SimulatedClock {
  constructor(private nowMs = Date.parse('2026-01-05T09:00:00Z')) {}

  next(stepMs = 7 * 60_000): number {
    this.nowMs += stepMs;
    return this.nowMs;
  }
}

/** Drives whole tickets through one engine. */
export interface TicketDriver {
  name: string;
  /**
   * Drives one ticket from start to close and returns the steps applied (start counts as one). `probe`
   * collects the steps handled, in order, and/or the latency of each step in ms.
   */
  runTicket(plan: TicketPlan, probe?: TicketProbe): number | Promise<number>;
}

export interface TicketProbe {
  path?: string[];
  latenciesMs?: number[];
  stateBytes?: { total: number };
}

/** A ticket that would loop for ever is a bench bug (a plan whose answers never close it). */
export const MAX_STEPS_PER_TICKET = 100;
