import type { Clock } from '../../shared/clock.js';
import { AppError, ConditionFailedError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { IncidentRecord, IncidentRepository, IncidentResolution } from '../../data/incidents/incident-repository.js';
import type { DueTimer } from '../../data/tickets/ticket-records.js';

/** An incident as the API and the pages show it. */
export interface Incident extends IncidentRecord {
  status: 'open' | 'resolved';
}

export type IncidentStatus = 'open' | 'resolved' | 'all';

/** The most incidents one page of the list answers, and how many when the caller does not say. */
export const INCIDENT_LIST_LIMIT = 200;
export const INCIDENT_PAGE_DEFAULT = 50;

/** One page of incidents, newest first; `next` is the cursor of the following page, absent on the last. */
export interface IncidentPage {
  items: Incident[];
  next?: string;
}

/** The `next` of a page: the last incident's id, base64url so that callers treat it as opaque. */
function cursorText(id: number): string {
  return Buffer.from(`i${id}`).toString('base64url');
}

function cursorId(text: string): number {
  const match = text.length <= 32 ? /^i([1-9][0-9]{0,15})$/.exec(Buffer.from(text, 'base64url').toString('latin1')) : null;
  const id = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw new ValidationError('bad cursor', [{ field: 'cursor', message: 'not a cursor this server gave' }]);
  return id;
}

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

  /** A page of incidents, newest first, from `cursor` (the `next` of the page before) on. */
  async list(status: IncidentStatus = 'open', page: { cursor?: string; limit?: number } = {}): Promise<IncidentPage> {
    const limit = Math.min(page.limit ?? INCIDENT_PAGE_DEFAULT, INCIDENT_LIST_LIMIT);
    const before = page.cursor === undefined ? undefined : cursorId(page.cursor);
    const rows = await this.repository.list({ status, limit: limit + 1, ...(before === undefined ? {} : { before }) });
    const items = rows.slice(0, limit).map(view);
    return rows.length > limit ? { items, next: cursorText(items[items.length - 1]!.id) } : { items };
  }

  /** Every incident of one ticket, open or resolved, newest first. */
  async forTicket(ticketId: number): Promise<Incident[]> {
    return (await this.repository.list({ status: 'all', ticketId, limit: INCIDENT_LIST_LIMIT })).map(view);
  }

  /** Resolves an open incident and fires its timer again at once; should it fail again, a new incident is made. */
  retry(id: number, actor: string): Promise<Incident> {
    return this.resolve(id, 'retried', actor);
  }

  /** Resolves an open incident by dropping its timer: the ticket stays where it is until people move it on. */
  dismiss(id: number, actor: string): Promise<Incident> {
    return this.resolve(id, 'dismissed', actor);
  }

  private async resolve(id: number, resolution: IncidentResolution, actor: string): Promise<Incident> {
    const outcome = await this.repository.resolve(id, resolution, actor, this.clock.now());
    if (outcome.kind === 'missing') throw new NotFoundError(`no incident ${id}`);
    if (outcome.kind === 'resolved already') throw new ConflictError(`incident ${id} is resolved already`, { status: 'resolved' });
    return view(outcome.incident);
  }
}
