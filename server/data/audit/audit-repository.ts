import type { Database, Transaction } from '../database.js';

/** One change of people or tokens, as stored: never a password or a token's secret. */
export interface AuditEntry {
  at: number;
  /** Who made the change: a user's email, or `sopflow-cli` for the command line. */
  actor: string;
  /** What kind of change: `user.add`, `user.role`, `token.revoke`, … (the audit service names them). */
  action: string;
  /** What was changed: `user 5 li.na@agents.test`, `token 12 (crm) of li.na@agents.test`. */
  target: string;
  /** The changed fields before and after; null when the thing did not exist before (or no longer does). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

/** The audit log: appended by the repositories inside the transaction of the change, read newest first. */
export interface AuditRepository {
  /** Up to `limit` entries older than the entry `before` (absent: the newest), newest first. */
  page(options: { before?: number; limit: number }): Promise<AuditRecord[]>;
}

interface AuditRow {
  id: number | string;
  at: number | string;
  actor: string;
  action: string;
  target: string;
  before: string | null;
  after: string | null;
}

const parse = (text: string | null) => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

/** Appends entries in the caller's transaction: the change and its entry are stored together or not at all. */
export async function appendAudit(trx: Transaction, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await trx('audit_log').insert(
    entries.map((entry) => ({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      before: entry.before === null ? null : JSON.stringify(entry.before),
      after: entry.after === null ? null : JSON.stringify(entry.after),
    })),
  );
}

export class KnexAuditRepository implements AuditRepository {
  constructor(private readonly db: Database) {}

  async page({ before, limit }: { before?: number; limit: number }): Promise<AuditRecord[]> {
    const query = this.db.knex('audit_log').orderBy('id', 'desc').limit(limit);
    if (before !== undefined) query.where('id', '<', before);
    const rows = (await query) as AuditRow[];
    return rows.map((row) => ({
      id: Number(row.id),
      at: Number(row.at),
      actor: row.actor,
      action: row.action,
      target: row.target,
      before: parse(row.before),
      after: parse(row.after),
    }));
  }
}
