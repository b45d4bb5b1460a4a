import { Router } from 'express';
import { requireRole, type PageKit } from '../page-kit.js';

/**
 * Managers' pages. Every path under them is guarded by role first, so an agent gets a 403 page for any of
 * them, built or not. The workflow library has its own routes (`workflows.routes.ts`); analytics comes with its own issue, the execution
 * tables have their own routes, the admin's page is `admin.routes.ts`.
 */
export function managerRoutes(kit: PageKit): Router {
  const router = Router();
  for (const path of ['/workflows', '/analytics', '/execution-tables']) router.use(path, requireRole('manager'));

  router.get('/analytics', async (req, res) => {
    await kit.send(req, res, 'coming-soon', 'nav.analytics', {});
  });

  return router;
}
