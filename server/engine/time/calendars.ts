import { ALWAYS_OPEN, type BusinessCalendar, type Period } from './business-calendar.js';

/**
 * The business calendars SOPflow ships, by the name a step's `calendar` attribute uses.
 *
 * NOTE: mainland China's holidays and make-up workdays (调休) are decided every year by the State Council
 * (国务院办公厅关于部分节假日安排的通知, usually published in November). The 2026 dates below follow the
 * notice of 2025-11-04; check them against the notice each year and add the next year when it appears.
 */

/** `count` consecutive dates from `first`, as 'YYYY-MM-DD'. */
function dates(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

const CN_HOLIDAYS_2026 = [
  ...dates('2026-01-01', 3), // 元旦
  ...dates('2026-02-15', 9), // 春节 (腊月二十八 to 正月初七)
  ...dates('2026-04-04', 3), // 清明节
  ...dates('2026-05-01', 5), // 劳动节
  ...dates('2026-06-19', 3), // 端午节
  ...dates('2026-09-25', 3), // 中秋节
  ...dates('2026-10-01', 7), // 国庆节
];

/** Weekend days worked to make the holiday breaks longer. */
const CN_MAKE_UP_WORKDAYS_2026 = ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'];

const OFFICE: Period[] = [
  ['09:00', '12:00'],
  ['13:30', '18:00'],
];
const DESK: Period[] = [['08:00', '22:00']];

export const BUILT_IN_CALENDARS: Record<string, BusinessCalendar> = {
  '24x7': ALWAYS_OPEN,
  'cn-workdays': {
    name: 'cn-workdays',
    timeZone: 'Asia/Shanghai',
    week: { 1: OFFICE, 2: OFFICE, 3: OFFICE, 4: OFFICE, 5: OFFICE },
    holidays: CN_HOLIDAYS_2026,
    workdays: Object.fromEntries(CN_MAKE_UP_WORKDAYS_2026.map((date) => [date, OFFICE])),
  },
  'cn-service-desk': {
    name: 'cn-service-desk',
    timeZone: 'Asia/Shanghai',
    week: { 1: DESK, 2: DESK, 3: DESK, 4: DESK, 5: DESK, 6: DESK, 7: DESK },
    // The four statutory Spring Festival days, 除夕 to 正月初三; the desk works the rest of the break.
    holidays: dates('2026-02-16', 4),
  },
};
