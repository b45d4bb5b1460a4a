import type { AnyMachineSnapshot } from 'xstate';
import { EventNotAllowedError } from '../shared/errors.js';
import { ACTIONS } from './compile/build-machine.js';
import { LOOP_ACTIONS } from './compile/loops.js';
import { instancesEntered, type Loops } from './loop-behaviour.js';
import { EVENT_ACTIONS } from './compile/event-kinds.js';
import type { SopContext } from './machine.js';
import { limitTimers, resolutionLimit, settleClock, ticketCalendar, type LimitTimers } from './resolution-clock.js';
import {
  SYSTEM_ACTOR,
  type Advance,
  type EngineOptions,
  type Moment,
  type OpenVisit,
  type PendingTimer,
  type Reminder,
  type ReminderKind,
  type StepVisit,
  type TicketState,
  type TimerKind,
} from './ticket-state.js';
import { WALL_CLOCK, type BusinessTime } from './time/business-calendar.js';
import { dueAt } from './time/iso8601.js';
import { activeSteps, allowedEvents, leafKeys, runtimeOf } from './workflow-runtime.js';
import { LEVEL_FIELD, type StepDefinition, type StepInstance, type Workflow } from './workflow.js';

/** One engine call: collects effects while it walks the actions XState returned. */
export class Run {
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
    /** The checked values an agent's event carries: recorded on the visit it ends. */
    private readonly eventFields?: Record<string, unknown>,
    /** The instance of a multi-instance step the event finishes (`loop-instances.ts`). */
    private readonly instance?: number,
  ) {
    this.state = { ...previous, openVisits: [...previous.openVisits], timers: [...previous.timers] };
    this.time = options.businessTime ?? WALL_CLOCK;
    this.calendarBefore = ticketCalendar(workflow, previous);
  }

  apply(snapshot: AnyMachineSnapshot, actions: Array<{ type: string; params?: unknown }>, fired?: PendingTimer): Advance {
    const loops = (snapshot.context as SopContext).loops;
    for (const action of actions) {
      const params = (action.params ?? {}) as { step?: string; timer?: string };
      switch (action.type) {
        case ACTIONS.exit:
          this.leaveStep(params.step!);
          break;
        case ACTIONS.enter:
          this.enterStep(params.step!, loops);
          break;
        case LOOP_ACTIONS.close:
          this.closeVisit(params.step!, this.instance);
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
        case EVENT_ACTIONS.send:
          this.sent(action.params as { step: string; message?: string; signal?: string });
          break;
        case EVENT_ACTIONS.repeat:
          if (fired && this.workflow.timers[params.timer!]!.spec.type === 'cycle') this.armBpmn(params.timer!, fired.occurrence + 1, fired.armedAt);
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

  /** One visit per step entered; a looping step's visit says which pass or item, and instances all at once open one each. */
  private enterStep(stepId: string, loops: Loops | undefined): void {
    for (const instance of instancesEntered(this.step(stepId).loop, loops?.[stepId])) this.openVisit(stepId, instance);
  }

  /**
   * Leaving a step closes its visit; leaving a multi-instance step closes every instance still open: the one the
   * event finished by whoever sent it, the others (the completion condition was met) by the system.
   */
  private leaveStep(stepId: string): void {
    if (this.step(stepId).loop?.mode !== 'parallel') return this.closeVisit(stepId);
    if (this.instance !== undefined) this.closeVisit(stepId, this.instance);
    const others = this.instance !== undefined ? SYSTEM_ACTOR : undefined;
    while (this.state.openVisits.some((v) => v.step === stepId)) this.closeVisit(stepId, undefined, others);
  }

  private openVisit(stepId: string, instance?: StepInstance): void {
    const step = this.step(stepId);
    const visit: OpenVisit = { visit: ++this.state.seq, step: stepId, enteredAt: this.moment.now, breached: false };
    if (instance) visit.instance = instance;
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
    this.armLimit(['sla-warning', 'sla-breach'], limitTimers(this.time, this.moment.now, calendar, slaMs, usedMs, step.warnAt, sent), {
      step: visit.step,
      visit: visit.visit,
    });
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

  private closeVisit(stepId: string, instance?: number, actor?: string): void {
    const at = this.state.openVisits.findIndex((v) => v.step === stepId && (instance === undefined || v.instance?.index === instance));
    if (at < 0) return;
    const [visit] = this.state.openVisits.splice(at, 1) as [OpenVisit];
    const step = this.step(stepId);
    const automatic = step.kind === 'automatic';
    const durationMs = this.moment.now - visit.enteredAt;
    // Breached is judged in business time on the calendar its timers counted on, not by the wall clock.
    const businessMs = this.usedOf(visit, this.stepCalendar(step));
    const breached = visit.breached || (visit.slaMs !== undefined && businessMs > visit.slaMs);
    const closed: StepVisit = {
      visit: visit.visit,
      step: stepId,
      stepName: step.name,
      enteredAt: visit.enteredAt,
      exitedAt: this.moment.now,
      durationMs,
      businessMs,
      actor: automatic ? SYSTEM_ACTOR : (actor ?? this.moment.actor),
      event: automatic ? 'automatic' : this.eventType,
      breached,
      automatic,
    };
    if (visit.slaMs !== undefined) closed.slaMs = visit.slaMs;
    if (visit.instance) closed.instance = visit.instance;
    if (!automatic && !actor && this.eventFields && Object.keys(this.eventFields).length) closed.given = this.eventFields;
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

  /** A send step: its message goes out (addressed to nobody inside: the customer, a webhook), or its signal is raised. */
  private sent({ step, message, signal }: { step: string; message?: string; signal?: string }): void {
    const what = signal !== undefined ? { kind: 'signal' as const, message: signal } : { kind: 'message' as const, message: message! };
    this.result.reminders.push({ ...what, at: this.moment.now, step });
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
    if (clock && timer.kind === 'ticket-sla-breach') this.state.resolution = { ...clock, breached: true, breachedAt: timer.dueAt };
    this.remind(timer.kind as ReminderKind, timer.step, undefined);
  }

  private close(): void {
    for (const visit of [...this.state.openVisits]) this.closeVisit(visit.step, visit.instance?.index);
    this.cancel(() => true);
    this.state.done = true;
  }
}
