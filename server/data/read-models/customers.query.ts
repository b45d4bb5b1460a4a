import type { Database } from '../database.js';
import type { Knex } from 'knex';

export interface CustomerRecord {
  id: number;
  name: string;
  externalId: string | null;
  createdAt: number;
}

export interface CustomerTicketRow {
  id: number;
  workflowKey: string;
  channel: string;
  subject: string;
  level: string | null;
  vip: boolean;
  createdAt: number;
  closedAt: number | null;
}

/** A customer and their tickets on every channel, newest first: the page one click away from a ticket. */
export interface CustomersReadModel {
  byId(id: number): Promise<CustomerRecord | undefined>;
  /** Newest first, by keyset (`before`: the last id of the page before); `except` leaves one ticket out. */
  tickets(customerId: number, page: { before?: number; limit: number; except?: number }): Promise<{ rows: CustomerTicketRow[]; next?: number }>;
}

/** The customers read model on knex. */
export class KnexCustomersReadModel implements CustomersReadModel {
  private readonly knex: Knex;

  constructor(db: Database) {
    this.knex = db.knex;
  }

  async byId(id: number): Promise<CustomerRecord | undefined> {
    const row = (await this.knex('customers').where({ id }).first('id', 'name', 'external_id', 'created_at')) as
      | { id: number; name: string; external_id: string | null; created_at: number }
      | undefined;
    return row && { id: row.id, name: row.name, externalId: row.external_id, createdAt: Number(row.created_at) };
  }

  /** Newest first, by keyset (`before`: the last id of the page before), through the customer_id index. */
  async tickets(customerId: number, { before, limit, except }: { before?: number; limit: number; except?: number }): Promise<{ rows: CustomerTicketRow[]; next?: number }> {
    const query = this.knex('tickets')
      .where({ customer_id: customerId })
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .select('id', 'workflow_key', 'channel', 'subject', 'level', 'vip', 'created_at', 'closed_at');
    if (before !== undefined) query.where('id', '<', before);
    if (except !== undefined) query.whereNot('id', except);
    const rows = (
      (await query) as Array<{ id: number | string; workflow_key: string; channel: string; subject: string; level: string | null; vip: boolean | number; created_at: number; closed_at: number | null }>
    ).map((r) => ({
      id: Number(r.id),
      workflowKey: r.workflow_key,
      channel: r.channel,
      subject: r.subject,
      level: r.level,
      vip: Boolean(r.vip),
      createdAt: Number(r.created_at),
      closedAt: r.closed_at === null ? null : Number(r.closed_at),
    }));
    if (rows.length <= limit) return { rows };
    rows.length = limit;
    return { rows, next: rows[limit - 1]!.id };
  }
}
