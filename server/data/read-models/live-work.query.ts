import type { Knex } from 'knex';
import type { Database } from '../database.js';

/** What needs a manager now: a limit breached and still running, an escalation, a timer the engine refused. */
export type LiveWorkKind = 'breach' | 'escalation' | 'failed-timer';
export const LIVE_WORK_KINDS: readonly LiveWorkKind[] = ['breach', 'escalation', 'failed-timer'];

export interface LiveWorkRow {
  kind: LiveWorkKind;
  ticketId: number;
  subject: string;
  workflow: string;
  channel: string;
  vip: boolean;
  /** The step it is about (a breached step, the step an escalation left); none for the ticket's own limit. */
  step: string | null;
  stepName: string | null;
  /** A failed timer's flow, whose condition failed at the gateway `step`. */
  flow: string | null;
  /** Who it concerns: the step's owner role, the escalation's recipient. */
  who: string | null;
  /** When it happened: the breach, the escalation, the incident. */
  since: number;
  /** The escalation's message, or the incident's error code and message. */
  code: string | null;
  message: string | null;
  /** The open incident, for its Retry form. */
  incidentId: number | null;
}

/** The managers' list of incidents and live work, over open tickets only. */
export interface LiveWorkReadModel {
  /** Newest first, at most `limit` of each kind asked for, and how many there are of each kind in all. */
  list(kinds: readonly LiveWorkKind[], limit: number): Promise<{ rows: LiveWorkRow[]; counts: Record<LiveWorkKind, number> }>;
}

interface Row {
  ticket_id: number | string;
  subject: string;
  workflow_key: string;
  channel: string;
  vip: boolean | number;
  step: string | null;
  step_name: string | null;
  flow: string | null;
  who: string | null;
  since: number | string | null;
  code: string | null;
  message: string | null;
  incident_id: number | string | null;
}

/**
 * Three questions, each starting from what indexes narrow (open tickets by `closed_at`, open incidents by
 * `resolved_at`), never from the whole step log:
 * - breaches: a step visit still open and breached (its `sla-breach` timer gives the instant), or a ticket
 *   whose own resolution limit fired (`ticket-sla-breach`);
 * - escalations: the escalation notifications of open tickets;
 * - failed timers: open incidents.
 */
export class KnexLiveWorkReadModel implements LiveWorkReadModel {
  constructor(private readonly db: Database) {}

  async list(kinds: readonly LiveWorkKind[], limit: number): Promise<{ rows: LiveWorkRow[]; counts: Record<LiveWorkKind, number> }> {
    const queries: Record<LiveWorkKind, () => Knex.QueryBuilder> = {
      breach: () => this.stepBreaches(),
      escalation: () => this.escalations(),
      'failed-timer': () => this.failedTimers(),
    };
    const counted = await Promise.all(LIVE_WORK_KINDS.map((kind) => this.count(kind === 'breach' ? [this.stepBreaches(), this.ticketBreaches()] : [queries[kind]()])));
    const counts = Object.fromEntries(LIVE_WORK_KINDS.map((kind, i) => [kind, counted[i]!])) as Record<LiveWorkKind, number>;
    const pages = await Promise.all(
      kinds.flatMap((kind) => {
        const sources = kind === 'breach' ? [this.stepBreaches(), this.ticketBreaches()] : [queries[kind]()];
        return sources.map(async (query) => ((await query.orderBy('since', 'desc').limit(limit)) as Row[]).map((row) => rowOf(kind, row)));
      }),
    );
    const rows = pages.flat().sort((a, b) => b.since - a.since || b.ticketId - a.ticketId);
    return { rows, counts };
  }

  private async count(queries: Knex.QueryBuilder[]): Promise<number> {
    const totals = await Promise.all(queries.map(async (query) => Number(((await this.db.knex.from(query.as('q')).count({ n: '*' })) as Array<{ n: number | string }>)[0]?.n ?? 0)));
    return totals.reduce((sum, n) => sum + n, 0);
  }

  private openTickets(): Knex.QueryBuilder {
    return this.db.knex('tickets as t').whereNull('t.closed_at');
  }

  private stepBreaches(): Knex.QueryBuilder {
    const knex = this.db.knex;
    return this.openTickets()
      .join('step_log as s', 's.ticket_id', 't.id')
      .leftJoin('timers as b', (on) => on.on('b.ticket_id', 's.ticket_id').andOn('b.visit', 's.visit').andOn('b.kind', knex.raw('?', ['sla-breach'])))
      .whereNull('s.exited_at')
      .where('s.breached', true)
      .select(
        ...TICKET,
        's.step',
        's.step_name',
        knex.raw('null as flow'),
        's.owner as who',
        knex.raw('coalesce(b.fired_at, s.entered_at + s.sla_ms, s.entered_at) as since'),
        knex.raw('null as code'),
        knex.raw('null as message'),
        knex.raw('null as incident_id'),
      );
  }

  private ticketBreaches(): Knex.QueryBuilder {
    const knex = this.db.knex;
    return this.openTickets()
      .join('timers as b', 'b.ticket_id', 't.id')
      .where('b.kind', 'ticket-sla-breach')
      .whereNotNull('b.fired_at')
      .select(
        ...TICKET,
        knex.raw('null as step'),
        knex.raw('null as step_name'),
        knex.raw('null as flow'),
        knex.raw('null as who'),
        'b.fired_at as since',
        knex.raw('null as code'),
        knex.raw('null as message'),
        knex.raw('null as incident_id'),
      );
  }

  private escalations(): Knex.QueryBuilder {
    const knex = this.db.knex;
    return this.openTickets()
      .join('notifications as n', 'n.ticket_id', 't.id')
      .where('n.kind', 'escalation')
      .select(
        ...TICKET,
        'n.step',
        // The step's name as the log has it, from any of its visits.
        knex('step_log as l').select('l.step_name').whereRaw('l.ticket_id = n.ticket_id').whereRaw('l.step = n.step').limit(1).as('step_name'),
        knex.raw('null as flow'),
        'n.recipient as who',
        'n.created_at as since',
        knex.raw('null as code'),
        'n.message',
        knex.raw('null as incident_id'),
      );
  }

  private failedTimers(): Knex.QueryBuilder {
    const knex = this.db.knex;
    return this.db
      .knex('incidents as i')
      .join('tickets as t', 't.id', 'i.ticket_id')
      .whereNull('i.resolved_at')
      .select(
        ...TICKET,
        'i.element_id as step',
        knex.raw('null as step_name'),
        'i.flow_id as flow',
        knex.raw('null as who'),
        'i.created_at as since',
        'i.code',
        'i.message',
        'i.id as incident_id',
      );
  }
}

const TICKET = ['t.id as ticket_id', 't.subject', 't.workflow_key', 't.channel', 't.vip'];

function rowOf(kind: LiveWorkKind, row: Row): LiveWorkRow {
  return {
    kind,
    ticketId: Number(row.ticket_id),
    subject: row.subject,
    workflow: row.workflow_key,
    channel: row.channel,
    vip: Boolean(row.vip),
    step: row.step,
    stepName: row.step_name,
    flow: row.flow,
    who: row.who,
    since: Number(row.since),
    code: row.code,
    message: row.message,
    incidentId: row.incident_id === null ? null : Number(row.incident_id),
  };
}
