import { classify, matchesKeyword, type Rule } from '../../../server/services/routing/classify.js';

const RULES: Rule[] = [
  { name: 'VIP complaints', when: { vip: true, keywords: ['投诉', 'complaint'] }, set: { type: 'complaint', level: 'L3', priority: 'urgent' } },
  { name: 'refunds', when: { keywords: ['退款', 'refund', 'money back'] }, set: { type: 'billing', level: 'L1', tags: ['refund'] } },
  { name: 'app login', when: { keywords: ['登录', 'log in', 'login'], channels: ['app', 'web'] }, set: { type: 'technical', level: 'L2' } },
  { name: 'kimono', when: { keywords: ['和服'] }, set: { type: 'apparel' } },
  { name: 'wholesale', when: { tags: ['wholesale'] }, set: { priority: 'high', tags: ['b2b'] } },
];

const intake = (subject: string, more: Partial<{ channel: string; vip: boolean; fields: Record<string, unknown> }> = {}) => ({
  subject,
  channel: more.channel ?? 'email',
  vip: more.vip ?? false,
  ...(more.fields ? { fields: more.fields } : {}),
});

describe('classification rules', () => {
  test('Chinese subjects match by word, with no spaces to split on', () => {
    expect(classify(RULES, intake('我要退款，订单还没发货'))).toEqual({ type: 'billing', level: 'L1', priority: 'normal', tags: ['refund'], rule: 'refunds' });
    expect(classify(RULES, intake('APP登录不了', { channel: 'app' }))).toMatchObject({ type: 'technical', level: 'L2', rule: 'app login' });
  });

  test('a one-word keyword does not match across a word boundary (和服 is not in 和服务员沟通)', () => {
    expect(matchesKeyword('和服务员沟通', '和服')).toBe(false);
    expect(classify(RULES, intake('和服务员沟通过了')).rule).toBeNull();
    expect(classify(RULES, intake('想买一件和服')).rule).toBe('kimono');
  });

  test('a keyword the segmenter cuts finer in the text still matches (发货 as 发|货)', () => {
    expect(matchesKeyword('订单还没发货', '发货')).toBe(true);
  });

  test('English is case-insensitive, by whole word; phrases match as substrings', () => {
    expect(classify(RULES, intake('REFUND please')).rule).toBe('refunds');
    expect(classify(RULES, intake('I want my Money Back now')).rule).toBe('refunds');
    expect(classify(RULES, intake('refundable fare question')).rule).toBeNull();
    expect(classify(RULES, intake('Cannot Log In to the app', { channel: 'app' })).rule).toBe('app login');
  });

  test('conditions combine: channel, VIP, customer tags; first matching rule in order wins', () => {
    expect(classify(RULES, intake('登录失败', { channel: 'phone' })).rule).toBeNull();
    expect(classify(RULES, intake('我要投诉并退款', { vip: true })).rule).toBe('VIP complaints');
    expect(classify(RULES, intake('我要投诉并退款', { vip: false })).rule).toBe('refunds');
    expect(classify(RULES, intake('order status', { fields: { tags: ['Wholesale'] } }))).toMatchObject({ rule: 'wholesale', priority: 'high', tags: ['b2b'] });
  });

  test('keywords are looked for in text fields too; a VIP is at least high priority', () => {
    expect(classify(RULES, intake('question', { fields: { description: '申请退款' } })).rule).toBe('refunds');
    expect(classify(RULES, intake('hello', { vip: true }))).toEqual({ type: null, level: null, priority: 'high', tags: [], rule: null });
  });
});
