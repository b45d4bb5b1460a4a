import { Router } from 'express';
import { NotFoundError } from '../../../shared/errors.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { idOf } from '../../http/ids.js';

const PAGE_SIZE = 50;

/** `/customers/:id`: the customer and their tickets on every channel, newest first. */
export function customerRoutes(kit: PageKit): Router {
  const router = Router();
  router.get('/customers/:id', requireRole('agent'), async (req, res) => {
    const id = idOf(req.params.id);
    if (id === undefined) throw new NotFoundError(`no customer ${req.params.id}`);
    const customer = await kit.app.customers.get(id);
    const before = idOf(req.query.before);
    const page = await kit.app.customers.tickets(id, { limit: PAGE_SIZE, ...(before !== undefined ? { before } : {}) });
    const f = kit.formatter(req);
    // A workflow by its name, as the queue shows it; its key only when the library no longer has it.
    const names = new Map((await kit.catalog.latest()).map((v) => [v.key, v.name]));
    await kit.send(
      req,
      res,
      'customer',
      { text: customer.name },
      {
        customer: { ...customer, since: f.dateTime(customer.createdAt) },
        rows: page.rows.map((row) => ({
          id: row.id,
          subject: row.subject,
          workflow: names.get(row.workflowKey) ?? row.workflowKey,
          channel: f.t(`channels.${row.channel}`, { defaultValue: row.channel }),
          level: row.level ?? '',
          vip: row.vip,
          createdAt: f.dateTime(row.createdAt),
          status: f.t(`ticket.status.${row.closedAt === null ? 'open' : 'closed'}`),
        })),
        nextHref: page.next ? `/customers/${id}?before=${page.next}` : undefined,
        firstHref: req.query.before ? `/customers/${id}` : undefined,
      },
    );
  });
  return router;
}
