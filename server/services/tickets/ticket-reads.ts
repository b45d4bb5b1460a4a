import type { Clock } from '../../shared/clock.js';
import { NotFoundError } from '../../shared/errors.js';
import { allowedEvents, awaitedTriggers, type TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import type { TicketQuery, TicketRecord } from '../../data/tickets/ticket-records.js';
import type { TicketRepository } from '../../data/tickets/ticket-repository.js';
import type { WorkflowLibrary, WorkflowVersion } from '../workflows/workflow-library.js';
import { cursorText } from './ticket-cursor.js';
import { levelOf } from './ticket-facts.js';
import { activeStepsOf, nearestBreach, type Ticket, type TicketDetail } from './ticket-views.js';
import { slaStatus, stepLimitStatus, urgencyOf } from './urgency.js';

/**
 * The ticket read model: state, steps, allowed actions, fields and urgency, computed once here from the
 * stored snapshot for the API and the pages alike.
 */
export class TicketReads {
  constructor(
    private readonly repository: TicketRepository,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
  ) {}

  async get(id: number): Promise<TicketDetail> {
    const record = await this.repository.find(id);
    if (!record) throw new NotFoundError(`no ticket ${id}`);
    const [version, stepLog, pendingTimers] = await Promise.all([
      this.workflows.forTicket(record.workflowVersionId, record.state),
      this.repository.stepLog(id),
      this.repository.pendingTimers(id),
    ]);
    return { ...this.view(version, record), stepLog, pendingTimers };
  }

  /** A page of tickets, most urgent first: open before closed, VIP first, then the nearest SLA breach. */
  async list(query: TicketQuery = {}): Promise<{ items: Ticket[]; next?: string }> {
    const { items, next } = await this.repository.list(query);
    const views = await Promise.all(items.map(async (record) => this.view(await this.workflows.forTicket(record.workflowVersionId, record.state), record)));
    return { items: views, ...(next ? { next: cursorText(next) } : {}) };
  }

  view(version: WorkflowVersion, record: TicketRecord): Ticket {
    const { state, fields } = record;
    const now = this.clock.now();
    const steps = activeStepsOf(version.workflow, state, now);
    const due = state.done ? null : nearestBreach(state);
    const sla = slaStatus(state, now);
    const stepLimit = stepLimitStatus(version.workflow, state, now);
    const ticket: Ticket = {
      id: record.id,
      workflow: version.key,
      version: version.version,
      channel: record.channel,
      subject: record.subject,
      customer: record.customer,
      vip: state.vip,
      fields,
      status: state.done ? 'closed' : 'open',
      state: steps.map((s) => s.id),
      steps,
      allowedEvents: allowedEvents(version.workflow, state),
      ...awaited(version.workflow, state),
      sla,
      stepLimit,
      urgency: urgencyOf(sla, stepLimit),
      revision: record.revision,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      createdBy: record.createdBy,
    };
    const level = levelOf(fields);
    if (level) ticket.level = level;
    if (due !== null) ticket.dueAt = due;
    if (record.closedAt !== null) ticket.closedAt = record.closedAt;
    if (state.calls) ticket.calls = state.calls;
    return ticket;
  }
}

function awaited(workflow: Workflow, state: TicketState): Pick<Ticket, 'awaitedMessages' | 'awaitedSignals'> {
  const { messages, signals } = state.done ? { messages: [], signals: [] } : awaitedTriggers(workflow, state);
  return { awaitedMessages: messages, awaitedSignals: signals };
}
