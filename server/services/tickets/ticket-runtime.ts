import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock.js';
import { changesOf, runSql, writeRows, isUniqueViolation, listSql, rowsOf, type Database, type SqlValue, type Transaction } from '../../data/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import {
  advance,
  allowedEvents,
  fireTimer,
  startTicket,
  updateTicket,
  type Advance,
  type EngineOptions,
  type OpenVisit,
  type PendingTimer,
  type StepVisit,
  type TicketChange,
  type TicketState,
} from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import type { WorkflowLibrary, WorkflowVersion } from '../workflows/workflow-library.js';
import { TicketBatches, type Outcome } from './ticket-batches.js';
import { urgencyOf } from './urgency.js';
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

/** What an advance reads of the ticket it locks (not `fields`: the snapshot holds them too). */
type LockedRow = Pick<TicketRow, 'id' | 'workflow_id' | 'customer_id' | 'revision' | 'snapshot' | 'created_at' | 'closed_at' | 'created_by' | 'channel' | 'subject'>;
const LOCKED_COLUMNS = 'id, workflow_id, customer_id, revision, snapshot, created_at, closed_at, created_by, channel, subject';

/** A claimed timer, as the scheduler hands it over to be fired. */
export interface DueTimer {
  id: number;
  ticketId: number;
  key: string;
  dueAt: number;
}

export interface FiredTimers {
  /** The timers this call fired; the others had fired or been cancelled already. */
  fired: DueTimer[];
  /** Timers whose ticket the engine could not move on: left pending (and claimed), with the reason. */
  failed: Array<{ timer: DueTimer; error: unknown }>;
}

/** One ticket's engine result, to be written. */
interface TicketEffects {
  ticketId: number;
  workflow: Workflow;
  /** The state before the change, when there was one: tells which open visits the change breached. */
  before?: TicketState;
  moved: Advance;
}

interface RequestedAdvance {
  ticketId: number;
  event: TicketEvent;
  actor: string;
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
  private readonly advances: TicketBatches<RequestedAdvance, Ticket>;

  constructor(
    private readonly db: Database,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
    private readonly engine: EngineOptions = {},
    /** Names of the business calendars a ticket may be put on. */
    private readonly calendars: ReadonlySet<string> = new Set(),
  ) {
    this.advances = new TicketBatches(db, (trx, batch) => this.advanceTogether(trx, batch));
  }

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
          due_at: started.done ? null : nearestBreach(started.state),
          created_at: now,
          updated_at: now,
          closed_at: started.done ? now : null,
          created_by: actor,
        })
        .returning('id')) as Array<{ id: number }>;
      const id = inserted!.id;
      await storeEffects(trx, [{ ticketId: id, workflow, moved: started }], now);
      return this.view(version, { id, customer, revision: 1, createdAt: now, updatedAt: now, createdBy: actor, channel: input.channel, subject: input.subject }, started.state, started.fields);
    });
  }

  /**
   * Advances a ticket by one event. Throws NotFoundError, ConflictError (stale `expectedRevision`),
   * EventNotAllowedError (with the allowed events) or ValidationError (field problems); then nothing is written.
   * Advances asked for while others are being stored are stored together (`TicketBatches`,
   * `advanceTogether`); each is answered once the transaction that holds it is durable.
   */
  advance(id: number, event: TicketEvent, actor: string): Promise<Ticket> {
    const advanced = this.loadVersions([id]).then(() => this.advances.submit({ ticketId: id, event, actor }));
    this.loading.add(advanced);
    void advanced.catch(() => undefined).finally(() => this.loading.delete(advanced));
    return advanced;
  }

  /** Advances still reading their versions (the bridge below), not yet handed to the batches. */
  private readonly loading = new Set<Promise<unknown>>();

  /**
   * Bridge until the new ticket write path: `WorkflowLibrary.get` reads outside any transaction, which SQLite
   * cannot serve while a write holds its one connection, so the tickets' versions are read before the write.
   */
  private async loadVersions(ticketIds: readonly number[]): Promise<void> {
    const rows = (await this.db.knex('tickets').whereIn('id', ticketIds).distinct('workflow_id')) as Array<{ workflow_id: number }>;
    await Promise.all(rows.map((row) => this.workflows.get(row.workflow_id)));
  }

  /** Resolves once every advance asked for so far has been stored or refused. */
  async settled(): Promise<void> {
    while (this.loading.size) await Promise.allSettled([...this.loading]);
    return this.advances.settled();
  }

  /**
   * Advances several tickets (one event each) in one transaction, as `fireTimers` fires timers: the tickets
   * are locked in one statement, the engine runs for each, and their effects are written with multi-row
   * statements. An advance the engine refuses is left out, with its error; the others go on.
   */
  private async advanceTogether(trx: Transaction, batch: readonly RequestedAdvance[]): Promise<Array<Outcome<Ticket>>> {
    const ids = batch.map((requested) => requested.ticketId).sort((a, b) => a - b);
    const rows = new Map(
      rowsOf<LockedRow>(await runSql(trx, `SELECT ${LOCKED_COLUMNS} FROM tickets WHERE id IN (${listSql(ids.length)}) ORDER BY id${this.db.forUpdateSql}`, ids)).map((row) => [row.id, row]),
    );
    const now = this.clock.now();
    const changes: Array<TicketEffects & { row: LockedRow; version: WorkflowVersion }> = [];
    const outcomes: Array<Outcome<Ticket> | (typeof changes)[number]> = [];
    for (const { ticketId, event, actor } of batch) {
      try {
        const row = rows.get(ticketId);
        if (!row) throw new NotFoundError(`no ticket ${ticketId}`);
        checkRevision(row, event.expectedRevision);
        const version = await this.workflows.get(row.workflow_id);
        const before = stateOf(row);
        const moved = advance(version.workflow, before, { type: event.type, ...(event.fields ? { fields: event.fields } : {}) }, { now, actor }, this.engine);
        const change = { row, version, ticketId: row.id, workflow: version.workflow, before, moved };
        changes.push(change);
        outcomes.push(change);
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    await this.updateTickets(trx, changes, now);
    await storeEffects(trx, changes, now);
    // One after the other: a PostgreSQL transaction runs one query at a time.
    const answers: Array<Outcome<Ticket>> = [];
    for (const outcome of outcomes) {
      if ('ok' in outcome) answers.push(outcome);
      else answers.push({ ok: true, value: await this.viewAfter(trx, outcome.row, outcome.version, outcome.moved, revisionAfter(outcome.row, outcome.moved), now) });
    }
    return answers;
  }

  /**
   * Changes a ticket's VIP flag or its own business calendar (null: back to the workflow's). Limits are
   * re-armed on the new terms; business time already used is kept.
   */
  async update(id: number, change: TicketChange & { expectedRevision?: number }, actor: string): Promise<Ticket> {
    if (change.calendar && !this.calendars.has(change.calendar)) {
      throw new ValidationError(`calendar "${change.calendar}" is not defined`, [{ field: 'calendar', message: `must be one of ${[...this.calendars].join(', ')}` }]);
    }
    await this.loadVersions([id]);
    return this.db.write(async (trx) => {
      const row = await this.lock(trx, id);
      checkRevision(row, change.expectedRevision);
      const version = await this.workflows.get(row.workflow_id);
      const { expectedRevision: _, ...terms } = change;
      const now = this.clock.now();
      const before = stateOf(row);
      const changed = updateTicket(version.workflow, before, terms, { now, actor }, this.engine);
      return this.viewAfter(trx, row, version, changed, await this.store(trx, row, before, version, changed, now), now);
    });
  }

  /**
   * Fires claimed timers through the same engine path as an agent's event, all in one transaction: their
   * tickets are locked, one UPDATE marks the timers still pending as fired (whoever marks a timer first wins,
   * so it fires once however many schedulers claimed it), each ticket's timers run in due order, and the
   * effects of all of them are written with multi-row statements.
   */
  async fireTimers(timers: readonly DueTimer[]): Promise<FiredTimers> {
    if (!timers.length) return { fired: [], failed: [] };
    const ticketIds = [...new Set(timers.map((t) => t.ticketId))].sort((a, b) => a - b);
    const timerIds = timers.map((t) => t.id);
    await this.loadVersions(ticketIds);
    return this.db.write(async (trx) => {
      const rows = rowsOf<LockedRow>(
        await runSql(trx, `SELECT ${LOCKED_COLUMNS} FROM tickets WHERE id IN (${listSql(ticketIds.length)}) ORDER BY id${this.db.forUpdateSql}`, ticketIds),
      );
      const now = this.clock.now();
      const marked = rowsOf<{ id: number | string }>(
        await runSql(trx, `UPDATE timers SET fired_at = ? WHERE id IN (${listSql(timerIds.length)}) AND fired_at IS NULL AND cancelled_at IS NULL RETURNING id`, [now, ...timerIds]),
      );
      const markedIds = new Set(marked.map((m) => Number(m.id)));
      // Arming order breaks ties between timers due at the same instant.
      const fired = timers.filter((t) => markedIds.has(t.id)).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
      const byTicket = new Map<number, DueTimer[]>();
      for (const timer of fired) byTicket.set(timer.ticketId, [...(byTicket.get(timer.ticketId) ?? []), timer]);

      const failed: FiredTimers['failed'] = [];
      const changes: Array<TicketEffects & { row: LockedRow }> = [];
      for (const row of rows) {
        const due = byTicket.get(row.id);
        if (!due) continue;
        const version = await this.workflows.get(row.workflow_id);
        const before = stateOf(row);
        try {
          let moved: Advance | undefined;
          for (const timer of due) {
            const next = fireTimer(version.workflow, moved?.state ?? before, timer.key, { now }, this.engine);
            if (next) moved = moved ? mergeAdvances(moved, next) : next;
          }
          if (moved) changes.push({ row, ticketId: row.id, workflow: version.workflow, before, moved });
        } catch (error) {
          for (const timer of due) failed.push({ timer, error });
        }
      }
      if (failed.length) {
        await runSql(trx, `UPDATE timers SET fired_at = NULL WHERE id IN (${listSql(failed.length)})`, failed.map((f) => f.timer.id));
      }
      await this.updateTickets(trx, changes, now);
      await storeEffects(trx, changes, now);
      const failedIds = new Set(failed.map((f) => f.timer.id));
      return { fired: fired.filter((t) => !failedIds.has(t.id)), failed };
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

  private async lock(trx: Transaction, id: number): Promise<LockedRow> {
    const [row] = rowsOf<LockedRow>(await runSql(trx, `SELECT ${LOCKED_COLUMNS} FROM tickets WHERE id = ?${this.db.forUpdateSql}`, [id]));
    if (!row) throw new NotFoundError(`no ticket ${id}`);
    return row;
  }

  /** Writes one engine result; returns the ticket's new revision. */
  private async store(trx: Transaction, row: LockedRow, before: TicketState, version: WorkflowVersion, moved: Advance, now: number): Promise<number> {
    const revision = revisionAfter(row, moved);
    await this.updateTickets(trx, [{ row, moved }], now);
    await storeEffects(trx, [{ ticketId: row.id, workflow: version.workflow, before, moved }], now);
    return revision;
  }

  /**
   * Writes the new snapshot and revision of each changed ticket. SQLite runs one prepared UPDATE per ticket
   * (in process, they cost less than building one big statement); PostgreSQL gets them all in one statement,
   * a round trip instead of one per ticket.
   */
  private async updateTickets(trx: Transaction, changes: ReadonlyArray<{ row: LockedRow; moved: Advance }>, now: number): Promise<void> {
    const rows = changes.map(({ row, moved }): SqlValue[] => [
      levelOf(moved.fields),
      moved.state.vip,
      JSON.stringify(moved.fields),
      JSON.stringify(moved.state),
      revisionAfter(row, moved),
      moved.done ? null : nearestBreach(moved.state),
      now,
      moved.done ? (row.closed_at ?? now) : null,
      row.id,
      row.revision,
    ]);
    let updated = 0;
    if (this.db.client === 'sqlite') for (const values of rows) updated += changesOf(await runSql(trx, TICKET_UPDATE, values));
    else updated = await writeRows(trx, TICKETS_UPDATE_HEAD, rows, TICKETS_UPDATE_TAIL);
    // The rows are locked (PostgreSQL) or the writer is alone (SQLite); a miss means a lock did not hold.
    if (updated !== changes.length) {
      const { row } = changes[0]!;
      if (changes.length === 1) throw new ConflictError(`ticket ${row.id} changed while it was being advanced; try again`, { currentRevision: row.revision });
      throw new ConflictError(`one of tickets ${changes.map((c) => c.row.id).join(', ')} changed while they were being stored; try again`);
    }
  }

  private async viewAfter(trx: Transaction, row: LockedRow, version: WorkflowVersion, moved: Advance, revision: number, now: number): Promise<Ticket> {
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
      customer = customerOf(rowsOf<CustomerRow>(await runSql(trx, 'SELECT * FROM customers WHERE id = ?', [id]))[0]!);
      if (this.customers.size >= 10_000) this.customers.clear();
      this.customers.set(id, customer);
    }
    return customer;
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
      urgency: 'ok',
    };
    const level = levelOf(fields);
    if (level) ticket.level = level;
    const due = state.done ? null : nearestBreach(state);
    ticket.urgency = urgencyOf(version.workflow, state, steps, due ?? undefined, this.clock.now());
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

/** The revision counts moves between steps: a reminder or a warning must not make an agent's next click stale. */
function revisionAfter(row: LockedRow, moved: Advance): number {
  const moves = moved.visitsOpened.length > 0 || moved.visitsClosed.length > 0 || moved.done;
  return moves ? row.revision + 1 : row.revision;
}

/** Two engine results in a row as one: a ticket's effects when several of its timers fire together. */
function mergeAdvances(first: Advance, next: Advance): Advance {
  return {
    ...next,
    visitsClosed: [...first.visitsClosed, ...next.visitsClosed],
    visitsOpened: [...first.visitsOpened, ...next.visitsOpened],
    timersArmed: [...first.timersArmed, ...next.timersArmed],
    timersCancelled: [...first.timersCancelled, ...next.timersCancelled],
    reminders: [...first.reminders, ...next.reminders],
  };
}

const TICKET_UPDATE = 'UPDATE tickets SET level = ?, vip = ?, fields = ?, snapshot = ?, revision = ?, due_at = ?, updated_at = ?, closed_at = ? WHERE id = ? AND revision = ?';
// PostgreSQL types the values of a VALUES list of parameters as text: the casts say what they are.
const TICKETS_UPDATE_HEAD = `UPDATE tickets AS t SET level = v.level, vip = v.vip::boolean, fields = v.fields, snapshot = v.snapshot,
  revision = v.revision::integer, due_at = v.due_at::bigint, updated_at = v.updated_at::bigint, closed_at = v.closed_at::bigint FROM (`;
const TICKETS_UPDATE_TAIL = ') AS v (level, vip, fields, snapshot, revision, due_at, updated_at, closed_at, id, expected) WHERE t.id = v.id::bigint AND t.revision = v.expected::integer';

const STEP_LOG_INSERT =
  'INSERT INTO step_log (ticket_id, visit, step, step_name, owner, entered_at, exited_at, duration_ms, actor, event, sla_ms, breached, automatic)';
const STEP_LOG_UPSERT =
  ' ON CONFLICT (ticket_id, visit) DO UPDATE SET exited_at = excluded.exited_at, duration_ms = excluded.duration_ms, actor = excluded.actor, event = excluded.event, breached = excluded.breached';
const TIMERS_INSERT = 'INSERT INTO timers (ticket_id, key, kind, step, timer_id, visit, due_at, armed_at, cancelled_at)';
const TIMERS_UPSERT = ' ON CONFLICT (ticket_id, key) DO UPDATE SET cancelled_at = excluded.cancelled_at WHERE timers.fired_at IS NULL';
const NOTIFICATIONS_INSERT = 'INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)';

/**
 * Step-log rows, timers and notifications of engine results, at most one statement each (per few hundred
 * rows). The step log and the timers are upserts: a new visit or timer is inserted, while a visit that ended
 * or was breached, or a timer that was cancelled, conflicts with its row and updates it.
 */
async function storeEffects(trx: Transaction, changes: readonly TicketEffects[], now: number): Promise<void> {
  const stepLog: SqlValue[][] = [];
  const timers: SqlValue[][] = [];
  const notifications: SqlValue[][] = [];
  for (const { ticketId, workflow, before, moved } of changes) {
    const closed = new Map(moved.visitsClosed.map((v) => [v.visit, v]));
    const open = new Map(moved.state.openVisits.map((v) => [v.visit, v]));
    const written = new Set<number>();
    const visitRow = (visit: OpenVisit, done: StepVisit | undefined, breached: boolean): SqlValue[] => {
      const step = workflow.steps[visit.step]!;
      written.add(visit.visit);
      return [
        ticketId,
        visit.visit,
        visit.step,
        step.name,
        step.owner ?? null,
        visit.enteredAt,
        done?.exitedAt ?? null,
        done?.durationMs ?? null,
        done?.actor ?? null,
        done?.event ?? null,
        visit.slaMs ?? null,
        breached,
        step.kind === 'automatic',
      ];
    };
    for (const visit of moved.visitsOpened) {
      const done = closed.get(visit.visit);
      stepLog.push(visitRow(visit, done, done?.breached ?? open.get(visit.visit)?.breached ?? visit.breached));
    }
    for (const visit of moved.visitsClosed) if (!written.has(visit.visit)) stepLog.push(visitRow(visit, visit, visit.breached));
    // A breach timer marks its visit while the ticket still waits there.
    const breachedBefore = new Set(before?.openVisits.filter((v) => v.breached).map((v) => v.visit));
    for (const visit of moved.state.openVisits) {
      if (visit.breached && !breachedBefore.has(visit.visit) && !written.has(visit.visit)) stepLog.push(visitRow(visit, undefined, true));
    }

    // A timer armed and cancelled by the same change is kept as cancelled.
    const cancelled = new Set(moved.timersCancelled.map((t) => t.key));
    const armed = new Set(moved.timersArmed.map((t) => t.key));
    for (const timer of moved.timersArmed) timers.push(timerRow(ticketId, timer, cancelled.has(timer.key) ? now : null));
    for (const timer of moved.timersCancelled) if (!armed.has(timer.key)) timers.push(timerRow(ticketId, timer, now));

    for (const reminder of moved.reminders) {
      notifications.push([ticketId, reminder.kind, reminder.to ?? null, reminder.step ?? null, reminder.message ?? null, reminder.at]);
    }
  }
  await writeRows(trx, STEP_LOG_INSERT, stepLog, STEP_LOG_UPSERT);
  await writeRows(trx, TIMERS_INSERT, timers, TIMERS_UPSERT);
  await writeRows(trx, NOTIFICATIONS_INSERT, notifications);
}

function checkRevision(row: LockedRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.revision) {
    throw new ConflictError(`ticket ${row.id} has changed: it is at revision ${row.revision}, not ${expected}; reload it and try again`, {
      currentRevision: row.revision,
    });
  }
}

function openVisit(knex: Knex): Knex.QueryBuilder {
  return knex('step_log as s').select(knex.raw('1')).whereRaw('s.ticket_id = t.id').whereNull('s.exited_at');
}

function stateOf(row: Pick<TicketRow, 'snapshot'>): TicketState {
  return JSON.parse(row.snapshot) as TicketState;
}

function levelOf(fields: Record<string, unknown>): string | null {
  return typeof fields.level === 'string' && fields.level ? fields.level : null;
}

function customerOf(row: CustomerRow): Customer {
  return row.external_id ? { id: row.id, name: row.name, externalId: row.external_id } : { id: row.id, name: row.name };
}

function timerRow(ticketId: number, timer: PendingTimer, cancelledAt: number | null): SqlValue[] {
  return [ticketId, timer.key, timer.kind, timer.step ?? null, timer.timerId ?? null, timer.visit ?? null, timer.dueAt, timer.armedAt, cancelledAt];
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
