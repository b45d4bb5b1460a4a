import { Router } from 'express';
import { AppError } from '../../../shared/errors.js';
import { INCIDENT_LIST_LIMIT } from '../../../services/incidents/incidents.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';

/** `/incidents` (managers): timers the engine refused to fire, each with buttons that retry it or drop its timer. */
export function incidentRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/incidents', requireRole('manager'));

  router.get('/incidents', async (req, res) => {
    const f = kit.formatter(req);
    const { items: incidents } = await kit.app.incidents.list('open', { limit: INCIDENT_LIST_LIMIT });
    await kit.send(req, res, 'incidents', 'incidents.title', {
      rows: incidents.map((incident) => ({
        id: incident.id,
        ticketId: incident.ticketId,
        subject: incident.subject,
        workflow: incident.workflow,
        where: [incident.elementId, incident.flowId].filter(Boolean).join(' → '),
        code: incident.code,
        message: incident.message,
        since: f.dateTime(incident.createdAt),
      })),
    });
  });

  for (const action of ['retry', 'dismiss'] as const) {
    router.post(`/incidents/:id/${action}`, async (req, res) => {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || !/^\d+$/.test(String(req.params.id))) throw new AppError('not_found', `no incident ${String(req.params.id)}`);
      await kit.app.incidents[action](id, req.user!.email);
      flash(req, { kind: 'success', key: action === 'retry' ? 'incidents.retried' : 'incidents.dismissed' });
      res.redirect(303, '/incidents');
    });
  }

  return router;
}
