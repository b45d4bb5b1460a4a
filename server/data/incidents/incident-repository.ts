import { changesOf, type Database } from '../database.js';

/** A ticket that could not move on by itself: a timer the engine refused to fire, kept until a manager acts. */
export interface IncidentRecord {
  id: number;
  ticketId: number;
  /** The ticket's subject and workflow key, for lists. */
  subject: string;
  workflow: string;
  timerId?: number;
  timerKey?: string;
  /** The BPMN element where it failed (the gateway) and the flow whose condition failed. */
  elementId?: string;
  flowId?: string;
  /** The error code the engine refused with, e.g. `condition_failed`. */
  code: string;
  message: string;
  createdAt: number;
  resolvedAt?: number;
  resolvedBy?: string;
  resolution?: IncidentResolution;
}

/** How a manager closed an incident: its timer fired again, or was dropped and the ticket left to people. */
export type IncidentResolution = 'retried' | 'dismissed';

export interface NewTimerIncident {
  ticketId: number;
  timerId: number;
  timerKey: string;
  elementId?: string;
  flowId?: string;
  code: string;
  message: string;
  createdAt: number;
}

export type ResolveOutcome =
  | { kind: 'resolved'; incident: IncidentRecord }
  | { kind: 'resolved already'; incident: IncidentRecord }
  | { kind: 'missing' };

export interface IncidentRepository {
  /**
   * Records the incident and marks its timer failed, in one transaction, so no scheduler claims it again.
   * Does nothing (answers undefined) when the timer has fired, been cancelled or failed meanwhile.
   */
  recordTimerFailure(incident: NewTimerIncident): Promise<IncidentRecord | undefined>;
  /** Newest first; open ones only unless `status` says otherwise; at most `limit`, with ids below `before` when given. */
  list(query: { status: 'open' | 'resolved' | 'all'; ticketId?: number; before?: number; limit: number }): Promise<IncidentRecord[]>;
  find(id: number): Promise<IncidentRecord | undefined>;
  /**
   * Resolves an open incident: `retried` hands its timer back to the scheduler (due at once), `dismissed`
   * cancels it, so the ticket stays where it is until people move it on.
   */
  resolve(id: number, resolution: IncidentResolution, by: string, now: number): Promise<ResolveOutcome>;
}

interface IncidentRow {
  id: number | string;
  ticket_id: number | string;
  subject: string;
  workflow_key: string;
  timer_id: number | string | null;
  timer_key: string | null;
  element_id: string | null;
  flow_id: string | null;
  code: string;
  message: string;
  created_at: number | string;
  resolved_at: number | string | null;
  resolved_by: string | null;
  resolution: string | null;
}

function recordOf(row: IncidentRow): IncidentRecord {
  const record: IncidentRecord = {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    subject: row.subject,
    workflow: row.workflow_key,
    code: row.code,
    message: row.message,
    createdAt: Number(row.created_at),
  };
  if (row.timer_id !== null) record.timerId = Number(row.timer_id);
  if (row.timer_key !== null) record.timerKey = row.timer_key;
  if (row.element_id !== null) record.elementId = row.element_id;
  if (row.flow_id !== null) record.flowId = row.flow_id;
  if (row.resolved_at !== null) record.resolvedAt = Number(row.resolved_at);
  if (row.resolved_by !== null) record.resolvedBy = row.resolved_by;
  if (row.resolution === 'retried' || row.resolution === 'dismissed') record.resolution = row.resolution;
  return record;
}

const MESSAGE_LENGTH = 2000;

export function incidentRepository(db: Database): IncidentRepository {
  const select = () =>
    db
      .knex('incidents as i')
      .join('tickets as t', 't.id', 'i.ticket_id')
      .select('i.*', 't.subject', 't.workflow_key');
  const find = async (id: number) => {
    const row = (await select().where('i.id', id).first()) as IncidentRow | undefined;
    return row ? recordOf(row) : undefined;
  };
  return {
    async recordTimerFailure(incident) {
      const id = await db.write(async (trx) => {
        const marked = await trx.raw('UPDATE timers SET failed_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL', [
          incident.createdAt,
          incident.timerId,
        ]);
        if (changesOf(marked) === 0) return undefined;
        const [row] = (await trx('incidents')
          .insert({
            ticket_id: incident.ticketId,
            timer_id: incident.timerId,
            timer_key: incident.timerKey,
            element_id: incident.elementId ?? null,
            flow_id: incident.flowId ?? null,
            code: incident.code,
            message: incident.message.slice(0, MESSAGE_LENGTH),
            created_at: incident.createdAt,
          })
          .returning('id')) as Array<{ id: number | string }>;
        return Number(row!.id);
      });
      return id === undefined ? undefined : find(id);
    },
    async list({ status, ticketId, before, limit }) {
      const query = select().orderBy('i.id', 'desc').limit(limit);
      if (before !== undefined) void query.where('i.id', '<', before);
      if (status === 'open') void query.whereNull('i.resolved_at');
      if (status === 'resolved') void query.whereNotNull('i.resolved_at');
      if (ticketId !== undefined) void query.where('i.ticket_id', ticketId);
      return ((await query) as IncidentRow[]).map(recordOf);
    },
    find,
    async resolve(id, resolution, by, now) {
      const outcome = await db.write(async (trx) => {
        const row = (await db.forUpdate(trx('incidents').where({ id }).select('resolved_at', 'timer_id')).first()) as
          | { resolved_at: number | string | null; timer_id: number | string | null }
          | undefined;
        if (!row) return 'missing' as const;
        if (row.resolved_at !== null) return 'resolved already' as const;
        await trx('incidents').where({ id }).update({ resolved_at: now, resolved_by: by, resolution });
        if (row.timer_id !== null) {
          const timer = trx('timers').where({ id: row.timer_id });
          await (resolution === 'retried' ? timer.update({ failed_at: null, claimed_at: null, claimed_by: null }) : timer.update({ cancelled_at: now }));
        }
        return 'resolved' as const;
      });
      if (outcome === 'missing') return { kind: 'missing' };
      return { kind: outcome, incident: (await find(id))! };
    },
  };
}
