import { DateTime } from 'luxon';
import {
  ALWAYS_OPEN,
  addBusinessTime,
  businessTimeBetween,
  createBusinessTime,
  isOpen,
  parseCalendar,
  type BusinessCalendar,
  type Period,
  type Weekday,
} from '../../../server/engine/time/business-calendar.js';
import { BUILT_IN_CALENDARS } from '../../../server/engine/time/calendars.js';
import { startTicket } from '../../../server/engine/ticket-engine.js';
import { bpmn, compile, linear } from '../../helpers/bpmn.js';
import { cpuTimed } from '../../helpers/cpu-time.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const cn = BUILT_IN_CALENDARS['cn-workdays']!;
const desk = BUILT_IN_CALENDARS['cn-service-desk']!;
const nineToFive: Period[] = [['09:00', '17:00']];
const nyOffice: BusinessCalendar = {
  name: 'ny-office',
  timeZone: 'America/New_York',
  week: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: ['2026-11-26'],
};
// Round the clock, but with a holiday so the maths walks the days instead of taking the 24×7 shortcut.
const nyAllHours: BusinessCalendar = {
  name: 'ny-all-hours',
  timeZone: 'America/New_York',
  week: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [['00:00', '24:00']]])) as Record<Weekday, Period[]>,
  holidays: ['2026-12-25'],
};
// A night shift across midnight, east of UTC at a half-hour offset.
const kolkataNights: BusinessCalendar = {
  name: 'kolkata-nights',
  timeZone: 'Asia/Kolkata',
  week: {
    1: [['18:00', '24:00']],
    2: [
      ['00:00', '02:00'],
      ['18:00', '24:00'],
    ],
    3: [
      ['00:00', '02:00'],
      ['18:00', '24:00'],
    ],
    4: [
      ['00:00', '02:00'],
      ['18:00', '24:00'],
    ],
    5: [
      ['00:00', '02:00'],
      ['18:00', '24:00'],
    ],
    6: [['00:00', '02:00']],
  },
};

/** Local wall-clock time in Shanghai → epoch ms. */
const sh = (local: string) => Date.parse(`${local}+08:00`);
const ny = (local: string) => DateTime.fromISO(local, { zone: 'America/New_York' }).toMillis();
const iso = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: false });
const inShanghai = (ms: number) => iso(ms, 'Asia/Shanghai');
const inNewYork = (ms: number) => iso(ms, 'America/New_York');

describe('business calendars', () => {
  test('24×7 counts every millisecond', () => {
    const t = sh('2026-03-01T03:17:00');
    expect(addBusinessTime(ALWAYS_OPEN, t, 30 * DAY)).toBe(t + 30 * DAY);
    expect(businessTimeBetween(ALWAYS_OPEN, t, t + 5 * HOUR)).toBe(5 * HOUR);
    expect(isOpen(ALWAYS_OPEN, t)).toBe(true);
  });

  describe('cn-workdays (Asia/Shanghai, 09:00–12:00 and 13:30–18:00 on workdays)', () => {
    test.each([
      ['inside a period', '2026-01-12T10:00:00', 1 * HOUR, '2026-01-12T11:00:00'],
      ['across the lunch break', '2026-01-12T11:30:00', 1 * HOUR, '2026-01-12T14:00:00'],
      ['before opening', '2026-01-12T07:00:00', 30 * MIN, '2026-01-12T09:30:00'],
      ['during lunch', '2026-01-12T12:45:00', 30 * MIN, '2026-01-12T14:00:00'],
      ['after closing', '2026-01-12T19:00:00', 1 * HOUR, '2026-01-13T10:00:00'],
      ['ending exactly at closing', '2026-01-12T17:00:00', 1 * HOUR, '2026-01-12T18:00:00'],
      ['over the weekend', '2026-01-09T17:30:00', 1 * HOUR, '2026-01-12T09:30:00'],
      ['started on a Sunday', '2026-01-11T15:00:00', 2 * HOUR, '2026-01-12T11:00:00'],
      ['over New Year onto the Sunday make-up workday', '2025-12-31T17:00:00', 2 * HOUR, '2026-01-04T10:00:00'],
      ['onto the Saturday make-up workday before Spring Festival', '2026-02-13T17:00:00', 2 * HOUR, '2026-02-14T10:00:00'],
      ['over the nine-day Spring Festival break', '2026-02-14T17:00:00', 2 * HOUR, '2026-02-24T10:00:00'],
      ['over National Day', '2026-09-30T17:00:00', 2 * HOUR, '2026-10-08T10:00:00'],
      ['two full weeks of minutes', '2026-03-02T09:00:00', 2 * 37.5 * HOUR, '2026-03-13T18:00:00'],
    ])('%s', (_, start, duration, due) => {
      const dueAt = addBusinessTime(cn, sh(start), duration);
      expect(inShanghai(dueAt)).toBe(due);
      expect(businessTimeBetween(cn, sh(start), dueAt)).toBe(duration);
    });

    test('zero duration: the start when open, else the next opening (periods are half-open)', () => {
      expect(inShanghai(addBusinessTime(cn, sh('2026-01-12T10:00:00'), 0))).toBe('2026-01-12T10:00:00');
      expect(inShanghai(addBusinessTime(cn, sh('2026-01-12T12:00:00'), 0))).toBe('2026-01-12T13:30:00');
      expect(inShanghai(addBusinessTime(cn, sh('2026-01-12T18:00:00'), 0))).toBe('2026-01-13T09:00:00');
      expect(inShanghai(addBusinessTime(cn, sh('2026-01-10T08:00:00'), 0))).toBe('2026-01-12T09:00:00');
    });

    test('isOpen knows weekdays, lunch, weekends, holidays and make-up workdays', () => {
      expect(isOpen(cn, sh('2026-01-12T09:00:00'))).toBe(true);
      expect(isOpen(cn, sh('2026-01-12T12:00:00'))).toBe(false);
      expect(isOpen(cn, sh('2026-01-12T17:59:59'))).toBe(true);
      expect(isOpen(cn, sh('2026-01-12T18:00:00'))).toBe(false);
      expect(isOpen(cn, sh('2026-01-10T10:00:00'))).toBe(false); // Saturday
      expect(isOpen(cn, sh('2026-02-17T10:00:00'))).toBe(false); // 春节, a Tuesday
      expect(isOpen(cn, sh('2026-02-28T10:00:00'))).toBe(true); // make-up Saturday
    });

    test('a month of the year: 22 workdays of 7.5 h in March 2026', () => {
      expect(businessTimeBetween(cn, sh('2026-03-01T00:00:00'), sh('2026-04-01T00:00:00'))).toBe(22 * 7.5 * HOUR);
    });

    test('October 2026 has the National Day break and the Saturday make-up day', () => {
      // 22 weekdays, minus 5 weekday holidays (1, 2, 5, 6, 7), plus Saturday the 10th.
      expect(businessTimeBetween(cn, sh('2026-10-01T00:00:00'), sh('2026-11-01T00:00:00'))).toBe(18 * 7.5 * HOUR);
    });

    test('a P30D limit counts 720 working hours, months ahead, quickly', async () => {
      const { value: due, ms } = await cpuTimed(() => addBusinessTime(cn, sh('2026-01-05T09:00:00'), 30 * DAY));
      expect(ms).toBeLessThan(200);
      expect(businessTimeBetween(cn, sh('2026-01-05T09:00:00'), due)).toBe(30 * DAY);
      expect(due).toBeGreaterThan(sh('2026-05-01T00:00:00'));
    });
  });

  test('cn-service-desk works every day 08:00–22:00 but closes 除夕 to 初三', () => {
    expect(inShanghai(addBusinessTime(desk, sh('2026-01-10T21:00:00'), 2 * HOUR))).toBe('2026-01-11T09:00:00');
    expect(inShanghai(addBusinessTime(desk, sh('2026-02-15T21:00:00'), 2 * HOUR))).toBe('2026-02-20T09:00:00');
    expect(isOpen(desk, sh('2026-02-21T10:00:00'))).toBe(true);
  });

  describe('America/New_York across both DST switches (09:00–17:00 stays 8 hours)', () => {
    test('spring forward, Sunday 2026-03-08', () => {
      expect(inNewYork(addBusinessTime(nyOffice, ny('2026-03-06T16:00'), 2 * HOUR))).toBe('2026-03-09T10:00:00');
      expect(businessTimeBetween(nyOffice, ny('2026-03-09T00:00'), ny('2026-03-10T00:00'))).toBe(8 * HOUR);
      expect(businessTimeBetween(nyOffice, ny('2026-03-02T00:00'), ny('2026-03-16T00:00'))).toBe(80 * HOUR);
      expect(businessTimeBetween(nyAllHours, ny('2026-03-08T00:00'), ny('2026-03-09T00:00'))).toBe(23 * HOUR);
    });

    test('fall back, Sunday 2026-11-01', () => {
      expect(inNewYork(addBusinessTime(nyOffice, ny('2026-10-30T16:00'), 2 * HOUR))).toBe('2026-11-02T10:00:00');
      expect(businessTimeBetween(nyOffice, ny('2026-10-26T00:00'), ny('2026-11-09T00:00'))).toBe(80 * HOUR);
      expect(businessTimeBetween(nyAllHours, ny('2026-11-01T00:00'), ny('2026-11-02T00:00'))).toBe(25 * HOUR);
    });

    test('round-the-clock working time is real elapsed time through the switches', () => {
      for (const start of [ny('2026-03-07T00:00'), ny('2026-10-31T12:00')]) {
        expect(addBusinessTime(nyAllHours, start, 3 * DAY)).toBe(start + 3 * DAY);
      }
    });

    test('a US holiday, west of UTC', () => {
      expect(inNewYork(addBusinessTime(nyOffice, ny('2026-11-25T16:00'), 2 * HOUR))).toBe('2026-11-27T10:00:00');
    });
  });

  test('periods ending at 24:00 join the next day’s 00:00, east of UTC at +05:30', () => {
    const k = (local: string) => DateTime.fromISO(local, { zone: 'Asia/Kolkata' }).toMillis();
    expect(iso(addBusinessTime(kolkataNights, k('2026-01-12T23:00'), 2 * HOUR), 'Asia/Kolkata')).toBe('2026-01-13T01:00:00');
    expect(iso(addBusinessTime(kolkataNights, k('2026-01-17T01:30'), HOUR), 'Asia/Kolkata')).toBe('2026-01-19T18:30:00');
    expect(businessTimeBetween(kolkataNights, k('2026-01-12T00:00'), k('2026-01-19T00:00'))).toBe(5 * 8 * HOUR);
  });

  test('many weeks of working time on a plain 40-hour week', async () => {
    const utcWeekdays: BusinessCalendar = { name: 'utc', timeZone: 'UTC', week: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive } };
    const monday = Date.parse('2026-01-05T09:00:00Z');
    const { value, ms } = await cpuTimed(() => addBusinessTime(utcWeekdays, monday, 520 * 40 * HOUR));
    expect(value).toBe(Date.parse('2026-01-09T17:00:00Z') + 519 * WEEK);
    expect(ms).toBeLessThan(500);
  });

  describe('properties over seeded random starts and durations', () => {
    const calendars = [cn, desk, nyOffice, nyAllHours, kolkataNights];
    const random = mulberry32(20260109);
    const yearStart = Date.parse('2026-01-01T00:00:00Z');
    const pairs = Array.from({ length: 300 }, () => {
      const start = yearStart + Math.floor(random() * 330 * DAY);
      const tier = random();
      const max = tier < 0.1 ? 0 : tier < 0.5 ? 10 * HOUR : tier < 0.8 ? 5 * DAY : 6 * WEEK;
      return [start, Math.floor(random() * max)] as const;
    });

    test.each(calendars.map((c) => [c.name, c] as const))(
      '%s: businessTimeBetween(t, addBusinessTime(t, d)) === d, and the due instant is the earliest',
      (_, calendar) => {
        for (const [start, duration] of pairs) {
          const due = addBusinessTime(calendar, start, duration);
          expect(due).toBeGreaterThanOrEqual(start);
          expect(businessTimeBetween(calendar, start, due)).toBe(duration);
          if (duration > 0) expect(businessTimeBetween(calendar, start, due - 1)).toBe(duration - 1);
          else expect(isOpen(calendar, due)).toBe(true);
        }
      },
    );

    test.each(calendars.map((c) => [c.name, c] as const))('%s: businessTimeBetween agrees with a day-by-day luxon reference', (_, calendar) => {
      for (const [start, duration] of pairs.slice(0, 60)) {
        const end = start + duration * 2;
        expect(businessTimeBetween(calendar, start, end)).toBe(referenceBetween(calendar, start, end));
      }
    });
  });

  describe('validation names the field', () => {
    const base = { name: 'x', timeZone: 'Asia/Shanghai', week: { 1: [['09:00', '18:00']] } };
    test.each([
      ['a time that is no time', { week: { 1: [['25:00', '26:00']] } }, 'week.1[0]'],
      ['a reversed period', { week: { 2: [['18:00', '09:00']] } }, 'week.2[0]'],
      ['a period starting at 24:00', { week: { 2: [['24:00', '24:00']] } }, 'week.2[0]'],
      [
        'overlapping periods',
        {
          week: {
            3: [
              ['09:00', '12:00'],
              ['11:00', '13:00'],
            ],
          },
        },
        'week.3[1]',
      ],
      ['a weekday that does not exist', { week: { 8: [['09:00', '12:00']] } }, 'week.8'],
      ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      ['a date that does not exist', { holidays: ['2026-02-30'] }, 'holidays[0]'],
      ['a make-up workday with a bad date', { workdays: { '2026-13-01': [['09:00', '12:00']] } }, 'workdays.2026-13-01'],
      ['a make-up workday that is also a holiday', { holidays: ['2026-01-04'], workdays: { '2026-01-04': [['09:00', '12:00']] } }, 'workdays.2026-01-04'],
      ['no working time in the week', { week: {} }, 'week'],
      ['no name', { name: '' }, 'name'],
    ])('%s', (_, change, field) => {
      expect(() => parseCalendar({ ...base, ...change })).toThrow(
        expect.objectContaining({ code: 'validation_failed', details: expect.arrayContaining([expect.objectContaining({ field })]) }),
      );
    });

    test('the problem names the field that is wrong', () => {
      expect(() => parseCalendar({ ...base, week: { 1: [['25:00', '26:00']] } })).toThrow(
        expect.objectContaining({ code: 'validation_failed', details: expect.arrayContaining([expect.objectContaining({ field: 'week.1[0]' })]) }),
      );
    });

    test('a calendar that never opens is refused instead of counting forever', () => {
      const never = { name: 'never', timeZone: 'UTC', week: {} } as BusinessCalendar;
      expect(() => addBusinessTime(never, 0, HOUR)).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    });

    test('the built-in calendars are valid and come back unchanged', () => {
      for (const calendar of Object.values(BUILT_IN_CALENDARS)) expect(parseCalendar(calendar)).toEqual(calendar);
    });

    test('periods are returned in order', () => {
      expect(
        parseCalendar({
          ...base,
          week: {
            1: [
              ['13:30', '18:00'],
              ['09:00', '12:00'],
            ],
          },
        }).week[1],
      ).toEqual([
        ['09:00', '12:00'],
        ['13:30', '18:00'],
      ]);
    });
  });

  describe('createBusinessTime, the engine hook', () => {
    const businessTime = createBusinessTime(BUILT_IN_CALENDARS);

    test('adds and counts on the named calendar; unknown or absent names count 24×7', () => {
      const friday = sh('2026-01-09T17:00:00');
      const monday = sh('2026-01-12T10:00:00');
      expect(inShanghai(businessTime.add(friday, 2 * HOUR, 'cn-workdays'))).toBe('2026-01-12T10:00:00');
      expect(businessTime.between(friday, monday, 'cn-workdays')).toBe(2 * HOUR);
      for (const name of ['no-such-calendar', 'constructor', undefined]) {
        expect(businessTime.add(friday, 2 * HOUR, name)).toBe(friday + 2 * HOUR);
        expect(businessTime.between(friday, monday, name)).toBe(monday - friday);
      }
    });

    test('refuses an invalid calendar up front', () => {
      expect(() => createBusinessTime({ bad: { name: 'bad', timeZone: 'Nowhere/Else', week: { 1: [['09:00', '17:00']] } } })).toThrow(
        expect.objectContaining({ code: 'validation_failed' }),
      );
    });

    test('a step SLA of PT2H on cn-workdays started Friday 17:00 is due Monday 10:00, warned at 09:36', async () => {
      // given a workflow whose one step has a two-hour limit in Chinese office hours
      const workflow = await compile(
        bpmn(
          linear(
            '<bpmn:userTask id="Answer" name="Answer"><bpmn:extensionElements><sop:step sla="PT2H" calendar="cn-workdays"/></bpmn:extensionElements></bpmn:userTask>',
          ),
        ),
      );
      // when a ticket starts on Friday 2026-01-09 at 17:00 Shanghai time
      const opened = startTicket(workflow, { now: sh('2026-01-09T17:00:00'), actor: 'alice' }, {}, { businessTime });
      // then the breach is due after 1 h on Friday and 1 h on Monday, the 80% warning 36 min into Monday
      const due = Object.fromEntries(opened.timersArmed.map((t) => [t.kind, inShanghai(t.dueAt)]));
      expect(due).toEqual({ 'sla-warning': '2026-01-12T09:36:00', 'sla-breach': '2026-01-12T10:00:00' });
    });
  });
});

/** Seeded PRNG so the random properties are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An independent, slow count: walk the local dates with luxon and sum each period's overlap. */
function referenceBetween(calendar: BusinessCalendar, from: number, to: number): number {
  let total = 0;
  for (
    let date = DateTime.fromMillis(from, { zone: calendar.timeZone }).startOf('day').minus({ days: 1 });
    date.toMillis() < to;
    date = date.plus({ days: 1 })
  ) {
    const key = date.toISODate()!;
    const periods = calendar.holidays?.includes(key) ? [] : (calendar.workdays?.[key] ?? calendar.week[date.weekday as Weekday] ?? []);
    for (const [open, close] of periods) {
      const at = (time: string) =>
        (time === '24:00' ? date.plus({ days: 1 }) : date.set({ hour: Number(time.slice(0, 2)), minute: Number(time.slice(3)) })).toMillis();
      total += Math.max(0, Math.min(at(close), to) - Math.max(at(open), from));
    }
  }
  return total;
}
