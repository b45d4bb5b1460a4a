import { DateTime } from 'luxon';
import { planArrivals, TIME_ZONE, type ArrivalPlan } from '../../../server/services/demo/arrivals.js';
import { T0 } from '../../helpers/sopflow.js';

// The demo's arrival plan is pure: checked here without a database.

const WEEK = 7 * 24 * 3_600_000;
const ANY: string[] = [];
const PLAN: ArrivalPlan = {
  tickets: 6000,
  from: T0 - 8 * WEEK,
  to: T0,
  seed: 11,
  improvement: (at) => (at > T0 - 4 * WEEK ? 1 : 0),
  workflows: [
    { key: 'customer-inquiry', channels: ANY },
    { key: 'complaint-handling', channels: ANY },
    { key: 'email-support', channels: ['email'] },
    { key: 'phone-service', channels: ['phone'] },
    { key: 'standard-service', channels: ANY },
  ],
};

describe('demo arrivals', () => {
  const arrivals = planArrivals(PLAN);
  const local = (at: number) => DateTime.fromMillis(at, { zone: TIME_ZONE });

  test('come in order, in whole seconds, inside the period, the same for the same seed', () => {
    expect(arrivals).toHaveLength(6000);
    expect(arrivals.every((a, i) => i === 0 || a.at >= arrivals[i - 1]!.at)).toBe(true);
    expect(arrivals.every((a) => a.at >= PLAN.from && a.at < PLAN.to && a.at % 1000 === 0)).toBe(true);
    expect(planArrivals(PLAN)).toEqual(arrivals);
    expect(planArrivals({ ...PLAN, seed: 12 })).not.toEqual(arrivals);
  });

  test('crowd into Chinese working hours on working days', () => {
    const weekday = arrivals.filter((a) => local(a.at).weekday <= 5);
    const businessHours = weekday.filter((a) => local(a.at).hour >= 9 && local(a.at).hour < 18);
    const night = arrivals.filter((a) => local(a.at).hour < 6);
    // 40 weekdays against 16 weekend days, yet more than 3 in 4 tickets
    expect(weekday.length / arrivals.length).toBeGreaterThan(0.75);
    expect(businessHours.length / arrivals.length).toBeGreaterThan(0.5);
    expect(night.length / arrivals.length).toBeLessThan(0.04);
  });

  test('use only channels a workflow serves, and staffed channels only when staffed', () => {
    for (const a of arrivals) {
      if (a.workflow === 'phone-service') expect(a.channel).toBe('phone');
      if (a.workflow === 'email-support') expect(a.channel).toBe('email');
    }
    const phoneHours = new Set(arrivals.filter((a) => a.channel === 'phone').map((a) => local(a.at).hour));
    expect([...phoneHours].every((h) => h >= 8 && h < 22)).toBe(true);
    expect(new Set(arrivals.map((a) => a.channel)).size).toBe(7);
  });

  test('bring customers back, on other channels too, about 8% of them VIP, and fewer complaints after the optimization', () => {
    const byCustomer = new Map<string, Set<string>>();
    for (const a of arrivals) byCustomer.set(a.customer.externalId, (byCustomer.get(a.customer.externalId) ?? new Set()).add(a.channel));
    expect(byCustomer.size).toBeLessThan(arrivals.length * 0.7);
    expect([...byCustomer.values()].filter((c) => c.size > 1).length).toBeGreaterThan(arrivals.length * 0.1);
    const vip = arrivals.filter((a) => a.customer.vip).length / arrivals.length;
    expect(vip).toBeGreaterThan(0.05);
    expect(vip).toBeLessThan(0.11);
    const complaints = (from: number, to: number) => {
      const period = arrivals.filter((a) => a.at >= from && a.at < to);
      return period.filter((a) => a.workflow === 'complaint-handling').length / period.length;
    };
    expect(complaints(T0 - 4 * WEEK, T0)).toBeLessThan(complaints(PLAN.from, T0 - 4 * WEEK) * 0.8);
  });
});
