import { Router } from 'express';
import { requireRole, type PageKit } from '../page-kit.js';

/**
 * Managers' and admins' pages. Every path under them is guarded by role first, so an agent gets a 403 page
 * for any of them, built or not. Only the workflow list and the user list exist yet; analytics and the
 * execution tables come with their own issues.
 */
export function managerRoutes(kit: PageKit): Router {
  const router = Router();
  for (const path of ['/workflows', '/analytics', '/execution-tables']) router.use(path, requireRole('manager'));
  router.use('/admin', requireRole('admin'));

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

  for (const path of ['/analytics', '/execution-tables']) {
    router.get(path, async (req, res) => {
      await kit.send(req, res, 'coming-soon', path === '/analytics' ? 'nav.analytics' : 'nav.executionTables', {});
    });
  }

  router.get('/admin', async (req, res) => {
    const f = kit.formatter(req);
    const users = await kit.app.users.list();
    await kit.send(req, res, 'admin', 'admin.title', {
      rows: users.map((u) => ({ email: u.email, name: u.name, role: f.t(`roles.${u.role}`), locale: u.locale ? f.t(`languages.${u.locale}`, { defaultValue: u.locale }) : f.t('admin.browserLanguage') })),
    });
  });

  return router;
}
