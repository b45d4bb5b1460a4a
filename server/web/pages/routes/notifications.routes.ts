import { Router } from 'express';
import { noticeMessage } from '../view-models/notice-text.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { idOf } from '../../http/ids.js';

const PAGE_SIZE = 50;

/** `/notifications`: reminders and escalations for me or my role, newest first; mark one or all read. */
export function notificationRoutes(kit: PageKit): Router {
  const router = Router();
  const { inbox } = kit.app;

  router.get('/notifications', requireRole('agent'), async (req, res) => {
    const f = kit.formatter(req);
    const all = req.query.show === 'all';
    const before = idOf(req.query.before);
    const page = await inbox.list(req.user!, { all, limit: PAGE_SIZE, ...(before !== undefined ? { before } : {}) });
    const stepNames = new Map<string, string>();
    for (const version of await kit.catalog.latest()) for (const step of Object.values(version.workflow.steps)) stepNames.set(step.id, step.name);
    await kit.send(req, res, 'notifications', 'notifications.title', {
      all,
      rows: page.entries.map((n) => ({
        id: n.id,
        ticketId: n.ticketId,
        subject: n.subject,
        kind: f.t(`notifications.kinds.${n.kind}`, { defaultValue: n.kind }),
        escalation: n.kind.endsWith('breach') || n.kind === 'escalation',
        step: n.step ? (stepNames.get(n.step) ?? n.step) : undefined,
        recipient: n.recipient ?? undefined,
        message: noticeMessage(n, f),
        when: f.dateTime(n.createdAt),
        unread: n.unread,
        unowned: n.unowned,
      })),
      nextHref: page.next ? `/notifications?${all ? 'show=all&' : ''}before=${page.next}` : undefined,
    });
  });

  router.post('/notifications/read-all', requireRole('agent'), async (req, res) => {
    const count = await inbox.markAllRead(req.user!);
    flash(req, { kind: 'info', key: 'notifications.allRead', values: { count } });
    res.redirect(303, '/notifications');
  });

  router.post('/notifications/:id/read', requireRole('agent'), async (req, res) => {
    const id = idOf(req.params.id);
    if (id !== undefined) await inbox.markRead(req.user!, id);
    res.redirect(303, typeof req.body === 'object' && (req.body as Record<string, unknown>).show === 'all' ? '/notifications?show=all' : '/notifications');
  });

  return router;
}
