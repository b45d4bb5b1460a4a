import { Router } from 'express';
import { AppError } from '../../../shared/errors.js';
import { LIVE_WORK_KINDS, type LiveWorkKind } from '../../../services/incidents/live-work.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';

/**
 * `/incidents` (managers): incidents and live work — breaches still running, escalations and failed timers
 * on open tickets in one list, newest first (`?kind=` narrows it); a failed timer has buttons that retry it or drop it.
 */
export function incidentRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/incidents', requireRole('manager'));

  router.get('/incidents', async (req, res) => {
    const f = kit.formatter(req);
    const kind = LIVE_WORK_KINDS.find((k) => k === req.query.kind);
    const [{ rows, counts }, versions] = await Promise.all([kit.app.liveWork.list(kind), kit.catalog.latest()]);
    // A workflow by its name, as the queue shows it; its key only when the library no longer has it.
    const names = new Map(versions.map((v) => [v.key, v.name]));
    const total = LIVE_WORK_KINDS.reduce((sum, k) => sum + counts[k], 0);
    const shown = kind ? counts[kind] : total;
    await kit.send(req, res, 'incidents', 'incidents.title', {
      tabs: [
        { href: '/incidents', label: f.t('incidents.kinds.all', { count: total }), current: !kind },
        ...LIVE_WORK_KINDS.map((k: LiveWorkKind) => ({
          href: `/incidents?kind=${k}`,
          label: f.t(`incidents.kinds.${k}`, { count: counts[k] }),
          current: k === kind,
        })),
      ],
      truncated: rows.length < shown ? f.t('incidents.truncated', { shown: rows.length, count: shown }) : undefined,
      rows: rows.map((row) => ({
        kind: row.kind,
        kindLabel: f.t(`incidents.kind.${row.kind}`),
        ticketId: row.ticketId,
        subject: row.subject,
        workflow: names.get(row.workflow) ?? row.workflow,
        channel: f.t(`channels.${row.channel}`, { defaultValue: row.channel }),
        vip: row.vip,
        where: row.kind === 'failed-timer' ? [row.step, row.flow].filter(Boolean).join(' → ') : (row.stepName ?? row.step ?? f.t('incidents.ticketLimit')),
        who: row.who,
        code: row.code,
        // A refused timer's error said by its code in the reader's language, the engine's English kept for hover;
        // an escalation's message is the SOP's own, shown as written.
        problem: row.code ? f.t(`incidents.codes.${row.code}`, { defaultValue: f.t(`errors.${row.code}.title`, { defaultValue: row.code }) }) : undefined,
        message: row.message,
        since: f.dateTime(row.since),
        incidentId: row.incidentId,
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
