import { NotFoundError } from '../../shared/errors.js';
import type { CustomerRecord, CustomersReadModel, CustomerTicketRow } from '../../data/read-models/customers.query.js';

export type { CustomerRecord, CustomerTicketRow } from '../../data/read-models/customers.query.js';

/** A customer and their tickets on every channel: one click away from any of their tickets. */
export class CustomerHistory {
  constructor(private readonly customers: CustomersReadModel) {}

  /** Throws NotFoundError when there is no such customer. */
  async get(id: number): Promise<CustomerRecord> {
    const customer = await this.customers.byId(id);
    if (!customer) throw new NotFoundError(`no customer ${id}`);
    return customer;
  }

  /** Newest first, by keyset (`before`: the `next` of the page before); `except` leaves one ticket out. */
  tickets(customerId: number, page: { before?: number; limit: number; except?: number }): Promise<{ rows: CustomerTicketRow[]; next?: number }> {
    return this.customers.tickets(customerId, page);
  }
}
