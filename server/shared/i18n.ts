import { readFileSync } from 'node:fs';
import i18next, { type i18n, type TFunction } from 'i18next';

/** The languages of the pages. Workflow content (step names, guidance) is shown as authored, in neither. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The language of a request: the user's choice, else the one picked in this browser session, else the
 * browser's Accept-Language (any Chinese → 简体中文), else English.
 */
export function negotiateLocale(chosen: Array<string | null | undefined>, accepts: (languages: string[]) => string | false): Locale {
  for (const locale of chosen) if (isLocale(locale)) return locale;
  const best = accepts(['zh-CN', 'zh', 'en']);
  return best === 'zh-CN' || best === 'zh' ? 'zh-CN' : 'en';
}

/** Formats for one language: translations, dates, durations. View-model builders and templates share it. */
export interface Formatter {
  locale: Locale;
  t: TFunction;
  /** A date and time, e.g. "2026年11月23日 17:00" / "Nov 23, 2026, 5:00 PM". */
  dateTime(ms: number): string;
  /** A duration to the minute: "3 小时 20 分" / "3 h 20 min"; under a minute in seconds; days past 48 h. */
  duration(ms: number): string;
  /** The IANA zone `dateTime` shows instants in; undefined: the server's own. */
  timeZone: string | undefined;
  /** A number in this language's digits: `decimal` to one decimal, `percent` of a share to one decimal, `score` to two. */
  number(value: number, style: NumberStyle): string;
  /** Names or ids listed in a sentence: "L1、L2、L3" / "L1, L2, L3". */
  list(items: readonly string[]): string;
}

export type NumberStyle = 'decimal' | 'percent' | 'score';

const NUMBER_STYLES: Record<NumberStyle, Intl.NumberFormatOptions> = {
  decimal: { maximumFractionDigits: 1 },
  percent: { style: 'percent', maximumFractionDigits: 1 },
  score: { minimumFractionDigits: 2, maximumFractionDigits: 2 },
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The catalogs of the pages, the API's messages for people and the Excel workbooks: `views/locales/`. */
export const LOCALES_DIR = new URL('../../views/locales/', import.meta.url);

type Catalogs = { i18n: i18n; formatter(locale: Locale): Formatter };

/** The catalogs do not change while the process runs: loaded once per directory and time zone. */
const loaded = new Map<string, Catalogs>();

/** Loads the catalogs in `localesDir` (`en.json`, `zh-CN.json`) into one i18next instance, synchronously. */
export function createI18n(localesDir: URL, options: { timeZone?: string } = {}): Catalogs {
  const key = `${localesDir.href} ${options.timeZone ?? ''}`;
  let catalogs = loaded.get(key);
  if (!catalogs) {
    catalogs = loadCatalogs(localesDir, options);
    loaded.set(key, catalogs);
  }
  return catalogs;
}

function loadCatalogs(localesDir: URL, options: { timeZone?: string }): Catalogs {
  const resources = Object.fromEntries(
    LOCALES.map((locale) => [locale, { translation: JSON.parse(readFileSync(new URL(`${locale}.json`, localesDir), 'utf8')) as Record<string, unknown> }]),
  );
  const instance = i18next.createInstance();
  // NOTE: handlebars escapes what a helper returns; escaping here too would show "&amp;lt;" to people.
  void instance.init({
    resources,
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LOCALES],
    load: 'currentOnly',
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  const formatters = new Map<Locale, Formatter>();
  const formatter = (locale: Locale): Formatter => {
    let known = formatters.get(locale);
    if (!known) {
      const t = instance.getFixedT(locale);
      const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', ...(options.timeZone ? { timeZone: options.timeZone } : {}) });
      // Made once: building an Intl format costs more than a page's worth of formatting with it.
      const numbers = Object.fromEntries(Object.entries(NUMBER_STYLES).map(([style, format]) => [style, new Intl.NumberFormat(locale, format)])) as Record<
        NumberStyle,
        Intl.NumberFormat
      >;
      known = {
        locale,
        t,
        dateTime: (ms) => dates.format(ms),
        duration: (ms) => formatDuration(t, ms),
        timeZone: options.timeZone,
        number: (value, style) => numbers[style].format(value),
        list: (items) => items.join(locale === 'zh-CN' ? '、' : ', '),
      };
      formatters.set(locale, known);
    }
    return known;
  };
  return { i18n: instance, formatter };
}

function formatDuration(t: TFunction, ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return t('duration.seconds', { count: Math.floor(abs / 1000) });
  if (abs < HOUR) return t('duration.minutes', { count: Math.floor(abs / MINUTE) });
  if (abs < 2 * DAY) {
    const hours = Math.floor(abs / HOUR);
    const minutes = Math.floor((abs % HOUR) / MINUTE);
    return minutes ? t('duration.hoursMinutes', { hours, minutes }) : t('duration.hours', { count: hours });
  }
  const days = Math.floor(abs / DAY);
  const hours = Math.floor((abs % DAY) / HOUR);
  return hours ? t('duration.daysHours', { days, hours }) : t('duration.days', { count: days });
}
