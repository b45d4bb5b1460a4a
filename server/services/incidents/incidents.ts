import type { Clock } from '../../shared/clock.js';
import { AppError, ConditionFailedError, ConflictError, NotFoundError } from '../../shared/errors.js';
import type { IncidentRecord, IncidentRepository } from '../../data/incidents/incident-repository.js';
import type { DueTimer } from '../../data/tickets/ticket-records.js';

/** An incident as the API and the pages show it. */
export interface Incident extends IncidentRecord {
  status: 'open' | 'resolved';
}

export type IncidentStatus = 'open' | 'resolved' | 'all';

/** The most incidents one list answers. */
export const INCIDENT_LIST_LIMIT = 200;

/**
 * A refusal of the engine itself, which would come again on every retry: a failing condition, a gateway with
 * no way on. Conflicts (the ticket kept changing), a ticket gone and database errors pass on to be retried.
 */
export function isIncident(error: unknown): error is AppError {
  return error instanceof AppError && error.code !== 'conflict' && error.code !== 'not_found' && error.code !== 'internal';
}

function view(record: IncidentRecord): Incident {
  return { ...record, status: record.resolvedAt === undefined ? 'open' : 'resolved' };
}

/**
 * Incidents, as Camunda has them: a timer whose firing the engine refuses is not retried in a loop; it is
 * recorded on its ticket, its timer held, and shown to managers, who retry it once the cause is mended.
 */
export class Incidents {
  constructor(
    private readonly repository: IncidentRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a timer's failure as an incident when the engine refused it (see `isIncident`); answers the
   * incident, or undefined when the failure is one to retry (or the timer moved on meanwhile).
   */
  async recordTimerFailure(timer: DueTimer, error: unknown): Promise<Incident | undefined> {
    if (!isIncident(error)) return undefined;
    const condition = error instanceof ConditionFailedError ? error : undefined;
    const recorded = await this.repository.recordTimerFailure({
      ticketId: timer.ticketId,
      timerId: timer.id,
      timerKey: timer.key,
      ...(condition?.gatewayId ? { elementId: condition.gatewayId } : {}),
      ...(condition ? { flowId: condition.flowId } : {}),
      code: error.code,
      message: error.message,
      createdAt: this.clock.now(),
    });
    return recorded && view(recorded);
  }

  async list(status: IncidentStatus = 'open', limit = INCIDENT_LIST_LIMIT): Promise<Incident[]> {
    return (await this.repository.list({ status, limit: Math.min(limit, INCIDENT_LIST_LIMIT) })).map(view);
  }

  /** Every incident of one ticket, open or resolved, newest first. */
  async forTicket(ticketId: number): Promise<Incident[]> {
    return (await this.repository.list({ status: 'all', ticketId, limit: INCIDENT_LIST_LIMIT })).map(view);
  }

  /** Resolves an open incident and fires its timer again at once; should it fail again, a new incident is made. */
  async retry(id: number, actor: string): Promise<Incident> {
    const outcome = await this.repository.retry(id, actor, this.clock.now());
    if (outcome.kind === 'missing') throw new NotFoundError(`no incident ${id}`);
    if (outcome.kind === 'resolved already') throw new ConflictError(`incident ${id} is resolved already`, { status: 'resolved' });
    return view(outcome.incident);
  }
}
