import type { Knex } from 'knex';
import { appendAudit, type AuditEntry } from '../audit/audit-repository.js';
import { listSql, type Database } from '../database.js';
import type { Classification, Rule, StoredClassification } from './routing-records.js';

/** The classification rules in order, what they set on each ticket (with any correction), and the tickets a trial runs on. */
export class RuleRepository {
  constructor(private readonly db: Database) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  async rules(): Promise<Rule[]> {
    const rows = (await this.knex('routing_rules').orderBy('position')) as Array<{ name: string; when_json: string; set_json: string }>;
    return rows.map((r) => ({ name: r.name, when: JSON.parse(r.when_json) as Rule['when'], set: JSON.parse(r.set_json) as Rule['set'] }));
  }

  replaceRules(rules: readonly Rule[], actor: string, now: number, audit: AuditEntry): Promise<void> {
    return this.db.write(async (trx) => {
      await trx('routing_rules').delete();
      if (rules.length)
        await trx('routing_rules').insert(
          rules.map((r, i) => ({ position: i, name: r.name, when_json: JSON.stringify(r.when), set_json: JSON.stringify(r.set), updated_at: now, updated_by: actor })),
        );
      await appendAudit(trx, [audit]);
    });
  }

  /** Per rule name: tickets it classified, and how many of those an agent corrected. */
  async ruleCounts(): Promise<Map<string, { hits: number; corrections: number }>> {
    const rows = (await this.knex('ticket_classifications')
      .whereNotNull('rule')
      .groupBy('rule')
      .select('rule', this.knex.raw('COUNT(*) AS hits'), this.knex.raw('COUNT(corrected_at) AS corrections'))) as Array<{
      rule: string;
      hits: number | string;
      corrections: number | string;
    }>;
    return new Map(rows.map((r) => [r.rule, { hits: Number(r.hits), corrections: Number(r.corrections) }]));
  }

  async classifications(ticketIds: readonly number[]): Promise<Map<number, StoredClassification>> {
    if (!ticketIds.length) return new Map();
    const rows = await this.db.rows<{
      ticket_id: number | string;
      value_json: string;
      original_json: string | null;
      corrected_by: string | null;
      corrected_at: number | string | null;
    }>(`SELECT ticket_id, value_json, original_json, corrected_by, corrected_at FROM ticket_classifications WHERE ticket_id IN (${listSql(ticketIds.length)})`, ticketIds);
    return new Map(
      rows.map((r) => {
        const value = JSON.parse(r.value_json) as StoredClassification;
        if (r.original_json) value.corrected = { by: r.corrected_by!, at: Number(r.corrected_at), original: JSON.parse(r.original_json) as Classification };
        return [Number(r.ticket_id), value];
      }),
    );
  }

  /** An agent's correction: the value replaced, the rule's first answer kept as the original; false when the ticket has none. */
  correct(ticketId: number, value: Classification, actor: string, now: number): Promise<boolean> {
    return this.db.write(async (trx) => {
      const [row] = (await trx('ticket_classifications').where('ticket_id', ticketId).select('value_json', 'original_json')) as Array<{
        value_json: string;
        original_json: string | null;
      }>;
      if (!row) return false;
      await trx('ticket_classifications')
        .where('ticket_id', ticketId)
        .update({ value_json: JSON.stringify(value), original_json: row.original_json ?? row.value_json, corrected_by: actor, corrected_at: now });
      return true;
    });
  }

  /** The newest `limit` tickets, for a rule set's trial run. */
  async recentTickets(limit: number): Promise<Array<{ id: number; subject: string; channel: string; vip: boolean; fields: Record<string, unknown> }>> {
    const rows = (await this.knex('tickets').orderBy('id', 'desc').limit(limit).select('id', 'subject', 'channel', 'vip', 'fields')) as Array<{
      id: number | string;
      subject: string;
      channel: string;
      vip: boolean | number;
      fields: string | Record<string, unknown>;
    }>;
    return rows.map((r) => ({
      id: Number(r.id),
      subject: r.subject,
      channel: r.channel,
      vip: r.vip === true || Number(r.vip) === 1,
      fields: typeof r.fields === 'string' ? (JSON.parse(r.fields) as Record<string, unknown>) : r.fields,
    }));
  }
}
