import { DEFAULT_INPUT_LIMITS, INPUT_LIMIT_SETTINGS, inputLimitsOf, loadConfig } from '../../../server/shared/config.js';
import { cursorOf, cursorText } from '../../../server/services/tickets/ticket-cursor.js';
import { idOf } from '../../../server/web/http/ids.js';
import { depthOf } from '../../../server/web/http/route.js';

describe('input limits', () => {
  test('every limit is a setting: absent means its default; a positive whole number replaces it; anything else is refused', () => {
    expect(inputLimitsOf(loadConfig({}))).toEqual(DEFAULT_INPUT_LIMITS);
    const env = Object.fromEntries(Object.values(INPUT_LIMIT_SETTINGS).map((name) => [name, '7']));
    expect(Object.values(inputLimitsOf(loadConfig(env)))).toEqual(Object.values(INPUT_LIMIT_SETTINGS).map(() => 7));
    expect(inputLimitsOf(loadConfig({ TICKET_FIELDS_MAX_BYTES: '2048' })).fieldsBytes).toBe(2048);
    for (const value of ['0', '-1', '1.5', '1e3', '0x10', 'lots', '']) {
      expect(() => loadConfig({ JSON_MAX_DEPTH: value })).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
    expect(() => loadConfig({ LIST_PAGE_MAX: '10', LIST_PAGE_DEFAULT: '20' })).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });

  test('JSON depth is counted without recursion, stopping just past the cap', () => {
    expect(depthOf('text', 5)).toBe(0);
    expect(depthOf({ a: [1, { b: null }] }, 5)).toBe(3);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(depthOf(deep, 32)).toBe(33);
  });

  test('ids and cursors have one spelling', () => {
    expect(['1', '16', '9007199254740991'].map(idOf)).toEqual([1, 16, 9007199254740991]);
    expect(['0', '0x10', '016', '1e1', ' 1', '1.0', '+1', '9999999999999999', '12345678901234567'].map(idOf)).toEqual(Array(9).fill(undefined));
    const cursor = { closed: false, vip: true, dueAt: 1795424460000, id: 42 };
    expect(cursorOf(cursorText(cursor))).toEqual(cursor);
    expect(cursorOf(cursorText({ ...cursor, dueAt: null }))).toEqual({ ...cursor, dueAt: null });
    for (const forged of ['', 'MC4wLi0uMA', Buffer.from('0.0.-.01').toString('base64url'), Buffer.from('2.0.-.1').toString('base64url'), 'a.b']) {
      expect(cursorOf(forged)).toBeUndefined();
    }
  });
});
