import { Router } from 'express';
import { requireRole, type PageKit } from '../page-kit.js';

/**
 * Managers' pages. Every path under them is guarded by role first, so an agent gets a 403 page for any of
 * them, built or not. Only the workflow list exists here; analytics comes with its own issue, the execution
 * tables have their own routes, the admin's page is `admin.routes.ts`.
 */
export function managerRoutes(kit: PageKit): Router {
  const router = Router();
  for (const path of ['/workflows', '/analytics', '/execution-tables']) router.use(path, requireRole('manager'));

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
      })),
    });
  });

  router.get('/analytics', async (req, res) => {
    await kit.send(req, res, 'coming-soon', 'nav.analytics', {});
  });

  return router;
}
