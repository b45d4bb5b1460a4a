import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject, type ExecutableActionObject } from 'xstate';
import { EventNotAllowedError, ValidationError } from '../shared/errors.js';
import { ACTIONS, timerEvent } from './compile/build-machine.js';
import { checkFields } from './fields.js';
import { machineOf, type SopContext, type SopEvent } from './machine.js';
import { limitTimers, resolutionLimit, settleClock, ticketCalendar, type LimitTimers, type ResolutionClock } from './resolution-clock.js';
import { WALL_CLOCK, type BusinessTime } from './time/business-calendar.js';
import { dueAt } from './time/iso8601.js';
import { LEVEL_FIELD, type StateNodeJson, type StepDefinition, type Workflow } from './workflow.js';

export type { ResolutionClock } from './resolution-clock.js';

/** A step the ticket is in now. */
export interface OpenVisit {
  visit: number;
  step: string;
  enteredAt: number;
  slaMs?: number;
  breached: boolean;
  /** Business time of the limit used up to `usedUntil`; set when the limit or calendar changed mid-visit. */
  usedMs?: number;
  usedUntil?: number;
}

/** One row of the step log: a visit that has ended. */
export interface StepVisit {
  visit: number;
  step: string;
  stepName: string;
  enteredAt: number;
  exitedAt: number;
  durationMs: number;
  actor: string;
  event: string;
  slaMs?: number;
  breached: boolean;
  automatic: boolean;
}

export type TimerKind = 'bpmn' | 'sla-warning' | 'sla-breach' | 'ticket-sla-warning' | 'ticket-sla-breach';

export interface PendingTimer {
  /** Unique within the ticket: the key a scheduler claims and fires by. */
  key: string;
  kind: TimerKind;
  dueAt: number;
  armedAt: number;
  occurrence: number;
  timerId?: string;
  step?: string;
  visit?: number;
}

export type ReminderKind = 'reminder' | 'escalation' | 'sla-warning' | 'sla-breach' | 'ticket-sla-warning' | 'ticket-sla-breach';

export interface Reminder {
  kind: ReminderKind;
  at: number;
  to?: string;
  message?: string;
  step?: string;
  timerId?: string;
}

/** Everything the engine needs to continue a ticket; plain JSON. `machine` is XState's persisted snapshot. */
export interface TicketState {
  machine: unknown;
  openVisits: OpenVisit[];
  timers: PendingTimer[];
  seq: number;
  vip: boolean;
  /** The ticket's own business calendar: wins over the workflow's and the VIP calendar, not over a step's own. */
  calendar?: string;
  /**
   * The whole ticket's resolution clock. Absent in snapshots from before it existed: those keep the one
   * `ticket-sla-breach` timer armed at their start, and never pause.
   */
  resolution?: ResolutionClock;
  done: boolean;
}

/** A change to a running ticket that is not a step of its workflow. `calendar: null` drops the override. */
export interface TicketChange {
  vip?: boolean;
  calendar?: string | null;
}

/** What one advance did, for the caller to store in one transaction. */
export interface Advance {
  state: TicketState;
  visitsClosed: StepVisit[];
  visitsOpened: OpenVisit[];
  timersArmed: PendingTimer[];
  timersCancelled: PendingTimer[];
  reminders: Reminder[];
  activeSteps: string[];
  allowedEvents: string[];
  fields: Record<string, unknown>;
  done: boolean;
}

export interface Moment {
  /** Epoch milliseconds, from the caller's clock: the engine never reads the wall clock. */
  now: number;
  actor: string;
}

export interface EngineOptions {
  /** Business calendars by name (`createBusinessTime`); without it every hour counts. */
  businessTime?: BusinessTime;
}

export const SYSTEM_ACTOR = 'system';
export const TIMER_ACTOR = 'timer';

interface WorkflowRuntime {
  machine: AnyStateMachine;
  stepByKey: Map<string, string>;
  finalKeys: Set<string>;
  /** Lent to every xstate call on this machine; see `transitionOf`. */
  scope: AnyActorScope;
  actions: ExecutableActionObject[];
}

const runtimes = new WeakMap<Workflow, WorkflowRuntime>();

function runtimeOf(workflow: Workflow): WorkflowRuntime {
  let runtime = runtimes.get(workflow);
  if (!runtime) {
    const stepByKey = new Map<string, string>();
    const finalKeys = new Set<string>();
    const walk = (states: Record<string, StateNodeJson> | undefined) => {
      for (const [key, state] of Object.entries(states ?? {})) {
        const enter = state.entry?.find((a) => a.type === ACTIONS.enter);
        if (enter) stepByKey.set(key, String(enter.params!.step));
        if (state.type === 'final') finalKeys.add(key);
        walk(state.states);
      }
    };
    walk(workflow.machine.states);
    const machine = machineOf(workflow);
    const actions: ExecutableActionObject[] = [];
    runtime = { machine, stepByKey, finalKeys, scope: inertScope(machine, actions), actions };
    runtimes.set(workflow, runtime);
  }
  return runtime;
}

/**
 * An actor scope that executes nothing and collects the actions a transition would run, as xstate's own
 * `transition()` builds for each call. NOTE: building it constructs an actor, which computes the machine's
 * whole initial snapshot: about as costly as the transition itself. SOP machines spawn no child actors, so
 * one scope per machine serves every call.
 */
function inertScope(machine: AnyStateMachine, actions: ExecutableActionObject[]): AnyActorScope {
  const self = createActor(machine);
  const none = () => {};
  return {
    self,
    id: '',
    sessionId: '',
    logger: none,
    defer: none,
    emit: none,
    system: self.system,
    stopChild: none,
    actionExecutor: (action) => {
      actions.push(action);
    },
  };
}

/** xstate's pure `transition()` (or `initialTransition()` without a snapshot) on the workflow's own scope. */
function transitionOf(runtime: WorkflowRuntime, snapshot: AnyMachineSnapshot | undefined, event: EventObject | { fields: Record<string, unknown> }): [AnyMachineSnapshot, ExecutableActionObject[]] {
  runtime.actions.length = 0;
  const next = snapshot
    ? (runtime.machine.transition(snapshot, event as EventObject, runtime.scope) as AnyMachineSnapshot)
    : (runtime.machine.getInitialSnapshot(runtime.scope, event) as AnyMachineSnapshot);
  return [next, runtime.actions.splice(0)];
}

function leafKeys(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string' || (child && typeof child === 'object' && Object.keys(child).length)) leafKeys(child, into);
      else into.push(key);
    }
  }
  return into;
}

/** The steps a ticket is in now (several inside parallel branches). */
export function activeSteps(workflow: Workflow, state: TicketState): string[] {
  return state.openVisits.filter((v) => workflow.steps[v.step]?.kind !== 'automatic').map((v) => v.step);
}

/** The events an agent or program may send now: one button each. Timer events are not among them. */
export function allowedEvents(workflow: Workflow, state: TicketState): string[] {
  if (state.done) return [];
  const events = new Set<string>();
  for (const step of activeSteps(workflow, state)) for (const action of workflow.steps[step]!.actions) events.add(action.event);
  return [...events];
}

/**
 * Opens a ticket: runs the workflow from its start event up to the first step that waits, and starts its
 * resolution clock. `input.calendar` gives the ticket its own business calendar (e.g. the customer's region).
 *
 * @example
 * const opened = startTicket(workflow, { now: Date.parse('2026-11-23T09:00:00Z'), actor: 'agent@example.com' }, { fields: { channel: 'phone' } });
 * opened.activeSteps; // ['Task_Answer']
 */
export function startTicket(
  workflow: Workflow,
  moment: Moment,
  input: { fields?: Record<string, unknown>; vip?: boolean; calendar?: string } = {},
  options: EngineOptions = {},
): Advance {
  const runtime = runtimeOf(workflow);
  const vip = input.vip === true;
  const blank: TicketState = { machine: undefined, openVisits: [], timers: [], seq: 0, vip, resolution: { usedMs: 0 }, done: false };
  if (input.calendar !== undefined) blank.calendar = input.calendar;
  // The clock starts paused without a limit; the run starts it once it knows the first steps and fields.
  const run = new Run(workflow, blank, moment, options, 'start');
  const [snapshot, actions] = transitionOf(runtime, undefined, { fields: { ...input.fields, vip } });
  return run.apply(snapshot, actions);
}

/**
 * Advances a ticket by one agent or program event. Pure: returns the next state and the effects.
 * Throws `EventNotAllowedError` (with the allowed events) or `ValidationError` (with field problems).
 */
export function advance(workflow: Workflow, state: TicketState, event: SopEvent, moment: Moment, options: EngineOptions = {}): Advance {
  const allowed = allowedEvents(workflow, state);
  if (state.done) throw new EventNotAllowedError('the ticket is closed', []);
  if (!allowed.includes(event.type)) {
    throw new EventNotAllowedError(`event "${event.type}" is not allowed now; allowed: ${allowed.join(', ') || 'none'}`, allowed);
  }
  const runtime = runtimeOf(workflow);
  const snapshot = runtime.machine.resolveState(state.machine as Parameters<AnyStateMachine['resolveState']>[0]);
  const handling = activeSteps(workflow, state).map((id) => workflow.steps[id]!).filter((s) => s.actions.some((a) => a.event === event.type));
  const checked = checkFields(handling.flatMap((s) => s.fields), event.fields ?? {}, snapshot.context.fields);
  if (checked.problems.length) throw new ValidationError(`the fields of "${handling.map((s) => s.name).join(', ')}" are not valid`, checked.problems);
  const run = new Run(workflow, state, moment, options, event.type);
  const [next, actions] = transitionOf(runtime, snapshot, { type: event.type, fields: checked.values });
  return run.apply(next, actions);
}

/**
 * Fires a pending timer by its key. Returns undefined when the timer is no longer pending (fired or
 * cancelled already), which makes firing idempotent.
 */
export function fireTimer(workflow: Workflow, state: TicketState, key: string, moment: Omit<Moment, 'actor'>, options: EngineOptions = {}): Advance | undefined {
  const timer = state.timers.find((t) => t.key === key);
  if (!timer || state.done) return undefined;
  const run = new Run(workflow, state, { now: moment.now, actor: TIMER_ACTOR }, options, timer.timerId ? timerEvent(timer.timerId) : timer.kind);
  run.consume(timer);
  const runtime = runtimeOf(workflow);
  const snapshot = runtime.machine.resolveState(state.machine as Parameters<AnyStateMachine['resolveState']>[0]);
  if (timer.kind !== 'bpmn') {
    run.slaTimerFired(timer);
    return run.apply(snapshot, []);
  }
  const definition = workflow.timers[timer.timerId!]!;
  if (definition.behaviour === 'interrupting' && workflow.steps[definition.scope] && definition.scope !== definition.id) {
    run.remind('escalation', definition.scope, definition.id, definition.reminder);
  }
  const [next, actions] = transitionOf(runtime, snapshot, { type: timerEvent(timer.timerId!) });
  return run.apply(next, actions, timer);
}

/**
 * Changes a running ticket's VIP flag or its own calendar (`calendar: null` drops it). The resolution clock
 * and the open steps' limits switch to the new limits and calendar, keeping the business time already used
 * (counted on the calendar in force until now); their old timers are cancelled and new ones armed.
 *
 * @example
 * const upgraded = updateTicket(workflow, ticket.state, { vip: true }, { now, actor: 'lead@example.com' }, options);
 * upgraded.timersArmed; // the VIP limits' warning and breach timers
 */
export function updateTicket(workflow: Workflow, state: TicketState, change: TicketChange, moment: Moment, options: EngineOptions = {}): Advance {
  if (state.done) throw new EventNotAllowedError('the ticket is closed', []);
  const { machine } = runtimeOf(workflow);
  const persisted = state.machine as { context: SopContext };
  const vip = change.vip ?? state.vip;
  // Conditions may route on `vip`, so the field follows the flag.
  const patched = { ...persisted, context: { ...persisted.context, fields: { ...persisted.context.fields, vip } } };
  const snapshot = machine.resolveState(patched as unknown as Parameters<AnyStateMachine['resolveState']>[0]);
  const run = new Run(workflow, state, moment, options, 'update');
  run.update(vip, change.calendar);
  return run.apply(snapshot, []);
}

/** One engine call: collects effects while it walks the actions XState returned. */
class Run {
  private readonly state: TicketState;
  private readonly result: Omit<Advance, 'state' | 'activeSteps' | 'allowedEvents' | 'fields' | 'done'> = {
    visitsClosed: [],
    visitsOpened: [],
    timersArmed: [],
    timersCancelled: [],
    reminders: [],
  };
  private readonly time: BusinessTime;
  /** The ticket's calendar before this call: what time used so far is counted on. */
  private readonly calendarBefore: string | undefined;

  constructor(
    private readonly workflow: Workflow,
    previous: TicketState,
    private readonly moment: Moment,
    options: EngineOptions,
    private readonly eventType: string,
  ) {
    this.state = { ...previous, openVisits: [...previous.openVisits], timers: [...previous.timers] };
    this.time = options.businessTime ?? WALL_CLOCK;
    this.calendarBefore = ticketCalendar(workflow, previous);
  }

  apply(snapshot: AnyMachineSnapshot, actions: Array<{ type: string; params?: unknown }>, fired?: PendingTimer): Advance {
    for (const action of actions) {
      const params = (action.params ?? {}) as { step?: string; timer?: string };
      switch (action.type) {
        case ACTIONS.exit:
          this.closeVisit(params.step!);
          break;
        case ACTIONS.enter:
          this.openVisit(params.step!);
          break;
        case ACTIONS.arm:
          this.armBpmn(params.timer!, 1, this.moment.now);
          break;
        case ACTIONS.cancel:
          this.cancel((t) => t.kind === 'bpmn' && t.timerId === params.timer);
          break;
        case ACTIONS.remind:
          this.reminded(params.timer!, fired);
          break;
      }
    }
    const runtime = runtimeOf(this.workflow);
    const stuck = leafKeys(snapshot.value).filter((k) => !runtime.stepByKey.has(k) && !runtime.finalKeys.has(k));
    if (stuck.length && snapshot.status !== 'done') {
      const allowed = allowedEvents(this.workflow, this.state);
      throw new EventNotAllowedError(`no way on from ${stuck.join(', ')}: no condition holds for the ticket's fields and there is no default flow`, allowed);
    }
    if (snapshot.status === 'done') this.close();
    const fields = (snapshot.context as SopContext).fields;
    this.settleResolution(fields);
    this.state.machine = runtime.machine.getPersistedSnapshot(snapshot);
    return {
      state: this.state,
      ...this.result,
      activeSteps: activeSteps(this.workflow, this.state),
      allowedEvents: allowedEvents(this.workflow, this.state),
      fields,
      done: this.state.done,
    };
  }

  /** Sets the VIP flag and the ticket's calendar, and re-arms the open steps' limits that change with them. */
  update(vip: boolean, calendar: string | null | undefined): void {
    const calendarsBefore = new Map(this.state.openVisits.map((v) => [v.visit, this.stepCalendar(this.step(v.step))]));
    this.state.vip = vip;
    if (calendar === null) delete this.state.calendar;
    else if (calendar !== undefined) this.state.calendar = calendar;
    this.state.openVisits = this.state.openVisits.map((v) => this.rearmVisit(v, calendarsBefore.get(v.visit)));
  }

  consume(timer: PendingTimer): void {
    this.state.timers = this.state.timers.filter((t) => t.key !== timer.key);
  }

  private step(id: string): StepDefinition {
    return this.workflow.steps[id]!;
  }

  private stepLimit(step: StepDefinition): number | undefined {
    return this.state.vip ? (step.vipSlaMs ?? step.slaMs) : step.slaMs;
  }

  /** A step's own calendar wins; otherwise its limit counts on the ticket's calendar. */
  private stepCalendar(step: StepDefinition): string | undefined {
    return step.calendar ?? ticketCalendar(this.workflow, this.state);
  }

  /** Business time of its limit a visit has used by now, counting the latest stretch on `calendar`. */
  private usedOf(visit: OpenVisit, calendar: string | undefined): number {
    return (visit.usedMs ?? 0) + this.time.between(visit.usedUntil ?? visit.enteredAt, this.moment.now, calendar);
  }

  private armLimit(kinds: [TimerKind, TimerKind], timers: LimitTimers, extra: Pick<PendingTimer, 'step' | 'visit'>): void {
    if (timers.warningAt !== undefined) this.armAt(kinds[0], timers.warningAt, extra);
    if (timers.breachAt !== undefined) this.armAt(kinds[1], timers.breachAt, extra);
  }

  private openVisit(stepId: string): void {
    const step = this.step(stepId);
    const visit: OpenVisit = { visit: ++this.state.seq, step: stepId, enteredAt: this.moment.now, breached: false };
    const slaMs = this.stepLimit(step);
    if (slaMs !== undefined) visit.slaMs = slaMs;
    this.state.openVisits.push(visit);
    this.result.visitsOpened.push(visit);
    if (slaMs !== undefined && step.kind !== 'automatic') {
      const timers = limitTimers(this.time, visit.enteredAt, this.stepCalendar(step), slaMs, 0, step.warnAt, {});
      this.armLimit(['sla-warning', 'sla-breach'], timers, { step: stepId, visit: visit.visit });
    }
  }

  /**
   * A visit whose limit or calendar changes keeps the business time it used (counted on `calendarBefore`)
   * and gets timers for what is left of the new limit. Its flags describe the new limit: a warning already
   * sent is sent again only when the new limit's warning point is still ahead.
   */
  private rearmVisit(visit: OpenVisit, calendarBefore: string | undefined): OpenVisit {
    const step = this.step(visit.step);
    const slaMs = this.stepLimit(step);
    const calendar = this.stepCalendar(step);
    if (step.kind === 'automatic' || (slaMs === visit.slaMs && (slaMs === undefined || calendar === calendarBefore))) return visit;
    const usedMs = this.usedOf(visit, calendarBefore);
    // A pending warning has not gone out yet.
    const warningSent = !this.state.timers.some((t) => t.visit === visit.visit && t.kind === 'sla-warning');
    this.cancel((t) => t.visit === visit.visit && (t.kind === 'sla-warning' || t.kind === 'sla-breach'));
    const { slaMs: _old, ...rest } = visit;
    const next: OpenVisit = { ...rest, usedMs, usedUntil: this.moment.now, breached: slaMs !== undefined && visit.breached && usedMs >= slaMs };
    if (slaMs === undefined) return next;
    next.slaMs = slaMs;
    const sent = { warned: warningSent && usedMs >= slaMs * step.warnAt, breached: next.breached };
    this.armLimit(['sla-warning', 'sla-breach'], limitTimers(this.time, this.moment.now, calendar, slaMs, usedMs, step.warnAt, sent), { step: visit.step, visit: visit.visit });
    return next;
  }

  /**
   * Starts, pauses or re-arms the resolution clock after this call's changes: it stops while every step the
   * ticket waits in waits on the customer, and its limit follows the ticket's level and VIP flag.
   */
  private settleResolution(fields: Record<string, unknown>): void {
    const clock = this.state.resolution;
    if (!clock) return;
    const steps = activeSteps(this.workflow, this.state);
    const waiting = steps.length > 0 && steps.every((id) => this.step(id).waitingOnCustomer);
    const next = {
      running: !this.state.done && !waiting,
      slaMs: resolutionLimit(this.workflow, this.state.vip, fields[LEVEL_FIELD]),
      calendar: ticketCalendar(this.workflow, this.state),
    };
    const settled = settleClock(clock, next, this.calendarBefore, this.moment.now, this.time);
    if (!settled) return;
    this.cancel((t) => t.kind === 'ticket-sla-warning' || t.kind === 'ticket-sla-breach');
    this.state.resolution = settled.clock;
    this.armLimit(['ticket-sla-warning', 'ticket-sla-breach'], settled.timers, {});
  }

  private closeVisit(stepId: string): void {
    const at = this.state.openVisits.findIndex((v) => v.step === stepId);
    if (at < 0) return;
    const [visit] = this.state.openVisits.splice(at, 1) as [OpenVisit];
    const step = this.step(stepId);
    const automatic = step.kind === 'automatic';
    const durationMs = this.moment.now - visit.enteredAt;
    // Breached is judged in business time on the calendar its timers counted on, not by the wall clock.
    const breached = visit.breached || (visit.slaMs !== undefined && this.usedOf(visit, this.stepCalendar(step)) > visit.slaMs);
    const closed: StepVisit = {
      visit: visit.visit,
      step: stepId,
      stepName: step.name,
      enteredAt: visit.enteredAt,
      exitedAt: this.moment.now,
      durationMs,
      actor: automatic ? SYSTEM_ACTOR : this.moment.actor,
      event: automatic ? 'automatic' : this.eventType,
      breached,
      automatic,
    };
    if (visit.slaMs !== undefined) closed.slaMs = visit.slaMs;
    this.result.visitsClosed.push(closed);
    this.cancel((t) => t.visit === visit.visit);
  }

  armAt(kind: TimerKind, due: number, extra: Pick<PendingTimer, 'step' | 'visit' | 'timerId'>, occurrence = 1, armedAt = this.moment.now): void {
    const timer: PendingTimer = { key: `t${++this.state.seq}`, kind, dueAt: due, armedAt, occurrence, ...extra };
    this.state.timers.push(timer);
    this.result.timersArmed.push(timer);
  }

  private armBpmn(timerId: string, occurrence: number, armedAt: number): void {
    const definition = this.workflow.timers[timerId]!;
    const due = dueAt(definition.spec, armedAt, occurrence);
    if (due === undefined) return;
    this.armAt('bpmn', due, { timerId }, occurrence, armedAt);
  }

  private cancel(match: (timer: PendingTimer) => boolean): void {
    const keep: PendingTimer[] = [];
    for (const timer of this.state.timers) (match(timer) ? this.result.timersCancelled : keep).push(timer);
    this.state.timers = keep;
  }

  /** A non-interrupting timer fired: tell whom it names, and arm the next occurrence of a cycle. */
  private reminded(timerId: string, fired: PendingTimer | undefined): void {
    const definition = this.workflow.timers[timerId]!;
    this.remind('reminder', this.workflow.steps[definition.scope] ? definition.scope : undefined, timerId, definition.reminder);
    if (fired && definition.spec.type === 'cycle') this.armBpmn(timerId, fired.occurrence + 1, fired.armedAt);
  }

  remind(kind: ReminderKind, stepId: string | undefined, timerId: string | undefined, about?: { to?: string; message?: string }): void {
    const reminder: Reminder = { kind, at: this.moment.now };
    const to = about?.to ?? (stepId ? this.step(stepId).owner : undefined);
    if (to) reminder.to = to;
    if (about?.message) reminder.message = about.message;
    if (stepId) reminder.step = stepId;
    if (timerId) reminder.timerId = timerId;
    this.result.reminders.push(reminder);
  }

  slaTimerFired(timer: PendingTimer): void {
    if (timer.kind === 'sla-breach') {
      const visit = this.state.openVisits.find((v) => v.visit === timer.visit);
      if (visit) this.state.openVisits = this.state.openVisits.map((v) => (v === visit ? { ...v, breached: true } : v));
    }
    const clock = this.state.resolution;
    if (clock && timer.kind === 'ticket-sla-warning') this.state.resolution = { ...clock, warned: true };
    if (clock && timer.kind === 'ticket-sla-breach') this.state.resolution = { ...clock, breached: true };
    this.remind(timer.kind as ReminderKind, timer.step, undefined);
  }

  private close(): void {
    for (const visit of [...this.state.openVisits]) this.closeVisit(visit.step);
    this.cancel(() => true);
    this.state.done = true;
  }
}
