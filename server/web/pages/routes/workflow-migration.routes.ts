import { Router, type Request, type Response } from 'express';
import { AppError, ConflictError, ValidationError } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { MigrationPlan } from '../../../services/workflows/migration.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { problemText } from '../view-models/problem-text.js';
import { migrationModel } from '../view-models/migration-page.js';

/** A version number from a form or the query string, or undefined. */
function versionOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/** Why nothing was moved, in the reader's language: a sentence and, when the refusal names tickets, one line each. */
interface Refusal {
  text: string;
  tickets?: string[];
}

/**
 * `/workflows/:key/migrate` (managers and admins): choose two versions, read the dry run's plan (each waiting
 * ticket replayed through the later version), tick the tickets to move and apply (a CSRF-checked form). A
 * refused apply (a ticket changed since the plan, or cannot move) re-shows the fresh plan with the reason,
 * naming the tickets; versions chosen the wrong way round are said as such, not as a ticket that cannot move.
 */
export function workflowMigrationRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/workflows/:key/migrate', requireRole('manager'));

  const page = async (req: Request, res: Response, chosen: { from?: number; to?: number }, refusal?: Refusal, status = 200) => {
    const key = String(req.params.key);
    const f = kit.formatter(req);
    const versions = await kit.app.workflowOverview.versions(key);
    const latest = versions[0]!.version;
    const to = chosen.to ?? latest;
    const from = chosen.from ?? versions.find((v) => v.version < to && v.open > 0)?.version;
    let plan: MigrationPlan | undefined;
    try {
      if (from !== undefined) plan = await kit.app.migrations.plan(key, from, to);
    } catch (error) {
      const backwards = error instanceof ValidationError && backwardsRefusal(error, f);
      if (!backwards) throw error;
      refusal ??= backwards;
      status = 400;
    }
    const model = migrationModel(key, versions, { from, to }, plan, f);
    await kit.send(req, res, 'workflow-migrate', { text: `${f.t('migration.title')} · ${key}` }, { ...model, refusal }, status);
  };

  router.get('/workflows/:key/migrate', (req, res) => page(req, res, { from: versionOf(req.query.from), to: versionOf(req.query.to) }));

  router.post('/workflows/:key/migrate', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const from = versionOf(body.from);
    const to = versionOf(body.to);
    if (from === undefined || to === undefined) throw new AppError('bad_request', 'choose the versions to migrate from and to');
    const picked = ([] as unknown[]).concat(body.ticket ?? []).flatMap((value) => {
      const match = typeof value === 'string' ? /^(\d{1,15}):(\d{1,9})$/.exec(value) : null;
      return match ? [{ id: Number(match[1]), revision: Number(match[2]) }] : [];
    });
    const f = kit.formatter(req);
    if (!picked.length) return page(req, res, { from, to }, { text: f.t('migration.noneChosen') }, 400);
    try {
      const applied = await kit.app.migrations.apply(req.params.key, from, to, picked, req.user!.email);
      flash(req, { kind: 'success', key: 'migration.applied', values: { count: applied.moved.length, from, to } });
      res.redirect(303, `/workflows/${encodeURIComponent(req.params.key)}?version=${to}`);
    } catch (error) {
      if (error instanceof ConflictError) return page(req, res, { from, to }, { text: f.t('migration.stale', { tickets: staleTickets(error, f) }) }, 409);
      if (error instanceof ValidationError) {
        const refusal = backwardsRefusal(error, f) ?? { text: f.t('migration.cannotMove', { to }), tickets: error.problems.map((p) => problemText(f, p)) };
        return page(req, res, { from, to }, refusal, 400);
      }
      throw error;
    }
  });

  return router;
}

/** The service's refusal of a move to a version that is not later (its `versionNotLater` problem), worded as such. */
function backwardsRefusal(error: ValidationError, f: Formatter): Refusal | undefined {
  const problem = error.problems.find((p) => p.code === 'versionNotLater');
  return problem && { text: f.t('migration.backwards', { ...problem.values }) };
}

/** The tickets a stale apply names (`details.stale[].id`), as "#3、#7" / "#3, #7". */
function staleTickets(error: ConflictError, f: Formatter): string {
  const stale = (error.details as { stale?: Array<{ id: number }> } | undefined)?.stale ?? [];
  return f.list(stale.map((s) => `#${s.id}`));
}
