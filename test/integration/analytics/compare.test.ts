import { bootstrapMedianDifference, medianWindow, proportionDifference, verdictOf, welchMeanDifference } from '../../../server/services/analytics/compare.js';
import { BOOTSTRAP_MIN_VALUES } from '../../../server/services/analytics/definitions.js';
import { studentQuantile } from '../../../server/services/analytics/statistics.js';
import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { ANN, BOB, DAY, HOUR, KPI_SOP, MIN, ticket, type TestApp } from './support/scenario.js';

const moments = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { n: values.length, mean, variance: values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) };
};
const sorted = (values: number[]) => ({ n: values.length, offset: 0, values: [...values].sort((x, y) => x - y) });

describe('comparison intervals', () => {
  test("Student's t quantiles are the tables'", () => {
    // t(0.975) for 1, 2, 10 and 30 degrees of freedom, and the normal's for very many
    expect(studentQuantile(0.975, 1)).toBeCloseTo(12.706205, 5);
    expect(studentQuantile(0.975, 2)).toBeCloseTo(4.302653, 5);
    expect(studentQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
    expect(studentQuantile(0.975, 1e9)).toBeCloseTo(1.959964, 5);
  });

  test("Welch's interval of two means; a constant difference is that difference", () => {
    // scipy.stats.ttest_ind([3..8], [1..5], equal_var=False).confidence_interval(): (0.145047356, 4.854952644);
    // by hand: means 3 and 5.5, variances 2.5 and 3.5, se² = 0.5 + 0.58333, Welch df 8.9894, t = 2.262564
    const [low, high] = welchMeanDifference(moments([1, 2, 3, 4, 5]), moments([3, 4, 5, 6, 7, 8]))!;
    expect(low).toBeCloseTo(0.145047356, 8);
    expect(high).toBeCloseTo(4.854952644, 8);
    // scipy, 3 against 7 values of unequal spread: (1.305735852, 16.694264148)
    const [up, top] = welchMeanDifference(moments([10, 12, 9, 15, 11, 14, 13]), moments([20, 18, 25]))!;
    expect(up).toBeCloseTo(1.305735852, 8);
    expect(top).toBeCloseTo(16.694264148, 8);
    expect(welchMeanDifference(moments([10, 10, 10]), moments([4, 4, 4, 4]))).toEqual([-6, -6]);
    expect(welchMeanDifference(moments([1]), moments([1, 2]))).toBeNull();
  });

  test("the bootstrap interval of two medians draws each resample's median from its exact law; seeded, so repeatable", () => {
    // A = 1..101 (median rank 51) against B = {0, 0}: B − A = −x_K, K the median rank of a resample of A, and
    // P(K ≤ j) = P(Binomial(101, j/101) ≥ 51): its 2.5% and 97.5% points are 41 and 61 (scipy.stats.binom),
    // as a brute-force bootstrap of 200,000 resamples of 101 values finds too
    const a = sorted(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(bootstrapMedianDifference(a, sorted([0, 0]))).toEqual([-61, -41]);
    expect(bootstrapMedianDifference(a, sorted([0, 0]))).toEqual(bootstrapMedianDifference(a, sorted([0, 0])));
    expect(bootstrapMedianDifference(sorted([10, 10, 10]), sorted([4, 4, 4, 4]))).toEqual([-6, -6]);
    expect(bootstrapMedianDifference(sorted([1]), sorted([1, 2]))).toBeNull();
    // a window around the median is as good as the whole side: ±(5√n + 5) ranks
    const many = Array.from({ length: 10_000 }, (_, i) => i * 3);
    const { offset, limit } = medianWindow(many.length);
    expect({ offset, limit }).toEqual({ offset: 4494, limit: 1011 });
    const windowed = { n: many.length, offset, values: many.slice(offset, offset + limit) };
    expect(bootstrapMedianDifference(sorted([0, 0]), windowed)).toEqual(bootstrapMedianDifference(sorted([0, 0]), sorted(many)));
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
    const row = (kpi: string, statistic = 'mean') => byVersion.rows.find((r) => r.kpi === kpi && (r.statistic === statistic || r.statistic === 'rate'));
    // every answered ticket took exactly 10 min, then exactly 4: no spread, so the interval is the difference itself
    expect(row('firstResponse')).toEqual({
      kpi: 'firstResponse',
      statistic: 'mean',
      method: 'welch-mean',
      a: 10 * MIN,
      b: 4 * MIN,
      nA: 4,
      nB: 6,
      difference: -6 * MIN,
      ci95: [-6 * MIN, -6 * MIN],
      verdict: 'better',
    });
    // and every resample's median differs by −6 min too; but four and six tickets are too few for a median's
    // verdict (BOOTSTRAP_MIN_VALUES a side): the interval is shown, "better" is not claimed
    expect(row('firstResponse', 'median')).toEqual({
      kpi: 'firstResponse',
      statistic: 'median',
      method: 'bootstrap-median',
      a: 10 * MIN,
      b: 4 * MIN,
      nA: 4,
      nB: 6,
      difference: -6 * MIN,
      ci95: [-6 * MIN, -6 * MIN],
      verdict: 'no-evidence',
    });
    // resolution: 30 min for the four answered and 2 min for the two abandoned, against 24 min for all six;
    // the median of A is the 3rd of 6 (2, 2, 30, 30, 30, 30): 30 min
    expect(row('resolution', 'median')).toMatchObject({ a: 30 * MIN, b: 24 * MIN, nA: 6, nB: 6, difference: -6 * MIN });
    // AHT 30 min (10 + 10 + 10) against 24 min (4 + 10 + 10)
    expect(row('aht')).toMatchObject({ a: 30 * MIN, b: 24 * MIN, difference: -6 * MIN, ci95: [-6 * MIN, -6 * MIN], verdict: 'better' });
    // abandonment 2 of 6 against 0 of 6: the interval (worked out above) still reaches above 0, so no claim is made
    const abandonment = row('abandonment')!;
    expect(abandonment).toMatchObject({ a: 1 / 3, b: 0, nA: 6, nB: 6, verdict: 'no-evidence' });
    expect(abandonment.ci95![0]).toBeCloseTo(-0.700007, 5);
    expect(abandonment.ci95![1]).toBeCloseTo(0.123091, 5);
    // no CSAT on either side: nothing to say
    expect(row('csat')).toEqual({
      kpi: 'csat',
      statistic: 'mean',
      method: 'welch-mean',
      a: null,
      b: null,
      nA: 0,
      nB: 0,
      difference: null,
      ci95: null,
      verdict: 'no-evidence',
    });
    expect(byVersion.rows.map((r) => `${r.kpi} ${r.statistic}`)).toEqual([
      'firstResponse mean',
      'firstResponse median',
      'aht mean',
      'resolution mean',
      'resolution median',
      'waitingOnCustomer mean',
      'csat mean',
      'fcr rate',
      'abandonment rate',
      'slaTicket rate',
      'reopenRate rate',
      'complaintRate rate',
      'csatSatisfied rate',
    ]);
  });

  test('with BOOTSTRAP_MIN_VALUES tickets a side, the same steady change of the median is called better', async () => {
    app = await openTestSopflow(database(), { workflows: [] });
    await app.workflows.import(KPI_SOP, ANN);
    const answeredAfter = async (minutes: number, from: number) => {
      for (let i = 0; i < BOOTSTRAP_MIN_VALUES; i++) await ticket(app, from + i * 10 * MIN, 'phone', [[minutes, 'answer', ANN]]);
    };
    await answeredAfter(10, T0);
    await answeredAfter(4, T0 + DAY);
    app.clock.set(T0 + 2 * DAY);
    const base = { workflow: 'kpi-sop', from: T0, to: T0 + 2 * DAY };
    const { rows } = await app.analytics.compare({ ...base, to: T0 + DAY }, { ...base, from: T0 + DAY });
    expect(rows.find((r) => r.kpi === 'firstResponse' && r.statistic === 'median')).toMatchObject({
      nA: BOOTSTRAP_MIN_VALUES,
      nB: BOOTSTRAP_MIN_VALUES,
      ci95: [-6 * MIN, -6 * MIN],
      verdict: 'better',
    });
  });
});
