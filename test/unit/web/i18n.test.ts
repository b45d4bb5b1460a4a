import { readFileSync } from 'node:fs';
import { AUDIT_ACTIONS } from '../../../server/services/audit/audit.js';
import { LINT_RULES } from '../../../server/services/workflows/publish-lint.js';
import { NAMED_PROPERTIES } from '../../../server/services/workflows/workflow-diff.js';
import { BPMN_PROBLEM_CODES } from '../../../server/shared/errors.js';
import { FIELD_PROBLEM_CODES } from '../../../server/engine/fields.js';
import { DEFAULT_WORKFLOW_LIMITS } from '../../../server/shared/limits.js';
import { createI18n, negotiateLocale } from '../../../server/shared/i18n.js';

const LOCALES = new URL('../../../views/locales/', import.meta.url);
const { formatter } = createI18n(LOCALES, { timeZone: 'Asia/Shanghai' });
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('i18n: one catalog per language, durations and dates through Intl and the catalogs', () => {
  test.each([
    [3 * HOUR + 20 * MIN, '3 h 20 min', '3 小时 20 分'],
    [5 * HOUR, '5 h', '5 小时'],
    [45 * MIN + 59_000, '45 min', '45 分'],
    [12_000, '12 s', '12 秒'],
    [26 * HOUR, '26 h', '26 小时'],
    [3 * 24 * HOUR + 4 * HOUR, '3 d 4 h', '3 天 4 小时'],
    [2 * 24 * HOUR, '2 d', '2 天'],
    [55 * 24 * HOUR + 19 * HOUR, '55 d 19 h', '55 天 19 小时'],
  ])('%d ms is "%s" / "%s"', (ms, en, zh) => {
    expect(formatter('en').duration(ms)).toBe(en);
    expect(formatter('zh-CN').duration(ms)).toBe(zh);
  });

  test('lists in the reader’s language: the enumeration comma in Chinese', () => {
    expect(formatter('zh-CN').list(['L1', 'L2', 'L3'])).toBe('L1、L2、L3');
    expect(formatter('en').list(['L1', 'L2', 'L3'])).toBe('L1, L2, L3');
    expect(formatter('zh-CN').list([])).toBe('');
  });

  test('dates in the reader’s language', () => {
    const at = Date.parse('2026-11-23T09:05:00Z');
    expect(formatter('en').dateTime(at)).toBe('Nov 23, 2026, 5:05 PM');
    expect(formatter('zh-CN').dateTime(at)).toBe('2026年11月23日 17:05');
  });

  test.each([
    [1234.56, 'decimal', '1,234.6'],
    [0.1234, 'percent', '12.3%'],
    [4.5, 'score', '4.50'],
  ] as const)('numbers: %d as %s is "%s" in both languages', (value, style, written) => {
    expect(formatter('en').number(value, style)).toBe(written);
    expect(formatter('zh-CN').number(value, style)).toBe(written);
  });

  test('the language: the user’s choice, then the session’s, then Accept-Language (any Chinese → 简体中文), else English', () => {
    const accepts = (header: string) => (languages: string[]) =>
      languages.find((l) => header.split(',').some((h) => h.split(';')[0]!.trim().toLowerCase() === l.toLowerCase())) ?? false;
    expect(negotiateLocale(['en', 'zh-CN'], accepts('zh-CN'))).toBe('en');
    expect(negotiateLocale([undefined, 'zh-CN'], accepts('en'))).toBe('zh-CN');
    expect(negotiateLocale([undefined, 'fr'], accepts('zh'))).toBe('zh-CN');
    expect(negotiateLocale([], accepts('de'))).toBe('en');
  });

  test('every kind of audit entry has a label in both languages', () => {
    for (const action of AUDIT_ACTIONS) {
      for (const locale of ['en', 'zh-CN'] as const) {
        const key = `admin.audit.actions.${action.replace('.', '_')}`;
        expect({ action, locale, labelled: formatter(locale).t(key) !== key }).toEqual({ action, locale, labelled: true });
      }
    }
  });

  test('every BPMN problem code, lint rule, diff property and field problem is worded in both languages, the Chinese in Chinese', () => {
    const keys = [
      ...BPMN_PROBLEM_CODES.map((code) => `bpmnProblems.${code}`),
      ...Object.keys(LINT_RULES).flatMap((rule) => [`lintRules.${rule}.name`, `lintRules.${rule}.explanation`]),
      // each property the diff names (the editor's check and publish)
      ...NAMED_PROPERTIES.map((property) => `editor.diff.properties.${property}`),
      // what a limit_exceeded problem names: a WorkflowLimits setting, or one of the screen's and parser's own bounds
      ...[...Object.keys(DEFAULT_WORKFLOW_LIMITS), 'namespaces', 'parserProblems'].map((what) => `bpmnLimits.${what}`),
    ];
    for (const key of keys) {
      const [en, zh] = [formatter('en').t(key), formatter('zh-CN').t(key)];
      expect({ key, en: en !== key && en !== '', zh: /[\u4e00-\u9fff]/.test(zh) }).toEqual({ key, en: true, zh: true });
    }
    for (const code of FIELD_PROBLEM_CODES) {
      const key = `problems.${code}`;
      const [en, zh] = [formatter('en').t(key, { label: 'L' }), formatter('zh-CN').t(key, { label: 'L' })];
      expect({ key, en: en !== key && en.includes('L'), zh: /[\u4e00-\u9fff]/.test(zh) && zh.includes('L') }).toEqual({ key, en: true, zh: true });
    }
    expect(formatter('zh-CN').t('bpmnProblems.limit_exceeded', { what: 'maxDepth', maximum: 100 })).toBe('文件超出了导入限制：元素嵌套层数最多为 100。');
  });

  test('both catalogs have the same keys', () => {
    const keys = (value: unknown, prefix = ''): string[] =>
      Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
        typeof child === 'object' && child ? keys(child, `${prefix}${key}.`) : [`${prefix}${key.replace(/_(one|other)$/, '')}`],
      );
    const catalog = (locale: string) => new Set(keys(JSON.parse(readFileSync(new URL(`${locale}.json`, LOCALES), 'utf8'))));
    expect([...catalog('zh-CN')].sort()).toEqual([...catalog('en')].sort());
  });
});
