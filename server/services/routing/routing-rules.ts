import type { RuleRepository } from '../../data/routing/rule-repository.js';
import type { Classification, Rule, StoredClassification } from '../../data/routing/routing-records.js';
import type { Clock } from '../../shared/clock.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
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
      throw new ValidationError(`limit must be from 1 to ${TRIAL_MAX}`, [{ field: 'limit', message: `must be from 1 to ${TRIAL_MAX}` }]);
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

  /** Classifies a new ticket and stores what was set and by which rule (nothing while there are no rules). */
  async classifyNew(ticketId: number, intake: Intake): Promise<Classification | undefined> {
    this.cached ??= await this.repository.rules();
    if (!this.cached.length) return undefined;
    const value = classify(this.cached, intake);
    await this.repository.saveClassification(ticketId, value, this.clock.now());
    return value;
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
  if (rules.length > MAX_RULES) throw new ValidationError(`at most ${MAX_RULES} rules`, [{ field: 'rules', message: `at most ${MAX_RULES} rules` }]);
  const names = new Set<string>();
  rules.forEach((rule, i) => {
    const name = rule.name.trim();
    if (!name) throw new ValidationError('a rule needs a name', [{ field: `rules.${i}.name`, message: 'is empty' }]);
    if (names.has(name)) throw new ValidationError(`two rules are named "${name}"`, [{ field: `rules.${i}.name`, message: 'is used by an earlier rule' }]);
    names.add(name);
    if (!Object.values(rule.set).some((v) => v !== undefined))
      throw new ValidationError(`rule "${name}" sets nothing`, [{ field: `rules.${i}.set`, message: 'set at least one of type, level, priority, tags' }]);
  });
}
