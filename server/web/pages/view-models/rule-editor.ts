import { createHash } from 'node:crypto';
import { LEVELS, PRIORITIES, type Classification, type Level, type Priority, type Rule } from '../../../services/routing/classify.js';
import { MAX_RULES } from '../../../services/routing/routing-rules.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import type { Formatter } from '../../../shared/i18n.js';

/**
 * The structured rule editor on /routing: each rule a card of fields (name; when: keywords, channels,
 * customer tags, VIP; then: type, level, priority, tags), posted whole with the button pressed. Adding,
 * removing and moving rules re-show the form with the draft (nothing saved); testing runs the draft on recent
 * tickets; saving needs the trial of exactly this draft to have been shown (`tested`, its digest), else it
 * shows the trial first. It works without script: every button is a submit button.
 */

/** One rule as the form holds it: every field as typed. */
export interface RuleDraft {
  name: string;
  keywords: string;
  channels: string[];
  tags: string;
  vip: '' | 'yes' | 'no';
  type: string;
  level: '' | Level;
  priority: '' | Priority;
  setTags: string;
}

export type EditorAction = { kind: 'add' | 'test' | 'save' } | { kind: 'up' | 'down' | 'remove'; index: number };

/** Fields a rule's card posts at most (8 and a box per channel), and the form's own: what its parser must allow. */
export const RULE_FORM_FIELDS = MAX_RULES * (8 + CHANNELS.length) + 16;
/** The form's size: 200 rules with long keyword lists, percent-encoded (a Chinese character takes 9 bytes). */
export const RULE_FORM_BYTES = '1mb';

const split = (value: string) => [
  ...new Set(
    value
      .split(/[,，、\n]/)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');

export function draftOf(rule: Rule): RuleDraft {
  return {
    name: rule.name,
    keywords: (rule.when.keywords ?? []).join(', '),
    channels: [...(rule.when.channels ?? [])],
    tags: (rule.when.tags ?? []).join(', '),
    vip: rule.when.vip === undefined ? '' : rule.when.vip ? 'yes' : 'no',
    type: rule.set.type ?? '',
    level: rule.set.level ?? '',
    priority: rule.set.priority ?? '',
    setTags: (rule.set.tags ?? []).join(', '),
  };
}

/** The rule a card describes: empty fields are conditions not made and values not set. */
export function ruleOf(draft: RuleDraft): Rule {
  const keywords = split(draft.keywords);
  const tags = split(draft.tags);
  const setTags = split(draft.setTags);
  return {
    name: draft.name.trim(),
    when: {
      ...(keywords.length ? { keywords } : {}),
      ...(draft.channels.length ? { channels: draft.channels } : {}),
      ...(tags.length ? { tags } : {}),
      ...(draft.vip ? { vip: draft.vip === 'yes' } : {}),
    },
    set: {
      ...(draft.type.trim() ? { type: draft.type.trim() } : {}),
      ...(draft.level ? { level: draft.level } : {}),
      ...(draft.priority ? { priority: draft.priority } : {}),
      ...(setTags.length ? { tags: setTags } : {}),
    },
  };
}

/** The cards as posted (`rules.N.name`, …; `count` of them, one more than MAX_RULES at most: the service says no). */
export function draftsFromForm(body: Record<string, unknown>): RuleDraft[] {
  const count = Math.min(Math.max(0, Math.floor(Number(field(body, 'count')) || 0)), MAX_RULES + 1);
  return Array.from({ length: count }, (_, i) => {
    const at = (name: string) => field(body, `rules.${i}.${name}`);
    const posted = body[`rules.${i}.channels`];
    const channels = (Array.isArray(posted) ? posted : [posted]).filter((c): c is string => (CHANNELS as readonly string[]).includes(c as string));
    const vip = at('vip');
    const level = at('level');
    const priority = at('priority');
    return {
      name: at('name'),
      keywords: at('keywords'),
      channels: CHANNELS.filter((c) => channels.includes(c)),
      tags: at('tags'),
      vip: vip === 'yes' || vip === 'no' ? vip : '',
      type: at('type'),
      level: (LEVELS as readonly string[]).includes(level) ? (level as Level) : '',
      priority: (PRIORITIES as readonly string[]).includes(priority) ? (priority as Priority) : '',
      setTags: at('setTags'),
    };
  });
}

export function actionOf(value: unknown): EditorAction {
  const [kind, index] = String(value ?? 'test').split(':');
  if (kind === 'add' || kind === 'save') return { kind };
  if ((kind === 'up' || kind === 'down' || kind === 'remove') && /^[0-9]{1,4}$/.test(index ?? '')) return { kind, index: Number(index) };
  return { kind: 'test' };
}

/** The draft after adding, removing or moving a card. */
export function applyAction(drafts: readonly RuleDraft[], action: EditorAction): RuleDraft[] {
  const next = [...drafts];
  if (action.kind === 'add') next.push({ name: '', keywords: '', channels: [], tags: '', vip: '', type: '', level: '', priority: '', setTags: '' });
  else if (action.kind === 'remove') next.splice(action.index, 1);
  else if (action.kind === 'up' || action.kind === 'down') {
    const to = action.kind === 'up' ? action.index - 1 : action.index + 1;
    if (to >= 0 && to < next.length && action.index < next.length) [next[action.index], next[to]] = [next[to]!, next[action.index]!];
  }
  return next;
}

/** What a trial was run on: saving checks that the rules are still exactly these. */
export function digestOf(rules: readonly Rule[]): string {
  return createHash('sha256').update(JSON.stringify(rules)).digest('base64url').slice(0, 32);
}

/** A rule's conditions or values in words of the page's language: `Keywords: 退款, refund · Channels: Web chat`. */
export function describeWhen(when: Rule['when'], f: Formatter): string {
  const parts: string[] = [];
  if (when.keywords?.length) parts.push(`${f.t('routing.editor.keywords')}: ${f.list(when.keywords)}`);
  if (when.channels?.length) parts.push(`${f.t('routing.editor.channels')}: ${f.list(when.channels.map((c) => f.t(`channels.${c}`)))}`);
  if (when.tags?.length) parts.push(`${f.t('routing.editor.tags')}: ${f.list(when.tags)}`);
  if (when.vip !== undefined) parts.push(f.t(when.vip ? 'routing.editor.vipYes' : 'routing.editor.vipNo'));
  return parts.join(' · ') || f.t('routing.editor.always');
}

export function describeSet(set: Rule['set'] | Omit<Classification, 'rule'>, f: Formatter): string {
  const parts: string[] = [];
  if (set.type) parts.push(`${f.t('routing.editor.type')}: ${set.type}`);
  if (set.level) parts.push(`${f.t('routing.editor.level')}: ${set.level}`);
  if (set.priority) parts.push(`${f.t('routing.editor.priority')}: ${f.t(`routing.priority.${set.priority}`)}`);
  if (set.tags?.length) parts.push(`${f.t('routing.editor.setTags')}: ${f.list(set.tags)}`);
  return parts.join(' · ');
}

/** A classification as the trial shows it: what was set, and by which rule (or none). */
export function describeClassification(c: Classification, f: Formatter): string {
  const set = describeSet(c, f);
  return `${set ? `${set} · ` : ''}${c.rule === null ? f.t('routing.editor.noRule') : f.t('routing.editor.byRule', { rule: c.rule })}`;
}

/** The cards for the template: fields, choices with the current one selected, and each saved rule's counts. */
export function editorModel(
  drafts: readonly RuleDraft[],
  counts: ReadonlyMap<string, { hits: number; corrections: number }>,
  invalid: number | undefined,
  f: Formatter,
) {
  return drafts.map((d, index) => {
    const saved = counts.get(d.name.trim());
    return {
      ...d,
      index,
      number: index + 1,
      first: index === 0,
      last: index === drafts.length - 1,
      invalid: index === invalid,
      counts: saved && f.t('routing.editor.counts', { hits: saved.hits, corrections: saved.corrections }),
      channelChoices: CHANNELS.map((channel) => ({ channel, label: f.t(`channels.${channel}`), checked: d.channels.includes(channel) })),
      vips: (['', 'yes', 'no'] as const).map((value) => ({
        value,
        label: f.t(value === '' ? 'routing.editor.vipAny' : value === 'yes' ? 'routing.editor.vipYes' : 'routing.editor.vipNo'),
        selected: d.vip === value,
      })),
      levels: ['', ...LEVELS].map((level) => ({ level, label: level || f.t('routing.editor.unchanged'), selected: d.level === level })),
      priorities: ['', ...PRIORITIES].map((priority) => ({
        priority,
        label: priority ? f.t(`routing.priority.${priority}`) : f.t('routing.editor.unchanged'),
        selected: d.priority === priority,
      })),
    };
  });
}
