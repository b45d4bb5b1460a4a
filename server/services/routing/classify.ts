import type { Classification, Level, Priority, Rule, RuleSet, RuleWhen } from '../../data/routing/routing-records.js';

/** Pure classification: manager-written rules matched against a new ticket, first match wins. */

export const LEVELS = ['L1', 'L2', 'L3'] as const satisfies readonly Level[];
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

export type { Classification, Level, Priority, Rule, RuleSet, RuleWhen };

export interface Intake {
  subject: string;
  channel: string;
  vip: boolean;
  fields?: Record<string, unknown>;
}

export const UNCLASSIFIED: Classification = { type: null, level: null, priority: 'normal', tags: [], rule: null };

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** The word-like segments of `text`, lower-cased: Chinese has no spaces, so ICU's dictionary finds the words. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const segment of segmenter.segment(text.toLowerCase())) if (segment.isWordLike) words.push(segment.segment);
  return words;
}

/** The text a rule's keywords are looked for in: the subject and the text fields. */
function textOf(intake: Intake): string {
  const values = Object.values(intake.fields ?? {}).filter((v): v is string => typeof v === 'string');
  return [intake.subject, ...values].join('\n');
}

/**
 * A keyword that is one word matches a word of the text (or consecutive words that spell it, where the
 * segmenter cut the text finer than the keyword), so 和服 does not match 和服务; a phrase (several words)
 * matches as a substring, case-insensitive.
 */
export function matchesKeyword(text: string, keyword: string, words: readonly string[] = wordsOf(text)): boolean {
  const wanted = keyword.trim().toLowerCase();
  if (!wanted) return false;
  if (wordsOf(wanted).length !== 1) return text.toLowerCase().includes(wanted);
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let j = i; j < words.length && joined.length < wanted.length; j++) {
      joined += words[j];
      if (joined === wanted) return true;
    }
  }
  return false;
}

function tagsOf(intake: Intake): string[] {
  const tags = intake.fields?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

export function ruleMatches(rule: Rule, intake: Intake, words?: readonly string[]): boolean {
  const { keywords, channels, tags, vip } = rule.when;
  if (vip !== undefined && vip !== intake.vip) return false;
  if (channels?.length && !channels.includes(intake.channel)) return false;
  if (tags?.length) {
    const have = new Set(tagsOf(intake).map((t) => t.toLowerCase()));
    if (!tags.some((t) => have.has(t.toLowerCase()))) return false;
  }
  if (keywords?.length) {
    const text = textOf(intake);
    const textWords = words ?? wordsOf(text);
    if (!keywords.some((k) => matchesKeyword(text, k, textWords))) return false;
  }
  return true;
}

/** The first rule, in the stated order, that matches sets the classification; VIPs are at least `high`. */
export function classify(rules: readonly Rule[], intake: Intake): Classification {
  const words = wordsOf(textOf(intake));
  const rule = rules.find((r) => ruleMatches(r, intake, words));
  const base: Classification = rule
    ? {
        type: rule.set.type ?? null,
        level: rule.set.level ?? null,
        priority: rule.set.priority ?? 'normal',
        tags: [...new Set(rule.set.tags ?? [])],
        rule: rule.name,
      }
    : { ...UNCLASSIFIED, tags: [] };
  if (intake.vip && PRIORITIES.indexOf(base.priority) < PRIORITIES.indexOf('high')) base.priority = 'high';
  return base;
}
