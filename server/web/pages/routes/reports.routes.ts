import { Router, type Request, type Response } from 'express';
import type { ReportFrequency } from '../../../services/reports/reports.js';
import { NotFoundError, ValidationError } from '../../../shared/errors.js';
import { isLocale } from '../../../shared/i18n.js';
import { hasRole } from '../../../services/users/users.js';
import { idOf } from '../../http/ids.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { problemLines, reportsPage, type SubscriptionForm } from '../view-models/reports-page.js';

/**
 * `/reports` (managers): every report subscription (a manager deletes their own; an admin any), a form to
 * subscribe, and the reports made, newest first, each downloading from the API (`/api/reports/:id/download`).
 */
export function reportRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/reports', requireRole('manager'));
  const { reports } = kit.app;

  async function send(req: Request, res: Response, form?: SubscriptionForm, status = 200): Promise<void> {
    const f = kit.formatter(req);
    const before = idOf(req.query.before);
    const [subscriptions, page, versions] = await Promise.all([
      reports.subscriptions(),
      reports.list(before !== undefined ? { before } : {}),
      kit.catalog.latest(),
    ]);
    const user = req.user!;
    const model = reportsPage({
      subscriptions,
      page,
      workflows: versions.map((v) => ({ key: v.key, name: v.name })),
      settings: reports.settings,
      f,
      canDelete: (owner) => owner === user.email || hasRole(user, 'admin'),
      form: form ?? { workflow: '', frequency: 'weekly', timeZone: reports.settings.timeZone, locale: f.locale, problems: [] },
      now: kit.app.clock.now(),
    });
    await kit.send(req, res, 'reports', 'reports.title', model, status);
  }

  router.get('/reports', (req, res) => send(req, res));

  router.post('/reports/subscriptions', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const f = kit.formatter(req);
    const form: SubscriptionForm = {
      workflow: text('workflow'),
      frequency: text('frequency'),
      timeZone: text('timeZone'),
      locale: text('locale'),
      problems: [],
    };
    try {
      await reports.subscribe(
        {
          workflow: form.workflow || null,
          frequency: form.frequency as ReportFrequency,
          timeZone: form.timeZone,
          ...(isLocale(form.locale) ? { locale: form.locale } : {}),
        },
        req.user!,
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return send(req, res, { ...form, problems: problemLines(error.problems, f) }, 400);
    }
    flash(req, { kind: 'success', key: 'reports.subscribed', values: { frequency: f.t(`reports.frequencies.${form.frequency}`) } });
    res.redirect(303, '/reports');
  });

  router.post('/reports/subscriptions/:id/delete', async (req, res) => {
    const id = idOf(req.params.id);
    if (id === undefined) throw new NotFoundError(`no report subscription ${String(req.params.id)}`);
    await reports.unsubscribe(id, req.user!);
    flash(req, { kind: 'info', key: 'reports.unsubscribed' });
    res.redirect(303, '/reports');
  });

  return router;
}
