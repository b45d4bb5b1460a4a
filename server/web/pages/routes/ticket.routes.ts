import { Router, type Request, type Response } from 'express';
import { AppError, ConflictError, EventNotAllowedError, NotFoundError, ValidationError } from '../../../shared/errors.js';
import type { TicketDetail } from '../../../services/tickets/ticket-views.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { fieldProblems, typedValues } from '../view-models/step-form.js';
import { actionLabel, ticketPage, type StepFormState } from '../view-models/ticket-page.js';

/** Earlier tickets of the customer shown on the ticket page; the rest are on the customer's page. */
const EARLIER_SHOWN = 5;

/** `/tickets/:id`: the guided step (guidance, checklist, fields, countdown, one button per allowed action) and the timeline. */
export function ticketRoutes(kit: PageKit): Router {
  const router = Router();
  const { tickets, workflows, clock } = kit.app;

  async function show(req: Request, res: Response, ticket: TicketDetail, form?: StepFormState, status = 200): Promise<void> {
    const [version, notices, earlier] = await Promise.all([
      workflows.version(ticket.workflow, ticket.version),
      kit.notifications.ofTicket(ticket.id),
      kit.customers.tickets(ticket.customer.id, { limit: EARLIER_SHOWN, except: ticket.id }),
    ]);
    const model = ticketPage({ ticket, version, notices, earlier: { rows: earlier.rows, more: earlier.next !== undefined }, now: clock.now(), ...(form ? { form } : {}) }, kit.formatter(req));
    await kit.send(req, res, 'ticket', { text: `#${ticket.id} ${ticket.subject}` }, model, status);
  }

  router.get('/tickets/:id', requireRole('agent'), async (req, res) => {
    await show(req, res, await tickets.get(ticketId(req.params.id)));
  });

  router.post('/tickets/:id/actions', requireRole('agent'), async (req, res) => {
    const id = ticketId(req.params.id);
    const f = kit.formatter(req);
    const body = req.body as Record<string, unknown>;
    const event = typeof body.event === 'string' ? body.event : '';
    const stepId = typeof body.step === 'string' ? body.step : '';
    const revision = Number(body.expectedRevision);
    if (!event || !Number.isInteger(revision) || revision < 1) throw new AppError('bad_request', 'the form lacks its action or revision');
    const ticket = await tickets.get(id);
    const step = ticket.steps.find((s) => s.id === stepId);
    const definitions = step?.fields ?? [];
    const values = typedValues(body, step?.fields);
    const form = (problem: StepFormState['problem'], errors: Record<string, string> = {}): StepFormState => ({ stepId, values, errors, ...(problem ? { problem } : {}) });

    // Only the buttons the page showed can be sent: an action of this step, allowed now, at the revision seen.
    if (ticket.revision !== revision) return show(req, res, ticket, form('changed'), 409);
    if (!step || !step.actions.some((a) => a.event === event) || !ticket.allowedEvents.includes(event)) return show(req, res, ticket, form('notAllowed'), 422);
    const errors = fieldProblems(definitions, values, ticket.fields, f);
    if (Object.keys(errors).length) return show(req, res, ticket, form('invalid', errors), 400);

    try {
      const moved = await tickets.advance(id, { type: event, fields: values, expectedRevision: revision }, req.user!.email);
      const version = await workflows.version(moved.workflow, moved.version);
      const next = moved.steps.map((s) => s.name).join(' · ');
      flash(req, {
        kind: 'success',
        key: moved.status === 'closed' ? 'ticket.doneClosed' : 'ticket.done',
        values: { action: actionLabel(version.workflow, stepId, event, f), next },
      });
      res.redirect(303, `/tickets/${id}`);
    } catch (error) {
      // Another agent or a timer moved the ticket between reading and writing: nothing was written.
      if (error instanceof ConflictError) return show(req, res, await tickets.get(id), form('changed'), 409);
      if (error instanceof EventNotAllowedError) return show(req, res, await tickets.get(id), form('notAllowed'), 422);
      if (error instanceof ValidationError) {
        const engineErrors = Object.fromEntries(error.problems.map((p) => [p.field, p.message]));
        return show(req, res, await tickets.get(id), form('invalid', engineErrors), 400);
      }
      throw error;
    }
  });

  return router;
}

export function ticketId(param: unknown): number {
  const id = Number(param);
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFoundError(`no ticket ${String(param)}`);
  return id;
}
