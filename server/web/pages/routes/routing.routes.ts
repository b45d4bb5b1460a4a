import express, { Router, type Request, type Response } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import { AppError, NotFoundError, ValidationError } from '../../../shared/errors.js';
import { PRIORITIES } from '../../../services/routing/classify.js';
import { levelOf, policyOf, presenceOf } from '../../../services/routing/routing-values.js';
import type { RuleTrial } from '../../../services/routing/routing-rules.js';
import { WEBHOOK_EVENTS, WEBHOOK_FORMATS } from '../../../services/routing/webhook-messages.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import { hasRole } from '../../../services/users/users.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import {
  actionOf,
  applyAction,
  describeClassification,
  describeSet,
  describeWhen,
  digestOf,
  draftOf,
  draftsFromForm,
  editorModel,
  ruleOf,
  RULE_FORM_BYTES,
  RULE_FORM_FIELDS,
  type RuleDraft,
} from '../view-models/rule-editor.js';
import { routingRefusal, webhookEventLabel, type RoutingRefusal } from '../view-models/routing-text.js';

/** The rule editor's form: posted whole, so it may be larger than other forms (read before them, managers only). */
export const RULES_FORM_PATH = '/routing/rules';
export const rulesFormBody = () => express.urlencoded({ extended: false, limit: RULE_FORM_BYTES, parameterLimit: RULE_FORM_FIELDS });
/** How many of the newest tickets a trial runs on unless the manager says otherwise. */
const TRIAL_DEFAULT = 100;

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

/**
 * `/routing` (managers): the classification rules with their hits and corrections, a trial run before saving,
 * lane policies, agents' skills, level, capacity, load and presence (edited by admins), and webhooks with
 * their last error (admins). Each change goes through the routing services, as the API's do.
 */
export function routingRoutes(kit: PageKit): Router {
  const router = Router();
  router.use('/routing', requireRole('manager'));
  const { routing, webhooks } = kit.app;

  interface Shown {
    /** The editor's cards as posted (else the saved rules). */
    drafts?: RuleDraft[];
    limit?: number;
    trial?: RuleTrial;
    /** The digest of the rules the trial shown was run on: Save saves them. */
    tested?: string;
    /** Save was pressed on rules whose trial had not been shown: it is shown now, to be looked at first. */
    review?: boolean;
    problem?: RoutingRefusal;
    /** The card the problem is on. */
    invalid?: number;
    status?: number;
  }

  async function show(req: Request, res: Response, extra: Shown = {}): Promise<void> {
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
    const drafts = extra.drafts ?? rules.map(draftOf);
    await kit.send(
      req,
      res,
      'routing',
      'routing.title',
      {
        admin,
        problem: extra.problem,
        rules: rules.map((r, i) => ({
          position: i + 1,
          name: r.name,
          when: describeWhen(r.when, f),
          set: describeSet(r.set, f),
          hits: r.hits,
          corrections: r.corrections,
        })),
        editor: {
          rules: editorModel(drafts, new Map(rules.map((r) => [r.name, r])), extra.invalid, f),
          count: drafts.length,
          limit: extra.limit ?? TRIAL_DEFAULT,
          tested: extra.tested,
          review: extra.review,
          // A draft that differs from what is saved: said above the buttons, so leaving the page is a choice.
          unsaved: extra.drafts !== undefined,
        },
        trial: extra.trial && {
          tested: extra.trial.tested,
          rows: extra.trial.changed.map((c) => ({
            ticketId: c.ticketId,
            subject: c.subject,
            before: c.before ? describeClassification(c.before, f) : '–',
            after: describeClassification(c.after, f),
          })),
        },
        lanes: laneNames.map((lane) => ({ lane, push: lanes.get(lane)?.policy === 'push', lead: lanes.get(lane)?.lead ?? '' })),
        agents: agents.map((a) => ({
          ...a,
          channels: CHANNELS.map((channel) => ({ channel, label: f.t(`channels.${channel}`), capacity: a.capacity[channel] ?? 0 })),
          loadText:
            CHANNELS.filter((c) => a.capacity[c] || a.load[c])
              .map((c) => `${f.t(`channels.${c}`)} ${a.load[c] ?? 0}/${a.capacity[c] ?? 0}`)
              .join(' · ') || '–',
          skillsText: a.skills.join(', '),
          lanesText: a.lanes.join(', '),
          presenceLabel: f.t(`routing.presence.${a.presence}`),
          levels: ['', 'L1', 'L2', 'L3'].map((level) => ({ level, selected: (a.level ?? '') === level })),
        })),
        webhooks: hooks.map((h) => ({
          ...h,
          formatLabel: f.t(`routing.webhooks.formats.${h.format}`),
          eventsText: f.list(h.events.map((e) => webhookEventLabel(f, e))),
          lastErrorAt: h.lastErrorAt ? f.dateTime(h.lastErrorAt) : '',
        })),
        formats: WEBHOOK_FORMATS.map((format) => ({ value: format, label: f.t(`routing.webhooks.formats.${format}`) })),
        events: WEBHOOK_EVENTS.map((event) => ({ value: event, label: webhookEventLabel(f, event) })),
      },
      extra.status,
    );
  }

  router.get('/routing', (req, res) => show(req, res));

  // A page shown from the editor's form is at /routing/rules: reloading it, or switching the language there, lands on the page itself.
  router.get(RULES_FORM_PATH, (_req, res) => res.redirect(303, '/routing'));

  // The rule editor: every button posts the whole form (see view-models/rule-editor.ts).
  router.post(RULES_FORM_PATH, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const drafts = draftsFromForm(body);
    const action = actionOf(body.action);
    const limit = Number(text(body, 'limit') || String(TRIAL_DEFAULT));
    if (action.kind !== 'test' && action.kind !== 'save') return show(req, res, { drafts: applyAction(drafts, action), limit });
    const rules = drafts.map(ruleOf);
    const tested = digestOf(rules);
    try {
      if (action.kind === 'save' && text(body, 'tested') === tested) {
        await routing.rules.save(req.user!, rules);
        flash(req, { kind: 'success', key: 'routing.saved' });
        // The form's own fragment would carry over to the redirect: back to the top, where the flash is.
        return res.redirect(303, '/routing#main');
      }
      // Testing, or saving rules whose trial was not shown yet: the trial first.
      return await show(req, res, { drafts, limit, tested, trial: await routing.rules.trial(rules, limit), review: action.kind === 'save' });
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      const field = error instanceof ValidationError ? (error.problems[0]?.field ?? '') : '';
      const card = /^rules\.([0-9]+)/.exec(field)?.[1];
      return show(req, res, {
        drafts,
        limit,
        problem: routingRefusal(kit.formatter(req), error),
        ...(card !== undefined ? { invalid: Number(card) } : {}),
        status: 400,
      });
    }
  });

  /** Runs a change from the page's forms: saved, back to the page; refused, the page again saying which field and why. */
  const change = async (req: Request, res: Response, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error;
      return show(req, res, { problem: routingRefusal(kit.formatter(req), error), status: 400 });
    }
    flash(req, { kind: 'success', key: 'routing.saved' });
    res.redirect(303, '/routing');
  };

  router.post('/routing/lanes', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    await change(req, res, () => routing.assignments.setLane(req.user!, text(body, 'lane'), policyOf(text(body, 'policy')), text(body, 'lead') || null));
  });

  router.post('/routing/agents/:id', requireRole('admin'), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    // One box per channel (`capacity.chat`); a single `capacity` is every channel's, as over the API.
    const perChannel = Object.fromEntries(CHANNELS.filter((c) => text(body, `capacity.${c}`) !== '').map((c) => [c, Number(text(body, `capacity.${c}`))]));
    const capacity = text(body, 'capacity') !== '' ? Number(text(body, 'capacity')) : perChannel;
    await change(req, res, () =>
      routing.assignments.setProfile(req.user!, idParam(req.params.id), { skills: list(text(body, 'skills')), level: levelOf(text(body, 'level')), capacity }),
    );
  });

  // Presence is set by each agent on their queue; going offline gives their unstarted tickets back to routing.
  router.post('/presence', requireRole('agent'), async (req, res) => {
    const status = presenceOf(text(req.body as Record<string, unknown>, 'status'));
    await routing.setPresence(req.user!, req.user!.id, status);
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
      return show(req, res, { problem: routingRefusal(kit.formatter(req), error), status: 400 });
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
