import { firstRunAt, periodBefore, periodContaining, runAt } from '../../../server/services/reports/periods.js';

const SHANGHAI = 'Asia/Shanghai';
const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);

describe('report periods: days, ISO weeks and months in the report’s time zone', () => {
  test('a day in Shanghai runs from local midnight (16:00 UTC the day before) to the next', () => {
    // 2026-11-23 07:59 UTC is 15:59 in Shanghai; 16:00 UTC is already the 24th there.
    expect(periodContaining('daily', at('2026-11-23T07:59:00Z'), SHANGHAI)).toEqual({
      from: at('2026-11-22T16:00:00Z'),
      to: at('2026-11-23T16:00:00Z'),
      label: '2026-11-23',
    });
    expect(periodContaining('daily', at('2026-11-23T16:00:00Z'), SHANGHAI).label).toBe('2026-11-24');
    expect(periodContaining('daily', at('2026-11-23T15:59:59.999Z'), SHANGHAI).label).toBe('2026-11-23');
  });

  test('a week starts on Monday and is labelled by its ISO week, across a year’s end', () => {
    // Thursday 2026-11-26: week 48, Monday 23rd to Monday 30th.
    expect(periodContaining('weekly', at('2026-11-26T12:00:00Z'), SHANGHAI)).toEqual({
      from: at('2026-11-22T16:00:00Z'),
      to: at('2026-11-29T16:00:00Z'),
      label: '2026-W48',
    });
    // Thursday 2026-12-31 belongs to ISO week 53 of 2026; Friday 2027-01-01 too.
    expect(periodContaining('weekly', at('2027-01-01T04:00:00Z'), SHANGHAI).label).toBe('2026-W53');
    expect(periodContaining('weekly', at('2027-01-04T04:00:00Z'), SHANGHAI).label).toBe('2027-W01');
  });

  test('a month runs from its first local midnight; February of a leap year has 29 days', () => {
    const february = periodContaining('monthly', at('2028-02-15T00:00:00Z'), SHANGHAI);
    expect(february).toEqual({ from: at('2028-01-31T16:00:00Z'), to: at('2028-02-29T16:00:00Z'), label: '2028-02' });
    expect((february.to - february.from) / 86_400_000).toBe(29);
    expect(periodBefore('monthly', february, SHANGHAI)).toEqual({ from: at('2027-12-31T16:00:00Z'), to: at('2028-01-31T16:00:00Z'), label: '2028-01' });
  });

  test('across a daylight-saving change a day is 23 or 25 hours, a week 167 hours: boundaries stay at local midnight', () => {
    const spring = periodContaining('daily', at('2026-03-29T12:00:00Z'), BERLIN);
    expect(spring).toEqual({ from: at('2026-03-28T23:00:00Z'), to: at('2026-03-29T22:00:00Z'), label: '2026-03-29' });
    const autumn = periodContaining('daily', at('2026-10-25T12:00:00Z'), BERLIN);
    expect((autumn.to - autumn.from) / 3_600_000).toBe(25);
    const week = periodContaining('weekly', at('2026-03-29T12:00:00Z'), BERLIN);
    expect((week.to - week.from) / 3_600_000).toBe(167);
  });

  test('a run reports the latest complete period and is next due at the end of the running one', () => {
    // On time: just after the week of 23 November ended in Shanghai.
    const onTime = runAt('weekly', at('2026-11-29T16:00:05Z'), SHANGHAI);
    expect(onTime.period.label).toBe('2026-W48');
    expect(onTime.nextRunAt).toBe(at('2026-12-06T16:00:00Z'));
    // After three days of downtime a daily subscription reports yesterday once, not the three days missed.
    const late = runAt('daily', at('2026-11-26T03:00:00Z'), SHANGHAI);
    expect(late.period).toEqual({ from: at('2026-11-24T16:00:00Z'), to: at('2026-11-25T16:00:00Z'), label: '2026-11-25' });
    expect(late.nextRunAt).toBe(at('2026-11-26T16:00:00Z'));
    // A new subscription is first due when the period running now ends: its first report covers it.
    expect(firstRunAt('monthly', at('2026-11-23T09:00:00Z'), SHANGHAI)).toBe(at('2026-11-30T16:00:00Z'));
  });
});
