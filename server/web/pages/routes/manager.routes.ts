import { Router } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import { AppError } from '../../../shared/errors.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { idOf } from '../../http/ids.js';

/**
 * Managers' and admins' pages. Every path under them is guarded by role first, so an agent gets a 403 page
 * for any of them, built or not. Only the workflow list and the user list (with SOP roles) exist here; analytics
 * comes with its own issue, the execution tables have their own routes.
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

  router.get('/analytics', async (req, res) => {
    await kit.send(req, res, 'coming-soon', 'nav.analytics', {});
  });

  router.get('/admin', async (req, res) => {
    const f = kit.formatter(req);
    const [users, lanes, versions] = await Promise.all([kit.app.users.list(), kit.app.users.lanes(), kit.catalog.latest()]);
    const known = ownersOf(versions.map((v) => v.workflow));
    await kit.send(req, res, 'admin', 'admin.title', {
      rows: users.map((u) => {
        const own = lanes.get(u.id) ?? [];
        return {
          id: u.id,
          email: u.email,
          name: u.name,
          role: f.t(`roles.${u.role}`),
          locale: u.locale ? f.t(`languages.${u.locale}`, { defaultValue: u.locale }) : f.t('admin.browserLanguage'),
          lanes: own.join(', '),
          choices: known.map((lane) => ({ lane, checked: own.includes(lane) })),
          other: own.filter((lane) => !known.includes(lane)).join(', '),
        };
      }),
    });
  });

  // Lanes come from the checkboxes (the workflows' lanes) and a free-text list for roles no workflow names yet.
  router.post('/admin/users/:id/lanes', async (req, res) => {
    const id = idOf(req.params.id);
    const body = req.body as Record<string, unknown>;
    const checked = ([] as unknown[]).concat(body.lane ?? []).filter((lane): lane is string => typeof lane === 'string');
    const other = typeof body.other === 'string' ? body.other.split(/[,，]/) : [];
    if (id === undefined) throw new AppError('not_found', `no user ${String(req.params.id)}`);
    await kit.app.users.setLanes(id, [...checked, ...other]);
    flash(req, { kind: 'success', key: 'admin.lanesSaved' });
    res.redirect(303, '/admin');
  });

  return router;
}
