import type { Clock } from '../../shared/clock.js';
import { DEFAULT_INPUT_LIMITS, INPUT_LIMIT_SETTINGS, type InputLimits } from '../../shared/config.js';
import { ConflictError, EventNotAllowedError, NotFoundError, outOfRange, ValidationError } from '../../shared/errors.js';
import {
  advance,
  allowedEvents,
  fireTimer,
  startTicket,
  updateTicket,
  type Advance,
  type EngineOptions,
  type TicketChange,
  type TicketState,
} from '../../engine/ticket-engine.js';
import { WALL_CLOCK } from '../../engine/time/business-calendar.js';
import { isSignal } from '../../engine/ticket-triggers.js';
import type { Workflow } from '../../engine/workflow.js';
import type { DueTimer, TicketCursor, TicketEffects, TicketRecord, TicketWrite } from '../../data/tickets/ticket-records.js';
import type { TicketRepository } from '../../data/tickets/ticket-repository.js';
import type { WorkflowLibrary, WorkflowVersion } from '../workflows/workflow-library.js';
import { CHANNELS } from './channels.js';
import { FieldLimits } from './field-limits.js';
import { cursorOf } from './ticket-cursor.js';
import { columnsAfter, effectsOf, mergeAdvances, revisionAfter } from './ticket-effects.js';
import { DEFAULT_FACT_SETTINGS, factsAfter, newFacts, type FactContext, type FactSettings } from './ticket-facts.js';
import { TicketReads } from './ticket-reads.js';
import type { Ticket, TicketDetail } from './ticket-views.js';

export type { DueTimer, TicketQuery } from '../../data/tickets/ticket-records.js';
export type { Computed, FiredTimers, NewTicket, StoredTicket, TicketEvent, TicketIntake, TicketListener, TicketListQuery } from './ticket-contracts.js';
import type { Computed, FiredTimers, NewTicket, TicketEvent, TicketListener, TicketListQuery } from './ticket-contracts.js';

/** Another process changed the ticket between our read and our write this many times in a row: give up. */
const MAX_ATTEMPTS = 8;

/**
 * The ticket use cases: create, advance, update (VIP, calendar), fire timers, read. Each change reads the
 * ticket once, runs the pure engine, and hands the result to the repository as one write unit, stored only
 * if the ticket is still at the version it was read at (else read again and recomputed). A ticket's changes
 * in this process run one after the other, in the order asked; different tickets' writes share commits.
 */
export class TicketRuntime {
  private readonly reads: TicketReads;
  private readonly fieldLimits: FieldLimits;
  /** The last change asked for on each ticket with one in flight: the next waits for it. */
  private readonly tails = new Map<number, Promise<unknown>>();
  private listener: TicketListener | undefined;

  constructor(
    private readonly repository: TicketRepository,
    private readonly workflows: WorkflowLibrary,
    private readonly clock: Clock,
    private readonly engine: EngineOptions = {},
    /** Names of the business calendars a ticket may be put on. */
    private readonly calendars: ReadonlySet<string> = new Set(),
    /**
     * A simulation (the demo) keeps the timers it arms to its own scheduler instance, so that a server running
     * on the real clock meanwhile does not fire weeks of simulated timers at once, dated today.
     */
    private readonly timerOwner?: string,
    /** Bounds on subjects, names, fields and list pages (`shared/config.ts`). */
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
    /** How the KPI facts kept on each ticket are judged (the FCR window). */
    private readonly facts: FactSettings = DEFAULT_FACT_SETTINGS,
  ) {
    this.reads = new TicketReads(repository, workflows, clock);
    this.fieldLimits = new FieldLimits(limits);
  }

  /** Routing's hook (the composition root sets it): told of every ticket stored. */
  listen(listener: TicketListener): void {
    this.listener = listener;
  }

  async create(input: NewTicket, actor: string): Promise<Ticket> {
    checkChannel(input.channel);
    this.fieldLimits.checkTicketText(input);
    const version = await this.workflows.atStart(await this.workflows.latest(input.workflow));
    const { workflow } = version;
    if (workflow.channels.length && !workflow.channels.includes(input.channel)) {
      throw new ValidationError(`channel "${input.channel}" is not served by workflow ${workflow.key}`, [
        { field: 'channel', message: `must be one of ${workflow.channels.join(', ')}` },
      ]);
    }
    this.fieldLimits.checkValues(workflow, input.fields);
    const now = this.clock.now();
    const started = startTicket(workflow, { now, actor }, { fields: input.fields ?? {}, vip: input.vip === true }, this.engine);
    this.fieldLimits.checkTotal(started.fields);
    const { facts, reworkFrom } = factsAfter(newFacts(), started, this.factContext(workflow, now, now, undefined));
    const columns = columnsAfter(started, 1, now, null, facts);
    const ticket = {
      workflowVersionId: version.id,
      workflowKey: workflow.key,
      version: version.version,
      channel: input.channel,
      subject: input.subject,
      customer: input.customer,
      createdBy: actor,
      createdAt: now,
      columns,
    };
    const classification = await this.listener?.classify({ subject: input.subject, channel: input.channel, vip: started.state.vip, fields: started.fields });
    const result = await this.repository.write({
      kind: 'create',
      ticket,
      effects: this.owned(effectsOf(workflow, started, undefined, now, reworkFrom)),
      ...(classification ? { classification } : {}),
    });
    if (result.kind !== 'created') throw new Error(`a new ticket was answered ${result.kind}`);
    const record: TicketRecord = {
      ...ticket,
      id: result.id,
      customer: result.customer,
      fields: started.fields,
      state: started.state,
      revision: 1,
      rowVersion: 1,
      updatedAt: now,
      closedAt: columns.closedAt,
      facts,
    };
    await this.told(record, workflow, true);
    return this.reads.view(version, record);
  }

  /**
   * Advances a ticket by one event. Throws NotFoundError, ConflictError (stale `expectedRevision`),
   * EventNotAllowedError (with the allowed events) or ValidationError (field problems); then nothing is written.
   */
  advance(id: number, event: TicketEvent, actor: string): Promise<Ticket> {
    return this.change(id, event.expectedRevision, (record, version, now) => {
      if (isSignal(version.workflow, event.type))
        throw new EventNotAllowedError(
          `"${event.type}" is a signal: it reaches every ticket waiting for it (POST /api/signals)`,
          allowedEvents(version.workflow, record.state),
        );
      if (event.step !== undefined && !version.workflow.steps[event.step]?.actions.some((action) => action.event === event.type)) {
        throw new EventNotAllowedError(`"${event.type}" is not an action of step ${event.step}`, allowedEvents(version.workflow, record.state));
      }
      this.fieldLimits.checkValues(version.workflow, event.fields);
      const moved = advance(
        version.workflow,
        record.state,
        { type: event.type, ...(event.fields ? { fields: event.fields } : {}), ...(event.instance !== undefined ? { instance: event.instance } : {}) },
        { now, actor },
        this.engine,
      );
      this.fieldLimits.checkTotal(moved.fields);
      return { moved };
    });
  }

  /**
   * Changes a ticket's VIP flag or its own business calendar (null: back to the workflow's). Limits are
   * re-armed on the new terms; business time already used is kept.
   */
  update(id: number, change: TicketChange & { expectedRevision?: number }, actor: string): Promise<Ticket> {
    if (change.calendar && !this.calendars.has(change.calendar)) {
      throw new ValidationError(`calendar "${change.calendar}" is not defined`, [
        { field: 'calendar', message: `must be one of ${[...this.calendars].join(', ')}` },
      ]);
    }
    const { expectedRevision, ...terms } = change;
    return this.change(id, expectedRevision, (record, version, now) => ({
      moved: updateTicket(version.workflow, record.state, terms, { now, actor }, this.engine),
    }));
  }

  /**
   * Fires claimed timers through the same path as an agent's event. Each ticket's timers run in due order
   * in one change, which marks them fired: a timer another process fired first changed the ticket, so this
   * change is recomputed and finds it gone. A timer the engine cannot fire is left pending, with the reason.
   */
  async fireTimers(timers: readonly DueTimer[]): Promise<FiredTimers> {
    const byTicket = new Map<number, DueTimer[]>();
    for (const timer of [...timers].sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)) {
      const due = byTicket.get(timer.ticketId);
      if (due) due.push(timer);
      else byTicket.set(timer.ticketId, [timer]);
    }
    const result: FiredTimers = { fired: [], failed: [] };
    await Promise.all(
      [...byTicket].map(async ([ticketId, due]) => {
        try {
          await this.fireTicketTimers(ticketId, due);
          result.fired.push(...due);
        } catch (error) {
          if (error instanceof NotFoundError) return;
          if (due.length === 1) {
            result.failed.push({ timer: due[0]!, error });
            return;
          }
          // One timer the engine refuses must not hold back the others: fire them one at a time, in due order.
          for (const timer of due) {
            try {
              await this.fireTicketTimers(ticketId, [timer]);
              result.fired.push(timer);
            } catch (one) {
              if (!(one instanceof NotFoundError)) result.failed.push({ timer, error: one });
            }
          }
        }
      }),
    );
    return result;
  }

  private fireTicketTimers(ticketId: number, due: readonly DueTimer[]): Promise<Ticket> {
    return this.change(ticketId, undefined, (record, version, now) => {
      let moved: Advance | undefined;
      for (const timer of due) {
        const next = fireTimer(version.workflow, moved?.state ?? record.state, timer.key, { now }, this.engine);
        if (next) moved = moved ? mergeAdvances(moved, next) : next;
      }
      return { moved, fired: due.map((t) => t.id) };
    });
  }

  get(id: number): Promise<TicketDetail> {
    return this.reads.get(id);
  }

  /**
   * A page of tickets, most urgent first, from `cursor` (the `next` of the page before) on; `next` is absent
   * on the last page. `limit` is at most LIST_PAGE_MAX (refused above it), LIST_PAGE_DEFAULT when absent.
   */
  list(query: TicketListQuery = {}): Promise<{ items: Ticket[]; next?: string }> {
    const { listPageMax, listPageDefault } = this.limits;
    const limit = query.limit ?? listPageDefault;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > listPageMax)
      throw new ValidationError(`limit must be from 1 to ${listPageMax}`, [outOfRange('limit', 1, listPageMax, INPUT_LIMIT_SETTINGS.listPageMax)]);
    let after: TicketCursor | undefined;
    if (query.cursor !== undefined) {
      after = cursorOf(query.cursor);
      if (!after) throw new ValidationError('cursor is not one this server gave', [{ field: 'cursor', message: 'is not the `next` of an earlier page' }]);
    }
    const { cursor: _, ...filter } = query;
    return this.reads.list({ ...filter, limit, ...(after ? { after } : {}) });
  }

  /** Resolves once every change asked for so far has been stored or refused. */
  async settled(): Promise<void> {
    while (this.tails.size) await Promise.all(this.tails.values());
  }

  /** Reads, computes and writes one change of a ticket, again while another process keeps changing it first (messages and signals too). */
  change(
    id: number,
    expectedRevision: number | undefined,
    compute: (record: TicketRecord, version: WorkflowVersion, now: number) => Computed,
  ): Promise<Ticket> {
    return this.inOrder(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const record = await this.repository.find(id);
        if (!record) throw new NotFoundError(`no ticket ${id}`);
        if (expectedRevision !== undefined && expectedRevision !== record.revision) {
          throw new ConflictError(`ticket ${id} has changed: it is at revision ${record.revision}, not ${expectedRevision}; reload it and try again`, {
            currentRevision: record.revision,
          });
        }
        const version = await this.workflows.forTicket(record.workflowVersionId, record.state);
        const now = this.clock.now();
        const computed = compute(record, version, now);
        if (computed.nothing) return this.reads.view(version, record);
        const moved = computed.moved ?? unchanged(record);
        const fired = computed.fired ?? [];
        const revision = revisionAfter(record.revision, moved);
        const { facts, reworkFrom } = factsAfter(record.facts, moved, this.factContext(version.workflow, record.createdAt, now, record.state));
        const unit: TicketWrite = {
          kind: 'change',
          ticketId: id,
          expectedRowVersion: record.rowVersion,
          columns: columnsAfter(moved, revision, now, record.closedAt, facts),
          effects: {
            ...this.owned(effectsOf(version.workflow, moved, record.state, now, reworkFrom)),
            ...(computed.signals ? { signals: computed.signals } : {}),
          },
          firedTimerIds: fired,
        };
        const result = await this.repository.write(unit);
        if (result.kind === 'changed') {
          const stored = {
            ...record,
            fields: moved.fields,
            state: moved.state,
            revision,
            rowVersion: result.rowVersion,
            updatedAt: now,
            closedAt: unit.columns.closedAt,
            facts,
          };
          await this.told(stored, version.workflow, false);
          return this.reads.view(version, stored);
        }
        if (attempt >= MAX_ATTEMPTS)
          throw new ConflictError(`ticket ${id} kept changing while it was being stored; try again`, { currentRevision: record.revision });
      }
    });
  }

  private factContext(workflow: Workflow, createdAt: number, now: number, before: TicketState | undefined): FactContext {
    return { workflow, createdAt, now, before, time: this.engine.businessTime ?? WALL_CLOCK, settings: this.facts };
  }

  private async told(record: TicketRecord, workflow: WorkflowVersion['workflow'], created: boolean): Promise<void> {
    const { id, state, channel, subject, fields } = record;
    await this.listener?.stored({ id, workflow, state, channel, subject, fields, created });
  }

  private owned(effects: TicketEffects): TicketEffects {
    const owner = this.timerOwner;
    return owner === undefined ? effects : { ...effects, timers: effects.timers.map((timer) => ({ ...timer, reservedFor: owner })) };
  }

  private inOrder<T>(id: number, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(id) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return run;
  }
}

/** The channels the product knows are the only ones a ticket can come in on, through the API and the pages alike. */
function checkChannel(channel: string): void {
  if (!(CHANNELS as readonly string[]).includes(channel)) {
    throw new ValidationError(`channel "${channel}" is not one of ${CHANNELS.join(', ')}`, [
      { field: 'channel', message: `must be one of ${CHANNELS.join(', ')}` },
    ]);
  }
}

/** No engine change (the timers had gone): the ticket is written as it is, with its timers marked fired. */
function unchanged(
  record: TicketRecord,
): Pick<Advance, 'state' | 'fields' | 'done' | 'visitsOpened' | 'visitsClosed' | 'timersArmed' | 'timersCancelled' | 'reminders'> {
  return {
    state: record.state,
    fields: record.fields,
    done: record.state.done,
    visitsOpened: [],
    visitsClosed: [],
    timersArmed: [],
    timersCancelled: [],
    reminders: [],
  };
}
