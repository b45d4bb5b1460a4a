import { Router, type Request, type Response } from 'express';
import { AppError, ConflictError, EventNotAllowedError, NotFoundError, ValidationError } from '../../../shared/errors.js';
import type { TicketDetail } from '../../../services/tickets/ticket-views.js';
import { hasRole } from '../../../services/users/users.js';
import { requireRole, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { fieldErrors, typedValues } from '../view-models/step-form.js';
import { actionLabel, ticketPage, type StepFormState } from '../view-models/ticket-page.js';
import { idOf } from '../../http/ids.js';
import { routingCard } from '../view-models/routing-card.js';

/** Earlier tickets of the customer shown on the ticket page; the rest are on the customer's page. */
const EARLIER_SHOWN = 5;

/** `/tickets/:id`: the guided step (guidance, checklist, fields, countdown, one button per allowed action) and the timeline. */
export function ticketRoutes(kit: PageKit): Router {
  const router = Router();
  const { tickets, workflows, inbox, customers, clock, routing } = kit.app;

  async function show(req: Request, res: Response, ticket: TicketDetail, form?: StepFormState, status = 200): Promise<void> {
    const [version, notices, earlier, routed, routedSteps] = await Promise.all([
      workflows.ofTicket(ticket.workflow, ticket.version, ticket.calls),
      inbox.ofTicket(ticket.id, req.user!),
      customers.tickets(ticket.customer.id, { limit: EARLIER_SHOWN, except: ticket.id }),
      routing.annotateOne({ id: ticket.id }),
      hasRole(req.user!, 'manager') ? routing.assignments.routedSteps(ticket.id) : Promise.resolve([]),
    ]);
    const model = ticketPage(
      { ticket, version, notices, earlier: { rows: earlier.rows, more: earlier.next !== undefined }, now: clock.now(), ...(form ? { form } : {}) },
      kit.formatter(req),
    );
    await kit.send(
      req,
      res,
      'ticket',
      { text: `#${ticket.id} ${ticket.subject}` },
      { ...model, routing: routingCard(routed, routedSteps, kit.formatter(req)) },
      status,
    );
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
    const instance = typeof body.instance === 'string' && /^[1-9]\d{0,3}$/.test(body.instance) ? Number(body.instance) : undefined;
    const revision = Number(body.expectedRevision);
    if (!event || !Number.isInteger(revision) || revision < 1) throw new AppError('bad_request', 'the form lacks its action or revision');
    const values = typedValues(body);

    try {
      const moved = await tickets.advance(
        id,
        { type: event, fields: values, expectedRevision: revision, ...(stepId ? { step: stepId } : {}), ...(instance ? { instance } : {}) },
        req.user!.email,
      );
      const version = await workflows.ofTicket(moved.workflow, moved.version, moved.calls);
      const next = moved.steps.map((s) => s.name).join(' · ');
      flash(req, {
        kind: 'success',
        key: moved.status === 'closed' ? 'ticket.doneClosed' : 'ticket.done',
        values: { action: actionLabel(version.workflow, stepId, event, f), next },
      });
      res.redirect(303, `/tickets/${id}`);
    } catch (error) {
      // Nothing was written: the page shows the ticket as it is now, with what was typed kept.
      const refused = refusalOf(error);
      if (!refused) throw error;
      const ticket = await tickets.get(id);
      const definitions = ticket.steps.find((s) => s.id === stepId)?.fields ?? [];
      const errors = error instanceof ValidationError ? fieldErrors(definitions, error.problems, values, f) : {};
      return show(req, res, ticket, { stepId, values, errors, problem: refused.problem }, refused.status);
    }
  });

  return router;
}

/** How the page answers an action the ticket service refused; undefined for any other error. */
function refusalOf(error: unknown): { problem: NonNullable<StepFormState['problem']>; status: number } | undefined {
  // Another agent or a timer moved the ticket between the page being read and the action being sent.
  if (error instanceof ConflictError) return { problem: 'changed', status: 409 };
  if (error instanceof EventNotAllowedError) return { problem: 'notAllowed', status: 422 };
  if (error instanceof ValidationError) return { problem: 'invalid', status: 400 };
  return undefined;
}

/** The ticket id of a path, strictly spelt (`0x10` is no ticket 16): else no such ticket. */
export function ticketId(param: unknown): number {
  const id = idOf(param);
  if (id === undefined) throw new NotFoundError(`no ticket ${String(param)}`);
  return id;
}
