import { Router, type Request, type Response } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import { AppError, NotFoundError } from '../../../shared/errors.js';
import { PRIORITIES, type Rule } from '../../../services/routing/classify.js';
import type { RuleTrial } from '../../../services/routing/routing-rules.js';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '../../../services/routing/webhook-messages.js';
import { hasRole } from '../../../services/users/users.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';

const text = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');
const list = (value: string) => [
  ...new Set(
    value
      .split(/[,，\n]/)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

function idParam(value: unknown): number {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,15}$/.test(value)) throw new NotFoundError(`no such id ${String(value)}`);
  return Number(value);
}

/** The rule set as typed in the editor (JSON: an array of rules); a parse error is the manager's to fix. */
function rulesOf(source: string): Rule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (error) {
    throw new AppError('validation_failed', `rules: ${(error as Error).message}`, [{ field: 'rules', message: 'is not JSON' }]);
  }
  if (!Array.isArray(parsed) || parsed.some((r) => typeof r !== 'object' || r === null || typeof (r as Rule).name !== 'string'))
    throw new AppError('validation_failed', 'rules must be a JSON array of {name, when, set}', [{ field: 'rules', message: 'is not an array of rules' }]);
  return (parsed as Rule[]).map((r) => ({ name: r.name, when: r.when ?? {}, set: r.set ?? {} }));
}

/**
 * `/routing` (managers): the classification rules with their hits and corrections, a trial run before saving,
 * lane policies, agents' skills, level, capacity, load and presence (edited by admins), and webhooks with
 * their last error (admins). Each change goes through the routing services, as the API's do.
 */
export function routingRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/routing', requireRole('manager'));
  const { routing, webhooks } = kit.app;

  async function show(req: Request, res: Response, extra: { trial?: RuleTrial; source?: string; problem?: string; status?: number } = {}): Promise<void> {
    const f = kit.formatter(req);
    const admin = hasRole(req.user!, 'admin');
    routing.assignments.forget();
    const [rules, lanes, agents, versions, hooks] = await Promise.all([
      routing.rules.list(),
      routing.assignments.lanes(),
      routing.assignments.profiles(),
      kit.catalog.latest(),
      admin ? webhooks.list() : Promise.resolve([]),
    ]);
    const laneNames = [...new Set([...ownersOf(versions.map((v) => v.workflow)), ...lanes.keys()])].sort();
    const describe = (values: Record<string, unknown>) =>
      Object.entries(values)
        .filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length))
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
        .join('; ');
    await kit.send(
      req,
      res,
      'routing',
      'routing.title',
      {
        admin,
        problem: extra.problem,
        source:
          extra.source ??
          JSON.stringify(
            rules.map(({ name, when, set }) => ({ name, when, set })),
            null,
            2,
          ),
        rules: rules.map((r, i) => ({
          position: i + 1,
          name: r.name,
          when: describe({ ...r.when }),
          set: describe({ ...r.set }),
          hits: r.hits,
          corrections: r.corrections,
        })),
        trial: extra.trial && {
          tested: extra.trial.tested,
          rows: extra.trial.changed.map((c) => ({
            ticketId: c.ticketId,
            subject: c.subject,
            before: c.before ? describe({ ...c.before }) : '–',
            after: describe({ ...c.after }),
          })),
        },
        lanes: laneNames.map((lane) => ({ lane, push: lanes.get(lane)?.policy === 'push', lead: lanes.get(lane)?.lead ?? '' })),
        agents: agents.map((a) => ({
          ...a,
          skillsText: a.skills.join(', '),
          lanesText: a.lanes.join(', '),
          presenceLabel: f.t(`routing.presence.${a.presence}`),
          levels: ['', 'L1', 'L2', 'L3'].map((level) => ({ level, selected: (a.level ?? '') === level })),
        })),
        webhooks: hooks.map((h) => ({ ...h, eventsText: h.events.join(', '), lastErrorAt: h.lastErrorAt ? f.dateTime(h.lastErrorAt) : '' })),
        formats: WEBHOOK_FORMATS,
        events: WEBHOOK_EVENTS,
      },
      extra.status,
    );
  }

  router.get('/routing', (req, res) => show(req, res));

  router.post('/routing/rules', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const source = text(body, 'rules');
    try {
      const rules = rulesOf(source);
      if (body.action === 'save') {
        await routing.rules.save(req.user!, rules);
        flash(req, { kind: 'success', key: 'routing.saved' });
        return res.redirect(303, '/routing');
      }
      const limit = Number(text(body, 'limit') || '100');
      return await show(req, res, { source, trial: await routing.rules.trial(rules, limit) });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      return show(req, res, { source, problem: error.message, status: 400 });
    }
  });

  router.post('/routing/lanes', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    await routing.assignments.setLane(req.user!, text(body, 'lane'), body.policy === 'push' ? 'push' : 'pull', text(body, 'lead') || null);
    flash(req, { kind: 'success', key: 'routing.saved' });
    res.redirect(303, '/routing');
  });

  router.post('/routing/agents/:id', requireRole('admin'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const level = text(body, 'level');
    await routing.assignments.setProfile(req.user!, idParam(req.params.id), {
      skills: list(text(body, 'skills')),
      level: level === 'L1' || level === 'L2' || level === 'L3' ? level : null,
      capacity: Number(text(body, 'capacity') || '0'),
    });
    flash(req, { kind: 'success', key: 'routing.saved' });
    res.redirect(303, '/routing');
  });

  // Presence is set by each agent on their queue; going offline gives their unstarted tickets back to routing.
  router.post('/presence', requireRole('agent'), async (req, res) => {
    const status = text(req.body as Record<string, unknown>, 'status');
    if (status === 'online' || status === 'away' || status === 'offline') await routing.setPresence(req.user!, req.user!.id, status);
    flash(req, { kind: 'success', key: 'routing.saved' });
    res.redirect(303, '/queue');
  });

  router.post('/routing/webhooks', requireRole('admin'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const events = (Array.isArray(body.events) ? body.events : [body.events]).filter((e): e is string => typeof e === 'string');
    const format = WEBHOOK_FORMATS.find((x) => x === body.format) ?? 'json';
    const secret = text(body, 'secret');
    try {
      await webhooks.create(req.user!, { url: text(body, 'url'), format, events, ...(secret ? { secret } : {}) });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      return show(req, res, { problem: error.message, status: 400 });
    }
    flash(req, { kind: 'success', key: 'routing.saved' });
    res.redirect(303, '/routing');
  });

  // A lead gives a ticket's routed step to another member of the lane: one click, audited, capacity held.
  router.post('/tickets/:id/assign', requireRole('manager'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const id = idParam(req.params.id);
    const visit = Number(text(body, 'visit'));
    await routing.assignments.reassign(req.user!, id, idParam(text(body, 'agentId')), Number.isSafeInteger(visit) && visit > 0 ? visit : undefined);
    flash(req, { kind: 'success', key: 'routing.card.assigned' });
    res.redirect(303, `/tickets/${id}`);
  });

  // Any agent corrects a ticket's classification from its page; the correction counts against the rule.
  router.post('/tickets/:id/classification', requireRole('agent'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const id = idParam(req.params.id);
    const level = text(body, 'level');
    const priority = PRIORITIES.find((p) => p === text(body, 'priority'));
    await routing.rules.correct(req.user!, id, {
      type: text(body, 'type') || null,
      level: level === 'L1' || level === 'L2' || level === 'L3' ? level : null,
      ...(priority ? { priority } : {}),
      tags: list(text(body, 'tags')),
    });
    flash(req, { kind: 'success', key: 'routing.card.saved' });
    res.redirect(303, `/tickets/${id}`);
  });

  return router;
}
