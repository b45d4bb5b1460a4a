import { Router, type Request, type Response } from 'express';
import { AppError, ValidationError } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';
import { CHANNELS, suggestedWorkflow, suggestionsByWorkflow } from '../../../services/tickets/channels.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { inputLimitsOf, overChars } from '../../../shared/config.js';

interface IntakeValues {
  channel: string;
  customerName: string;
  externalId: string;
  workflow: string;
  subject: string;
  vip: boolean;
}

/** `/tickets/new`: open a ticket on any channel for a new or existing customer; the workflow is suggested by channel. */
export function intakeRoutes(kit: PageKit): Router {
  // The ticket service's own limits (TICKET_SUBJECT_MAX_CHARS, CUSTOMER_NAME_MAX_CHARS), told next to the field.
  const { subjectChars, customerNameChars } = inputLimitsOf(kit.app.config);
  const limits = { subject: subjectChars, customerName: customerNameChars, externalId: customerNameChars };
  const router = Router();

  async function show(req: Request, res: Response, values: IntakeValues, errors: Record<string, string>, status = 200): Promise<void> {
    const f = kit.formatter(req);
    const versions = await kit.catalog.latest();
    const suggestions = suggestionsByWorkflow(versions);
    await kit.send(
      req,
      res,
      'intake',
      'intake.title',
      {
        values,
        errors,
        channels: CHANNELS.map((c) => ({ value: c, label: f.t(`channels.${c}`), selected: c === values.channel })),
        workflows: versions.map((v) => ({
          key: v.key,
          name: v.name,
          suggestedFor: (suggestions.get(v.key) ?? []).join(' '),
          selected: v.key === values.workflow,
        })),
        noWorkflows: versions.length === 0,
      },
      status,
    );
  }

  router.get('/tickets/new', requireRole('agent'), async (req, res) => {
    const channel = typeof req.query.channel === 'string' && (CHANNELS as readonly string[]).includes(req.query.channel) ? req.query.channel : 'phone';
    const versions = await kit.catalog.latest();
    const workflow = suggestedWorkflow(versions, channel) ?? '';
    await show(req, res, { channel, customerName: '', externalId: '', workflow, subject: '', vip: false }, {});
  });

  router.post('/tickets', requireRole('agent'), async (req, res) => {
    const f = kit.formatter(req);
    const body = req.body as Record<string, unknown>;
    const str = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const values: IntakeValues = {
      channel: str('channel'),
      customerName: str('customerName'),
      externalId: str('externalId'),
      workflow: str('workflow'),
      subject: str('subject'),
      vip: body.vip === 'on' || body.vip === 'true',
    };
    const errors: Record<string, string> = {};
    if (!values.workflow) errors.workflow = f.t('intake.errors.workflow');
    for (const name of ['subject', 'customerName'] as const) if (!values[name]) errors[name] = f.t('fields.required', { label: f.t(`intake.${name}`) });
    for (const [name, max] of Object.entries(limits) as Array<[keyof typeof limits, number]>) {
      if (overChars(values[name], max)) errors[name] = f.t('fields.tooLong', { label: f.t(`intake.${name}`), max });
    }
    if (Object.keys(errors).length) return show(req, res, values, errors, 400);
    try {
      const ticket = await kit.app.tickets.create(
        {
          workflow: values.workflow,
          channel: values.channel,
          subject: values.subject,
          customer: { name: values.customerName, ...(values.externalId ? { externalId: values.externalId } : {}) },
          vip: values.vip,
        },
        req.user!.email,
      );
      flash(req, { kind: 'success', key: 'intake.opened', values: { id: ticket.id } });
      res.redirect(303, `/tickets/${ticket.id}`);
    } catch (error) {
      const channel = error instanceof ValidationError ? channelError(error, values.channel, f) : undefined;
      if (channel) return show(req, res, values, { channel }, 400);
      if (error instanceof AppError && error.code === 'not_found') return show(req, res, values, { workflow: f.t('intake.errors.workflow') }, 400);
      if (error instanceof AppError && error.code === 'conflict') return show(req, res, values, { externalId: f.t('intake.errors.customerRace') }, 409);
      throw error;
    }
  });

  return router;
}

/**
 * The ticket service refuses a channel it does not know, or one the workflow does not serve: a field error
 * next to the channel, saying which of the two it is.
 */
function channelError(error: ValidationError, channel: string, f: Formatter): string | undefined {
  if (!error.problems.some((p) => p.field === 'channel')) return undefined;
  return f.t((CHANNELS as readonly string[]).includes(channel) ? 'intake.errors.channelNotServed' : 'intake.errors.channel');
}
