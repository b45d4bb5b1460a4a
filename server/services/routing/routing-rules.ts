import type { RuleRepository } from '../../data/routing/rule-repository.js';
import { CHANNELS } from '../tickets/channels.js';
import type { Classification, Rule, StoredClassification } from '../../data/routing/routing-records.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, outOfRange, ValidationError } from '../../shared/errors.js';
import { overChars } from '../../shared/limits.js';
import type { AuditLog } from '../audit/audit.js';
import type { User } from '../users/users.js';
import { classify, type Intake } from './classify.js';

export interface RuleWithCounts extends Rule {
  /** Tickets this rule classified, and how many of them an agent corrected: a misfiring rule shows here. */
  hits: number;
  corrections: number;
}

export interface RuleTrial {
  tested: number;
  changed: Array<{ ticketId: number; subject: string; before: Classification | null; after: Classification }>;
}

export const MAX_RULES = 200;
export const TRIAL_MAX = 1000;
/** Bounds on one rule, the same through the API and the pages: [most items, longest item]. */
export const RULE_LIMITS = {
  name: 200,
  keywords: [200, 200],
  channels: [20, 40],
  tags: [100, 100],
  type: 100,
  setTags: [50, 100],
} as const;

/** Classification at intake: the ordered rule set, its trial run, what it set on a ticket and agents' corrections. */
export class RoutingRules {
  private cached: Rule[] | undefined;

  constructor(
    private readonly repository: RuleRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<RuleWithCounts[]> {
    const [rules, counts] = await Promise.all([this.repository.rules(), this.repository.ruleCounts()]);
    return rules.map((rule) => ({ ...rule, ...(counts.get(rule.name) ?? { hits: 0, corrections: 0 }) }));
  }

  /** Replaces the whole rule set, in the order given (managers); audited. */
  async save(caller: User, rules: readonly Rule[]): Promise<RuleWithCounts[]> {
    checkRules(rules);
    const before = await this.repository.rules();
    const entry = this.audit.entry(caller.email, 'routing.rules', 'routing rules', { rules: before.map((r) => r.name) }, { rules: rules.map((r) => r.name) });
    await this.repository.replaceRules(rules, caller.email, this.clock.now(), entry);
    this.cached = undefined;
    return this.list();
  }

  /** What `rules` would set on the newest `limit` tickets, against what they carry now: only the differences. */
  async trial(rules: readonly Rule[], limit: number): Promise<RuleTrial> {
    checkRules(rules);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > TRIAL_MAX)
      throw new ValidationError(`limit must be from 1 to ${TRIAL_MAX}`, [outOfRange('limit', 1, TRIAL_MAX)]);
    const tickets = await this.repository.recentTickets(limit);
    const current = await this.repository.classifications(tickets.map((t) => t.id));
    const changed: RuleTrial['changed'] = [];
    for (const ticket of tickets) {
      const after = classify(rules, ticket);
      const stored = current.get(ticket.id);
      const before = stored ? plain(stored) : null;
      // A ticket from before any rule existed counts as what no rule makes of it.
      if (JSON.stringify(before ?? classify([], ticket)) !== JSON.stringify(after))
        changed.push({ ticketId: ticket.id, subject: ticket.subject, before, after });
    }
    return { tested: tickets.length, changed };
  }

  /**
   * What the rules make of a new ticket (nothing while there are none): the ticket runtime writes it in the
   * ticket's own transaction, so no ticket is ever stored unclassified, nor a classification without its ticket.
   */
  async classifyIntake(intake: Intake): Promise<Classification | undefined> {
    this.cached ??= await this.repository.rules();
    if (!this.cached.length) return undefined;
    return classify(this.cached, intake);
  }

  /** Rules saved by another process are seen after this. */
  forget(): void {
    this.cached = undefined;
  }

  async of(ticketIds: readonly number[]): Promise<Map<number, StoredClassification>> {
    return this.repository.classifications(ticketIds);
  }

  /** An agent's correction of a ticket's classification: kept beside the rule's own answer, which counts against the rule. */
  async correct(caller: User, ticketId: number, patch: Partial<Omit<Classification, 'rule'>>): Promise<StoredClassification> {
    const current = (await this.repository.classifications([ticketId])).get(ticketId);
    if (!current) throw new NotFoundError(`ticket ${ticketId} has no classification`);
    const value: Classification = { ...plain(current), ...patch, rule: current.rule };
    await this.repository.correct(ticketId, value, caller.email, this.clock.now());
    return (await this.repository.classifications([ticketId])).get(ticketId)!;
  }
}

function plain(stored: StoredClassification): Classification {
  return { type: stored.type, level: stored.level, priority: stored.priority, tags: stored.tags, rule: stored.rule };
}

function checkRules(rules: readonly Rule[]): void {
  if (rules.length > MAX_RULES)
    throw new ValidationError(`at most ${MAX_RULES} rules`, [
      { field: 'rules', message: `at most ${MAX_RULES} rules`, code: 'tooManyItems', values: { limit: MAX_RULES } },
    ]);
  const names = new Set<string>();
  rules.forEach((rule, i) => {
    const name = rule.name.trim();
    if (!name) throw new ValidationError('a rule needs a name', [{ field: `rules.${i}.name`, message: 'is empty', code: 'required' }]);
    if (names.has(name))
      throw new ValidationError(`two rules are named "${name}"`, [{ field: `rules.${i}.name`, message: 'is used by an earlier rule', code: 'nameTaken' }]);
    names.add(name);
    if (overChars(name, RULE_LIMITS.name))
      throw new ValidationError(`rule ${i + 1}: a name of at most ${RULE_LIMITS.name} characters`, [
        { field: `rules.${i}.name`, message: `at most ${RULE_LIMITS.name} characters`, code: 'tooLong', values: { limit: RULE_LIMITS.name } },
      ]);
    const lists: Array<[string, readonly string[] | undefined, readonly [number, number]]> = [
      ['when.keywords', rule.when.keywords, RULE_LIMITS.keywords],
      ['when.channels', rule.when.channels, RULE_LIMITS.channels],
      ['when.tags', rule.when.tags, RULE_LIMITS.tags],
      ['set.tags', rule.set.tags, RULE_LIMITS.setTags],
    ];
    for (const [field, list, [most, longest]] of lists)
      if (list && (list.length > most || list.some((item) => !item.trim() || overChars(item, longest))))
        throw new ValidationError(`rule "${name}": ${field} takes at most ${most} entries of 1 to ${longest} characters`, [
          { field: `rules.${i}.${field}`, message: `at most ${most} entries of 1 to ${longest} characters`, code: 'listTooLong', values: { most, longest } },
        ]);
    const unknown = (rule.when.channels ?? []).find((channel) => !(CHANNELS as readonly string[]).includes(channel));
    if (unknown !== undefined)
      throw new ValidationError(`rule "${name}": "${unknown}" is not a channel`, [
        { field: `rules.${i}.when.channels`, message: `must be among ${CHANNELS.join(', ')}`, code: 'channelUnknown', values: { value: unknown } },
      ]);
    if (rule.set.type !== undefined && (!rule.set.type.trim() || overChars(rule.set.type, RULE_LIMITS.type)))
      throw new ValidationError(`rule "${name}": a type of 1 to ${RULE_LIMITS.type} characters`, [
        { field: `rules.${i}.set.type`, message: `1 to ${RULE_LIMITS.type} characters`, code: 'lengthBetween', values: { min: 1, max: RULE_LIMITS.type } },
      ]);
    if (!Object.values(rule.set).some((v) => v !== undefined))
      throw new ValidationError(`rule "${name}" sets nothing`, [
        { field: `rules.${i}.set`, message: 'set at least one of type, level, priority, tags', code: 'ruleSetsNothing' },
      ]);
  });
}
