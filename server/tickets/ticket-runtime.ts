import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { isUniqueViolation, type Database, type Transaction } from '../data/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import {
  advance,
  allowedEvents,
  fireTimer,
  startTicket,
  updateTicket,
  type Advance,
  type EngineOptions,
  type PendingTimer,
  type TicketChange,
  type TicketState,
} from '../engine/ticket-engine.js';
import type { Workflow } from '../engine/workflow.js';
import type { WorkflowLibrary, WorkflowVersion } from '../workflows/workflow-library.js';
import { activeStepsOf, nearestBreach, type Customer, type PendingTimerView, type StepLogEntry, type Ticket, type TicketDetail } from './ticket-views.js';

export interface NewTicket {
  workflow: string;
  channel: string;
  subject: string;
  customer: { name: string; externalId?: string };
  vip?: boolean;
  fields?: Record<string, unknown>;
}

export interface TicketEvent {
  type: string;
  fields?: Record<string, unknown>;
  /** The revision the caller saw; a stale one is refused with a conflict and nothing is written. */
  expectedRevision?: number;
}

export interface TicketQuery {
  /** 'open', 'closed', or a step id the ticket waits in. */
  state?: string;
  owner?: string;
  workflow?: string;
  customer?: number;
  limit?: number;
  offset?: number;
}

interface TicketRow {
  id: number;
  workflow_id: number;
  workflow_key: string;
  channel: string;
  subject: string;
  customer_id: number;
  vip: boolean | number;
  level: string | null;
  fields: string;
  snapshot: string;
  revision: number;
  due_at: number | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
  created_by: string;
}

interface CustomerRow {
  id: number;
  name: string;
  external_id: string | null;
}

/**
 * The durable side of tickets: every change runs the pure engine and stores what it returned (snapshot,
 * step-log rows, timers, notifications) in one transaction.
 */
export class TicketRuntime {
  private readonly customers = new Map<number, Customer>();

  constructor(
    private readonly db: Database,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
    private readonly engine: EngineOptions = {},
    /** Names of the business calendars a ticket may be put on. */
    private readonly calendars: ReadonlySet<string> = new Set(),
  ) {}

  async create(input: NewTicket, actor: string): Promise<Ticket> {
    const version = await this.workflows.latest(input.workflow);
    const { workflow } = version;
    if (workflow.channels.length && !workflow.channels.includes(input.channel)) {
      throw new ValidationError(`channel "${input.channel}" is not served by workflow ${workflow.key}`, [
        { field: 'channel', message: `must be one of ${workflow.channels.join(', ')}` },
      ]);
    }
    const now = this.clock.now();
    const started = startTicket(workflow, { now, actor }, { fields: input.fields ?? {}, vip: input.vip === true }, this.engine);
    return this.db.write(async (trx) => {
      const customer = await this.customerFor(trx, input.customer, now);
      const [inserted] = (await trx('tickets')
        .insert({
          workflow_id: version.id,
          workflow_key: workflow.key,
          channel: input.channel,
          subject: input.subject,
          customer_id: customer.id,
          vip: input.vip === true,
          level: levelOf(started.fields),
          fields: JSON.stringify(started.fields),
          snapshot: JSON.stringify(started.state),
          revision: 1,
          due_at: started.done ? null : nearestBreach(started.state.timers),
          created_at: now,
          updated_at: now,
          closed_at: started.done ? now : null,
          created_by: actor,
        })
        .returning('id')) as Array<{ id: number }>;
      const id = inserted!.id;
      await this.storeEffects(trx, id, workflow, started, now);
      return this.view(version, { id, customer, revision: 1, createdAt: now, updatedAt: now, createdBy: actor, channel: input.channel, subject: input.subject }, started.state, started.fields);
    });
  }

  /**
   * Advances a ticket by one event. Throws NotFoundError, ConflictError (stale `expectedRevision`),
   * EventNotAllowedError (with the allowed events) or ValidationError (field problems); then nothing is written.
   */
  async advance(id: number, event: TicketEvent, actor: string): Promise<Ticket> {
    return this.db.write(async (trx) => {
      const row = await this.lock(trx, id);
      checkRevision(row, event.expectedRevision);
      const version = await this.workflows.get(row.workflow_id, trx);
      const now = this.clock.now();
      const moved = advance(version.workflow, stateOf(row), { type: event.type, ...(event.fields ? { fields: event.fields } : {}) }, { now, actor }, this.engine);
      return this.viewAfter(trx, row, version, moved, await this.store(trx, row, version, moved, now), now);
    });
  }

  /**
   * Changes a ticket's VIP flag or its own business calendar (null: back to the workflow's). Limits are
   * re-armed on the new terms; business time already used is kept.
   */
  async update(id: number, change: TicketChange & { expectedRevision?: number }, actor: string): Promise<Ticket> {
    if (change.calendar && !this.calendars.has(change.calendar)) {
      throw new ValidationError(`calendar "${change.calendar}" is not defined`, [{ field: 'calendar', message: `must be one of ${[...this.calendars].join(', ')}` }]);
    }
    return this.db.write(async (trx) => {
      const row = await this.lock(trx, id);
      checkRevision(row, change.expectedRevision);
      const version = await this.workflows.get(row.workflow_id, trx);
      const { expectedRevision: _, ...terms } = change;
      const now = this.clock.now();
      const changed = updateTicket(version.workflow, stateOf(row), terms, { now, actor }, this.engine);
      return this.viewAfter(trx, row, version, changed, await this.store(trx, row, version, changed, now), now);
    });
  }

  /**
   * Fires one pending timer through the same path as an agent's event. Returns false when it had already
   * fired or been cancelled: whoever marks it fired first wins, so a timer fires once however many
   * schedulers claimed it.
   */
  async fireTimer(ticketId: number, key: string): Promise<boolean> {
    return this.db.write(async (trx) => {
      const row = await this.lock(trx, ticketId);
      const now = this.clock.now();
      // Written with coalesce so PostgreSQL looks the row up by (ticket_id, key), not through the partial due-time index.
      const marked = await trx('timers').where({ ticket_id: ticketId, key }).whereRaw('coalesce(fired_at, cancelled_at) is null').update({ fired_at: now });
      if (marked === 0) return false;
      const version = await this.workflows.get(row.workflow_id, trx);
      const fired = fireTimer(version.workflow, stateOf(row), key, { now }, this.engine);
      if (fired) await this.store(trx, row, version, fired, now);
      return true;
    });
  }

  async get(id: number): Promise<TicketDetail> {
    const row = (await this.db.knex('tickets').where({ id }).first()) as TicketRow | undefined;
    if (!row) throw new NotFoundError(`no ticket ${id}`);
    const [version, customer, log, timers] = await Promise.all([
      this.workflows.get(row.workflow_id),
      this.db.knex('customers').where({ id: row.customer_id }).first() as Promise<CustomerRow>,
      this.db.knex('step_log').where({ ticket_id: id }).orderBy('visit') as Promise<StepLogRow[]>,
      this.db.knex('timers').where({ ticket_id: id }).whereNull('fired_at').whereNull('cancelled_at').orderBy('due_at') as Promise<TimerRow[]>,
    ]);
    const ticket = this.viewOf(row, version, customerOf(customer));
    return { ...ticket, stepLog: log.map(stepLogEntry), pendingTimers: timers.map(timerView) };
  }

  /** A page of tickets, most urgent first: open before closed, VIP first, then the nearest SLA breach. */
  async list(query: TicketQuery = {}): Promise<{ items: Ticket[]; total: number }> {
    const knex = this.db.knex;
    const base = knex('tickets as t').modify((q: Knex.QueryBuilder) => {
      if (query.workflow) q.where('t.workflow_key', query.workflow);
      if (query.customer !== undefined) q.where('t.customer_id', query.customer);
      if (query.state === 'open') q.whereNull('t.closed_at');
      else if (query.state === 'closed') q.whereNotNull('t.closed_at');
      else if (query.state) q.whereExists(openVisit(knex).where('s.step', query.state));
      if (query.owner) q.whereExists(openVisit(knex).where('s.owner', query.owner));
    });
    const [{ total }] = (await base.clone().count({ total: '*' })) as [{ total: number | string }];
    const rows = (await base
      .clone()
      .select('t.*')
      .orderByRaw('CASE WHEN t.closed_at IS NULL THEN 0 ELSE 1 END')
      .orderBy('t.vip', 'desc')
      .orderByRaw('CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END')
      .orderBy([{ column: 't.due_at' }, { column: 't.id' }])
      .limit(Math.min(query.limit ?? 50, 500))
      .offset(query.offset ?? 0)) as TicketRow[];
    const customers = new Map(
      ((await knex('customers').whereIn('id', [...new Set(rows.map((r) => r.customer_id))])) as CustomerRow[]).map((c) => [c.id, customerOf(c)]),
    );
    const items = await Promise.all(rows.map(async (row) => this.viewOf(row, await this.workflows.get(row.workflow_id), customers.get(row.customer_id)!)));
    return { items, total: Number(total) };
  }

  private async lock(trx: Transaction, id: number): Promise<TicketRow> {
    const row = (await this.db.forUpdate(trx('tickets').where({ id }).first())) as TicketRow | undefined;
    if (!row) throw new NotFoundError(`no ticket ${id}`);
    return row;
  }

  /** Writes one engine result; returns the ticket's new revision. */
  private async store(trx: Transaction, row: TicketRow, version: WorkflowVersion, moved: Advance, now: number): Promise<number> {
    // The revision counts moves between steps: a reminder or a warning must not make an agent's next click stale.
    const moves = moved.visitsOpened.length > 0 || moved.visitsClosed.length > 0 || moved.done;
    const revision = moves ? row.revision + 1 : row.revision;
    const updated = await trx('tickets')
      .where({ id: row.id, revision: row.revision })
      .update({
        level: levelOf(moved.fields),
        vip: moved.state.vip,
        fields: JSON.stringify(moved.fields),
        snapshot: JSON.stringify(moved.state),
        revision,
        due_at: moved.done ? null : nearestBreach(moved.state.timers),
        updated_at: now,
        closed_at: moved.done ? (row.closed_at ?? now) : null,
      });
    // The row is locked (PostgreSQL) or the writer is alone (SQLite); a miss means the lock did not hold.
    if (updated !== 1) throw new ConflictError(`ticket ${row.id} changed while it was being advanced; try again`, { currentRevision: row.revision });
    await this.storeEffects(trx, row.id, version.workflow, moved, now);
    return revision;
  }

  private async viewAfter(trx: Transaction, row: TicketRow, version: WorkflowVersion, moved: Advance, revision: number, now: number): Promise<Ticket> {
    return this.view(
      version,
      { id: row.id, customer: await this.customer(trx, row.customer_id), revision, createdAt: row.created_at, updatedAt: now, createdBy: row.created_by, channel: row.channel, subject: row.subject },
      moved.state,
      moved.fields,
      moved.done ? (row.closed_at ?? now) : undefined,
    );
  }

  /** Customers never change once created, so they are read once per process (up to a bound). */
  private async customer(trx: Transaction, id: number): Promise<Customer> {
    let customer = this.customers.get(id);
    if (!customer) {
      customer = customerOf((await trx('customers').where({ id }).first()) as CustomerRow);
      if (this.customers.size >= 10_000) this.customers.clear();
      this.customers.set(id, customer);
    }
    return customer;
  }

  /** Step-log rows, timers and notifications of one engine result. */
  private async storeEffects(trx: Transaction, ticketId: number, workflow: Workflow, moved: Advance, now: number): Promise<void> {
    const closed = new Map(moved.visitsClosed.map((v) => [v.visit, v]));
    const opened = new Set(moved.visitsOpened.map((v) => v.visit));
    const inserts = moved.visitsOpened.map((visit) => {
      const done = closed.get(visit.visit);
      return {
        ticket_id: ticketId,
        visit: visit.visit,
        step: visit.step,
        step_name: workflow.steps[visit.step]!.name,
        owner: workflow.steps[visit.step]!.owner ?? null,
        entered_at: visit.enteredAt,
        exited_at: done?.exitedAt ?? null,
        duration_ms: done?.durationMs ?? null,
        actor: done?.actor ?? null,
        event: done?.event ?? null,
        sla_ms: visit.slaMs ?? null,
        breached: done?.breached ?? visit.breached,
        automatic: workflow.steps[visit.step]!.kind === 'automatic',
      };
    });
    if (inserts.length) await trx('step_log').insert(inserts);
    for (const visit of moved.visitsClosed) {
      if (opened.has(visit.visit)) continue;
      await trx('step_log').where({ ticket_id: ticketId, visit: visit.visit }).update({
        exited_at: visit.exitedAt,
        duration_ms: visit.durationMs,
        actor: visit.actor,
        event: visit.event,
        breached: visit.breached,
      });
    }
    // A breach timer marks its visit while the ticket still waits there.
    const breachedNow = moved.state.openVisits.filter((v) => v.breached && !opened.has(v.visit)).map((v) => v.visit);
    if (breachedNow.length) await trx('step_log').where({ ticket_id: ticketId, breached: false }).whereIn('visit', breachedNow).update({ breached: true });
    if (moved.timersCancelled.length) {
      await trx('timers')
        .where({ ticket_id: ticketId })
        .whereIn('key', moved.timersCancelled.map((t) => t.key))
        .whereNull('fired_at')
        .update({ cancelled_at: now });
    }
    if (moved.timersArmed.length) await trx('timers').insert(moved.timersArmed.map((timer) => timerRow(ticketId, timer)));
    if (moved.reminders.length) {
      await trx('notifications').insert(
        moved.reminders.map((reminder) => ({
          ticket_id: ticketId,
          kind: reminder.kind,
          recipient: reminder.to ?? null,
          step: reminder.step ?? null,
          message: reminder.message ?? null,
          created_at: reminder.at,
        })),
      );
    }
  }

  /** The customer with this external id, or a new record; customers are shared across channels. */
  private async customerFor(trx: Transaction, customer: NewTicket['customer'], now: number): Promise<Customer> {
    if (customer.externalId) {
      const existing = (await trx('customers').where({ external_id: customer.externalId }).first()) as CustomerRow | undefined;
      if (existing) return customerOf(existing);
    }
    try {
      const [row] = (await trx('customers')
        .insert({ name: customer.name, external_id: customer.externalId ?? null, created_at: now })
        .returning(['id', 'name', 'external_id'])) as CustomerRow[];
      return customerOf(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`customer ${customer.externalId} was created at the same time; try again`);
      throw error;
    }
  }

  private viewOf(row: TicketRow, version: WorkflowVersion, customer: Customer): Ticket {
    const state = stateOf(row);
    return this.view(
      version,
      { id: row.id, customer, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at, createdBy: row.created_by, channel: row.channel, subject: row.subject },
      state,
      JSON.parse(row.fields) as Record<string, unknown>,
      row.closed_at ?? undefined,
    );
  }

  private view(
    version: WorkflowVersion,
    base: Pick<Ticket, 'id' | 'customer' | 'revision' | 'createdAt' | 'updatedAt' | 'createdBy' | 'channel' | 'subject'>,
    state: TicketState,
    fields: Record<string, unknown>,
    closedAt?: number,
  ): Ticket {
    const steps = activeStepsOf(version.workflow, state);
    const ticket: Ticket = {
      ...base,
      workflow: version.key,
      version: version.version,
      vip: state.vip,
      fields,
      status: state.done ? 'closed' : 'open',
      state: steps.map((s) => s.id),
      steps,
      allowedEvents: allowedEvents(version.workflow, state),
    };
    const level = levelOf(fields);
    if (level) ticket.level = level;
    const due = state.done ? null : nearestBreach(state.timers);
    if (due !== null) ticket.dueAt = due;
    if (closedAt !== undefined) ticket.closedAt = closedAt;
    return ticket;
  }
}

interface StepLogRow {
  visit: number;
  step: string;
  step_name: string;
  owner: string | null;
  entered_at: number;
  exited_at: number | null;
  duration_ms: number | null;
  actor: string | null;
  event: string | null;
  sla_ms: number | null;
  breached: boolean | number;
  automatic: boolean | number;
}

interface TimerRow {
  key: string;
  kind: string;
  due_at: number;
  step: string | null;
  timer_id: string | null;
}

function checkRevision(row: TicketRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.revision) {
    throw new ConflictError(`ticket ${row.id} has changed: it is at revision ${row.revision}, not ${expected}; reload it and try again`, {
      currentRevision: row.revision,
    });
  }
}

function openVisit(knex: Knex): Knex.QueryBuilder {
  return knex('step_log as s').select(knex.raw('1')).whereRaw('s.ticket_id = t.id').whereNull('s.exited_at');
}

function stateOf(row: TicketRow): TicketState {
  return JSON.parse(row.snapshot) as TicketState;
}

function levelOf(fields: Record<string, unknown>): string | null {
  return typeof fields.level === 'string' && fields.level ? fields.level : null;
}

function customerOf(row: CustomerRow): Customer {
  return row.external_id ? { id: row.id, name: row.name, externalId: row.external_id } : { id: row.id, name: row.name };
}

function timerRow(ticketId: number, timer: PendingTimer) {
  return {
    ticket_id: ticketId,
    key: timer.key,
    kind: timer.kind,
    step: timer.step ?? null,
    timer_id: timer.timerId ?? null,
    visit: timer.visit ?? null,
    due_at: timer.dueAt,
    armed_at: timer.armedAt,
  };
}

function timerView(row: TimerRow): PendingTimerView {
  const view: PendingTimerView = { key: row.key, kind: row.kind, dueAt: row.due_at };
  if (row.step) view.step = row.step;
  if (row.timer_id) view.timerId = row.timer_id;
  return view;
}

function stepLogEntry(row: StepLogRow): StepLogEntry {
  const entry: StepLogEntry = {
    visit: row.visit,
    step: row.step,
    stepName: row.step_name,
    enteredAt: row.entered_at,
    breached: Boolean(row.breached),
    automatic: Boolean(row.automatic),
  };
  if (row.owner !== null) entry.owner = row.owner;
  if (row.exited_at !== null) entry.exitedAt = row.exited_at;
  if (row.duration_ms !== null) entry.durationMs = row.duration_ms;
  if (row.actor !== null) entry.actor = row.actor;
  if (row.event !== null) entry.event = row.event;
  if (row.sla_ms !== null) entry.slaMs = row.sla_ms;
  return entry;
}
