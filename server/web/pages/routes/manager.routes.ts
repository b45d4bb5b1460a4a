import { Router } from 'express';
import { requireRole, type PageKit } from '../page-kit.js';

/**
 * Managers' pages. Every path under them is guarded by role first, so an agent gets a 403 page for any of
 * them, built or not. The pages themselves have their own routes: the workflow library
 * (`workflows.routes.ts`), analytics, the execution tables; the admin's page is `admin.routes.ts`.
 */
export function managerRoutes(_kit: PageKit): Router {
  const router = Router();
  for (const path of ['/workflows', '/execution-tables']) router.use(path, requireRole('manager'));
  return router;
}
