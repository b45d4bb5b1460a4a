import { DateTime } from 'luxon';
import { BUILT_IN_CALENDARS } from '../../engine/time/calendars.js';
import { customerName, subjectFor } from './demo-people.js';
import { chance, normal, seededRandom, weighted, type Random } from './seeded-random.js';

/** A customer of the demo: the same person comes back, on other channels too. */
export interface DemoCustomer {
  n: number;
  name: string;
  externalId: string;
  vip: boolean;
}

/** One ticket to open: when, through which SOP and channel, for whom. */
export interface Arrival {
  /** The ticket's number in this run, in order of arrival: it seeds the ticket's own random stream. */
  index: number;
  at: number;
  workflow: string;
  channel: string;
  customer: DemoCustomer;
  subject: string;
}

export interface ArrivalPlan {
  tickets: number;
  from: number;
  to: number;
  seed: number;
  /** The SOPs to use, with the channels each serves (empty: every channel). */
  workflows: ReadonlyArray<{ key: string; channels: readonly string[] }>;
  /** 0 before the optimization, 1 once it has taken effect. */
  improvement: (at: number) => number;
}

export const TIME_ZONE = 'Asia/Shanghai';
const HOUR = 3_600_000;

/** Relative arrivals per local hour: a morning peak, a lunch dip, an afternoon peak, quiet nights. */
const WORKDAY_HOURS = [0.08, 0.05, 0.04, 0.04, 0.05, 0.08, 0.15, 0.3, 0.65, 1.0, 1.15, 1.1, 0.8, 0.85, 1.05, 1.1, 1.0, 0.9, 0.7, 0.6, 0.55, 0.45, 0.3, 0.15];
/** Weekends and public holidays: about half the volume, spread more evenly. */
const DAY_OFF_HOURS = [0.1, 0.06, 0.05, 0.05, 0.05, 0.07, 0.1, 0.18, 0.3, 0.42, 0.5, 0.52, 0.5, 0.5, 0.52, 0.52, 0.5, 0.45, 0.42, 0.42, 0.4, 0.35, 0.25, 0.15];

const CHANNEL_WEIGHTS: Record<string, number> = { phone: 0.3, chat: 0.26, app: 0.14, email: 0.1, social: 0.1, store: 0.05, 'self-service': 0.05 };
/** Local opening hours of the channels people staff; the others take requests around the clock. */
const CHANNEL_HOURS: Record<string, [number, number]> = { phone: [8, 22], store: [10, 21] };

const WORKFLOW_WEIGHTS: Record<string, number> = {
  'customer-inquiry': 0.36,
  'standard-service': 0.2,
  'phone-service': 0.18,
  'email-support': 0.13,
  'complaint-handling': 0.13,
};

const RETURNING_CUSTOMER = 0.4;
const VIP_SHARE = 0.08;

const workdays = BUILT_IN_CALENDARS['cn-workdays']!;
const holidays = new Set(workdays.holidays ?? []);
const makeUpDays = new Set(Object.keys(workdays.workdays ?? {}));

function isDayOff(local: DateTime): boolean {
  const date = local.toISODate()!;
  if (makeUpDays.has(date)) return false;
  return holidays.has(date) || local.weekday >= 6;
}

/**
 * Arrival times, workflows, channels and customers for a whole run, in order. Busy on working days in
 * Chinese business hours (Asia/Shanghai, with the official holidays and make-up workdays), quiet at night;
 * each day a little busier or quieter than the pattern; complaints fall off once the optimization works.
 */
export function planArrivals(plan: ArrivalPlan): Arrival[] {
  const random = seededRandom(plan.seed);
  const times = arrivalTimes(plan, random);
  const customers: DemoCustomer[] = [];
  return times.map((at, index) => {
    const local = DateTime.fromMillis(at, { zone: TIME_ZONE });
    const open = (channel: string) => {
      const hours = CHANNEL_HOURS[channel];
      return !hours || (local.hour >= hours[0] && local.hour < hours[1]);
    };
    const channelsOf = (allowed: readonly string[]) => (allowed.length ? allowed : Object.keys(CHANNEL_WEIGHTS)).filter(open);
    const complaintFactor = 1 - 0.35 * plan.improvement(at);
    const workflow = weighted(
      random,
      plan.workflows.map((w) => {
        const base = WORKFLOW_WEIGHTS[w.key] ?? 0.1;
        const factor = w.key === 'complaint-handling' ? complaintFactor : 1;
        return [w, channelsOf(w.channels).length ? base * factor : 0] as const;
      }),
    );
    const channel = weighted(
      random,
      channelsOf(workflow.channels).map((c) => [c, CHANNEL_WEIGHTS[c] ?? 0.05] as const),
    );
    let customer: DemoCustomer;
    if (customers.length >= 20 && chance(random, RETURNING_CUSTOMER)) {
      // Recent customers come back more often than old ones.
      customer = customers[customers.length - 1 - Math.floor(customers.length * random() ** 2)]!;
    } else {
      const n = customers.length + 1;
      customer = { n, name: customerName(n), externalId: `demo-${String(n).padStart(5, '0')}`, vip: chance(random, VIP_SHARE) };
      customers.push(customer);
    }
    return { index, at, workflow: workflow.key, channel, customer, subject: subjectFor(workflow.key, random) };
  });
}

/** `plan.tickets` instants in [from, to), whole seconds, sorted, drawn from the hourly pattern. */
function arrivalTimes(plan: ArrivalPlan, random: Random): number[] {
  const first = Math.floor(plan.from / HOUR) * HOUR;
  const slots: Array<{ start: number; weight: number }> = [];
  let dayFactor = 1;
  let day = '';
  for (let start = first; start < plan.to; start += HOUR) {
    const local = DateTime.fromMillis(start, { zone: TIME_ZONE });
    const date = local.toISODate()!;
    if (date !== day) {
      day = date;
      dayFactor = Math.exp(0.15 * normal(random));
    }
    const hours = isDayOff(local) ? DAY_OFF_HOURS : WORKDAY_HOURS;
    const from = Math.max(start, plan.from);
    const share = (Math.min(start + HOUR, plan.to) - from) / HOUR;
    slots.push({ start: from, weight: hours[local.hour]! * dayFactor * share });
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const slot of slots) cumulative.push((total += slot.weight));
  const times: number[] = [];
  for (let i = 0; i < plan.tickets; i++) {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! <= r) lo = mid + 1;
      else hi = mid;
    }
    const slot = slots[lo]!;
    const end = Math.min(slot.start + HOUR, plan.to);
    const exact = slot.start + random() * (end - slot.start);
    // Whole seconds, as people see them; within the slot (only a slot shorter than a second keeps the fraction).
    let at = Math.ceil(exact / 1000) * 1000;
    if (at >= end) at -= 1000;
    times.push(at >= slot.start ? at : Math.floor(exact));
  }
  return times.sort((a, b) => a - b);
}
