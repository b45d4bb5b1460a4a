import { dueAt, durationMs, parseCycle, validateTimer } from '../../../server/engine/time/iso8601.js';

const t0 = Date.parse('2026-01-05T09:00:00Z');

describe('ISO 8601 timer maths', () => {
  test('durations of every unit', () => {
    expect(durationMs('PT5M')).toBe(5 * 60_000);
    expect(durationMs('PT1H30M')).toBe(90 * 60_000);
    expect(durationMs('P2D')).toBe(2 * 86_400_000);
    expect(durationMs('P1W')).toBe(7 * 86_400_000);
    expect(durationMs('PT0.5S')).toBe(500);
  });

  test('a duration timer is due once, after the duration', () => {
    expect(dueAt({ type: 'duration', value: 'PT2H' }, t0)).toBe(t0 + 2 * 3_600_000);
    expect(dueAt({ type: 'duration', value: 'PT2H' }, t0, 2)).toBeUndefined();
  });

  test('calendar months are added on the calendar, not as 30 days', () => {
    expect(new Date(dueAt({ type: 'duration', value: 'P1M' }, Date.parse('2026-01-31T00:00:00Z'))!).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });

  test('a date timer is due at its date, honouring the offset', () => {
    expect(dueAt({ type: 'date', value: '2026-12-01T09:00:00+08:00' }, t0)).toBe(Date.parse('2026-12-01T01:00:00Z'));
  });

  test('cycles repeat every interval, bounded by R<n>', () => {
    const every4h = { type: 'cycle' as const, value: 'R/PT4H' };
    expect([1, 2, 3].map((n) => dueAt(every4h, t0, n))).toEqual([1, 2, 3].map((n) => t0 + n * 4 * 3_600_000));
    const thrice = { type: 'cycle' as const, value: 'R3/PT10M' };
    expect(dueAt(thrice, t0, 3)).toBe(t0 + 30 * 60_000);
    expect(dueAt(thrice, t0, 4)).toBeUndefined();
  });

  test('a cycle with a start date fires on its grid, skipping what is past', () => {
    const daily = { type: 'cycle' as const, value: 'R/2020-01-01T08:00:00Z/P1D' };
    expect(new Date(dueAt(daily, t0)!).toISOString()).toBe('2026-01-06T08:00:00.000Z');
    expect(new Date(dueAt(daily, t0, 2)!).toISOString()).toBe('2026-01-07T08:00:00.000Z');
    expect(parseCycle('R5/2026-01-01T00:00:00Z/PT1H').repetitions).toBe(5);
  });

  test.each([
    ['duration', '1w', /not an ISO 8601 duration/],
    ['duration', '${delay}', /expression timer/],
    ['duration', '=PT5M', /expression timer/],
    ['date', 'tomorrow', /not an ISO 8601 date-time/],
    ['cycle', '0 0/5 * * * ?', /cron cycle/],
    ['cycle', 'R/PT0S', /longer than zero/],
    ['cycle', 'PT4H', /repeating interval/],
  ] as const)('rejects %s %s with a precise reason', (type, value, reason) => {
    expect(validateTimer({ type, value })).toMatch(reason);
  });

  test('accepts what modelers write', () => {
    for (const [type, value] of [
      ['duration', 'PT15S'],
      ['date', '2026-03-01T10:00:00Z'],
      ['cycle', 'R3/PT10H'],
      ['cycle', 'R/P1D'],
    ] as const) {
      expect(validateTimer({ type, value })).toBeUndefined();
    }
  });
});
