import { Router } from 'express';
import { requireRole, type PageKit } from '../page-kit.js';

/**
 * Managers' pages. Every path under them is guarded by role first, so an agent gets a 403 page for any of
 * them, built or not. Only the workflow list (a manager's home, linking to each workflow's analytics) exists
 * here; analytics, the execution tables and the admin's page have their own routes.
 */
export function managerRoutes(kit: PageKit): Router {
  const router = Router();
  for (const path of ['/workflows', '/execution-tables']) router.use(path, requireRole('manager'));

  router.get('/workflows', async (req, res) => {
    const f = kit.formatter(req);
    const versions = await kit.catalog.latest();
    await kit.send(req, res, 'workflows', 'workflows.title', {
      rows: versions.map((v) => ({
        key: v.key,
        name: v.name,
        version: v.version,
        steps: Object.values(v.workflow.steps).filter((s) => s.kind !== 'automatic').length,
        channels: v.workflow.channels.map((c) => f.t(`channels.${c}`, { defaultValue: c })).join(', '),
        publishedAt: f.dateTime(v.publishedAt),
        publishedBy: v.publishedBy,
        analyticsHref: `/analytics/${encodeURIComponent(v.key)}`,
      })),
    });
  });

  return router;
}
