import { bootstrapMeanDifference, proportionDifference, verdictOf } from '../../../server/services/analytics/compare.js';
import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { ANN, BOB, DAY, HOUR, KPI_SOP, MIN, ticket, type TestApp } from './support/scenario.js';

describe('comparison intervals', () => {
  test('the bootstrap interval of a constant difference is that difference; it is seeded, so repeatable', () => {
    expect(bootstrapMeanDifference([10, 10, 10], [4, 4, 4, 4])).toEqual([-6, -6]);
    const a = Array.from({ length: 40 }, (_, i) => 100 + (i % 7) * 10);
    const b = Array.from({ length: 40 }, (_, i) => 60 + (i % 5) * 10);
    const ci = bootstrapMeanDifference(a, b)!;
    // means 128.5 and 80: the interval holds −48.5 and lies below 0
    expect(ci[0]).toBeLessThan(-48.5);
    expect(ci[1]).toBeGreaterThan(-48.5);
    expect(ci[1]).toBeLessThan(0);
    expect(bootstrapMeanDifference(a, b)).toEqual(ci);
    expect(bootstrapMeanDifference([1], [1, 2])).toBeNull();
  });

  test("Newcombe's interval of two rates, and the verdict needs the whole interval on one side", () => {
    // 2 of 6 against 0 of 6, worked out by hand: Wilson intervals [0.096771, 0.700007] and [0, 0.390334];
    // −1/3 − √(0² + 0.366674²) and −1/3 + √(0.390334² + 0.236562²)
    const [low, high] = proportionDifference(2, 6, 0, 6)!;
    expect(low).toBeCloseTo(-0.700007, 5);
    expect(high).toBeCloseTo(0.123091, 5);
    // all or nothing, 0 of 5 against 5 of 5: Wilson [0, 0.434482] and [0.565518, 1]; 1 ∓ √(2 · 0.434482²)
    const [up, top] = proportionDifference(0, 5, 5, 5)!;
    expect(up).toBeCloseTo(0.385549, 5);
    expect(top).toBeCloseTo(1, 9);
    expect(verdictOf([up, top], true)).toBe('better');
    expect(proportionDifference(1, 0, 1, 2)).toBeNull();
    expect(verdictOf([-6, -1], false)).toBe('better');
    expect(verdictOf([-6, -1], true)).toBe('worse');
    expect(verdictOf([1, 6], true)).toBe('better');
    expect(verdictOf([-1, 6], true)).toBe('no-evidence');
    expect(verdictOf([1, 6], null)).toBe('no-evidence');
    expect(verdictOf(null, true)).toBe('no-evidence');
  });
});

eachDatabase('before/after', (database) => {
  let app: TestApp;
  afterEach(() => app?.close());

  test('two versions (and the two periods they ran in) side by side, with intervals and verdicts', async () => {
    app = await openTestSopflow(database(), { workflows: [] });
    await app.workflows.import(KPI_SOP, ANN);
    // version 1: four answered after 10 min, two abandoned
    for (let i = 0; i < 6; i++) {
      const moves: Array<[number, string, string]> =
        i < 4
          ? [
              [10, 'answer', ANN],
              [20, 'resolve', ANN],
              [30, 'close', BOB],
            ]
          : [[2, 'abandon', 'ivr@kpi.test']];
      await ticket(app, T0 + i * HOUR, 'phone', moves);
    }
    app.clock.set(T0 + DAY);
    await app.workflows.import(KPI_SOP.replace('sla="PT5M"', 'sla="PT4M"'), ANN);
    // version 2: six answered after 4 min
    for (let i = 0; i < 6; i++)
      await ticket(app, T0 + DAY + i * HOUR, 'phone', [
        [4, 'answer', ANN],
        [14, 'resolve', ANN],
        [24, 'close', BOB],
      ]);

    const base = { workflow: 'kpi-sop', from: T0, to: T0 + 2 * DAY };
    const byVersion = await app.analytics.compare({ ...base, version: 1 }, { ...base, version: 2 });
    const byPeriod = await app.analytics.compare({ ...base, to: T0 + DAY }, { ...base, from: T0 + DAY });
    expect(byPeriod.rows).toEqual(byVersion.rows);
    const row = (kpi: string) => byVersion.rows.find((r) => r.kpi === kpi);
    // every answered ticket took exactly 10 min, then exactly 4: every resample differs by −6 min
    expect(row('firstResponse')).toEqual({
      kpi: 'firstResponse',
      a: 10 * MIN,
      b: 4 * MIN,
      nA: 4,
      nB: 6,
      difference: -6 * MIN,
      ci95: [-6 * MIN, -6 * MIN],
      verdict: 'better',
    });
    // AHT 30 min (10 + 10 + 10) against 24 min (4 + 10 + 10)
    expect(row('aht')).toMatchObject({ a: 30 * MIN, b: 24 * MIN, difference: -6 * MIN, ci95: [-6 * MIN, -6 * MIN], verdict: 'better' });
    // abandonment 2 of 6 against 0 of 6: the interval (worked out above) still reaches above 0, so no claim is made
    const abandonment = row('abandonment')!;
    expect(abandonment).toMatchObject({ a: 1 / 3, b: 0, nA: 6, nB: 6, verdict: 'no-evidence' });
    expect(abandonment.ci95![0]).toBeCloseTo(-0.700007, 5);
    expect(abandonment.ci95![1]).toBeCloseTo(0.123091, 5);
    // no CSAT on either side: nothing to say
    expect(row('csat')).toEqual({ kpi: 'csat', a: null, b: null, nA: 0, nB: 0, difference: null, ci95: null, verdict: 'no-evidence' });
  });
});
