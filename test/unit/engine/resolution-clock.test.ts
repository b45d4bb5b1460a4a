import { DateTime } from 'luxon';
import {
  advance,
  fireTimer,
  startTicket,
  updateTicket,
  type Advance,
  type EngineOptions,
  type PendingTimer,
  type TicketState,
} from '../../../server/engine/ticket-engine.js';
import { createBusinessTime, type BusinessCalendar, type Period } from '../../../server/engine/time/business-calendar.js';
import { BUILT_IN_CALENDARS } from '../../../server/engine/time/calendars.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { bpmn, compile, flow } from '../../helpers/bpmn.js';
import { supportSop as support } from '../../helpers/support-sop.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

const nineToFive: Period[] = [['09:00', '17:00']];
const nyOffice: BusinessCalendar = {
  name: 'ny-office',
  timeZone: 'America/New_York',
  week: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  holidays: ['2026-11-26'], // Thanksgiving
};
const options: EngineOptions = { businessTime: createBusinessTime({ ...BUILT_IN_CALENDARS, 'ny-office': nyOffice }) };

/** Local wall-clock times ⇄ epoch ms: cn-workdays runs 09:00–12:00 and 13:30–18:00 in Shanghai, ny-office 09:00–17:00 in New York. */
const sh = (local: string) => DateTime.fromISO(local, { zone: 'Asia/Shanghai' }).toMillis();
const ny = (local: string) => DateTime.fromISO(local, { zone: 'America/New_York' }).toMillis();
const local = (zone: string) => (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");
const inShanghai = local('Asia/Shanghai');
const inNewYork = local('America/New_York');
const by =
  (actor = 'alice') =>
  (now: number) => ({ now, actor });
const at = by();

/** The ticket's timers of one result as [kind, step, local due time]. */
const timers = (list: PendingTimer[], zone: (ms: number) => string) => list.map((t) => [t.kind, t.step, zone(t.dueAt)]);
const ticketTimers = (list: PendingTimer[], zone: (ms: number) => string) =>
  timers(
    list.filter((t) => t.kind.startsWith('ticket-')),
    zone,
  );

/** Opens a ticket and grades it at once (no level), so it waits in Handle from `now`. */
function openInHandle(workflow: Workflow, now: number, input: { vip?: boolean; calendar?: string } = {}): Advance {
  const opened = startTicket(workflow, at(now), input, options);
  return advance(workflow, opened.state, { type: 'graded' }, at(now), options);
}

function firstTimer(state: TicketState, kind: PendingTimer['kind']): PendingTimer {
  const timer = state.timers.find((t) => t.kind === kind);
  if (!timer) throw new Error(`no pending ${kind} timer`);
  return timer;
}

describe('resolution clock', () => {
  let officeHours: Workflow;
  beforeAll(async () => {
    officeHours = await support('sla="PT8H" calendar="cn-workdays"');
  });

  describe('pauses while the ticket waits on the customer and resumes with the time left', () => {
    test('on cn-workdays across a weekend and the lunch break', () => {
      // given a ticket with 8 working hours opened Friday 16:00 in Shanghai
      const opened = startTicket(officeHours, at(sh('2026-01-09T16:00')), {}, options);
      // then 2 h count on Friday, 5 h by Monday noon; the 80% warning (6 h 24 min) and the breach fall after lunch
      expect(ticketTimers(opened.timersArmed, inShanghai)).toEqual([
        ['ticket-sla-warning', undefined, '2026-01-12T14:54'],
        ['ticket-sla-breach', undefined, '2026-01-12T16:30'],
      ]);
      const handling = advance(officeHours, opened.state, { type: 'graded' }, at(sh('2026-01-09T16:00')), options);

      // when the agent asks the customer on Monday 10:00 (3 h used)
      const asked = advance(officeHours, handling.state, { type: 'ask' }, at(sh('2026-01-12T10:00')), options);
      // then the clock stops and its timers are cancelled
      expect(asked.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 3 * HOUR });
      expect(ticketTimers(asked.timersCancelled, inShanghai)).toEqual(ticketTimers(opened.timersArmed, inShanghai));
      expect(ticketTimers(asked.timersArmed, inShanghai)).toEqual([]);

      // when the customer replies on Tuesday evening, after closing
      const replied = advance(officeHours, asked.state, { type: 'reply' }, at(sh('2026-01-13T20:00')), options);
      // then the 5 h left count from Wednesday's opening: 3 h in the morning, the rest after lunch
      expect(replied.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 3 * HOUR, runningSince: sh('2026-01-13T20:00') });
      expect(ticketTimers(replied.timersArmed, inShanghai)).toEqual([
        ['ticket-sla-warning', undefined, '2026-01-14T13:54'],
        ['ticket-sla-breach', undefined, '2026-01-14T15:30'],
      ]);
    });

    test('on cn-workdays across the National Day holiday', () => {
      const handling = openInHandle(officeHours, sh('2026-09-30T09:00'));
      const asked = advance(officeHours, handling.state, { type: 'ask' }, at(sh('2026-09-30T11:00')), options);
      expect(asked.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 2 * HOUR });
      // when the customer replies during the holiday, 1 to 7 October
      const replied = advance(officeHours, asked.state, { type: 'reply' }, at(sh('2026-10-01T10:00')), options);
      // then the 6 h left start on 8 October
      expect(ticketTimers(replied.timersArmed, inShanghai)).toEqual([
        ['ticket-sla-warning', undefined, '2026-10-08T14:54'],
        ['ticket-sla-breach', undefined, '2026-10-08T16:30'],
      ]);
    });

    test("in New York on the ticket's own calendar, across Thanksgiving and a weekend", () => {
      // given a ticket of the same workflow on ny-office, opened the Wednesday before Thanksgiving at 15:00
      const handling = openInHandle(officeHours, ny('2026-11-25T15:00'), { calendar: 'ny-office' });
      expect(handling.state.calendar).toBe('ny-office');
      // then 2 h count on Wednesday, none on Thursday, the rest on Friday; the step limit (4 h) counts there too
      expect(timers(handling.state.timers, inNewYork)).toEqual([
        ['ticket-sla-warning', undefined, '2026-11-27T13:24'],
        ['ticket-sla-breach', undefined, '2026-11-27T15:00'],
        ['sla-warning', 'Handle', '2026-11-27T10:12'],
        ['sla-breach', 'Handle', '2026-11-27T11:00'],
      ]);
      const asked = advance(officeHours, handling.state, { type: 'ask' }, at(ny('2026-11-27T10:00')), options);
      expect(asked.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 3 * HOUR });
      // when the customer replies on Saturday, the 5 h left count from Monday 09:00
      const replied = advance(officeHours, asked.state, { type: 'reply' }, at(ny('2026-11-28T12:00')), options);
      expect(ticketTimers(replied.timersArmed, inNewYork)).toEqual([
        ['ticket-sla-warning', undefined, '2026-11-30T12:24'],
        ['ticket-sla-breach', undefined, '2026-11-30T14:00'],
      ]);
    });
  });

  test('a warning goes out at 80% once; after a pause only the breach is re-armed, and a breach is not repeated', async () => {
    // given 10 h counted round the clock
    const wf = await support('sla="PT10H"');
    const t0 = Date.parse('2026-03-02T00:00:00Z');
    let r = openInHandle(wf, t0);
    expect(firstTimer(r.state, 'ticket-sla-warning').dueAt).toBe(t0 + 8 * HOUR);
    expect(firstTimer(r.state, 'ticket-sla-breach').dueAt).toBe(t0 + 10 * HOUR);
    // when the warning fires
    r = fireTimer(wf, r.state, firstTimer(r.state, 'ticket-sla-warning').key, { now: t0 + 8 * HOUR }, options)!;
    expect(r.reminders).toEqual([{ kind: 'ticket-sla-warning', at: t0 + 8 * HOUR }]);
    expect(r.state.resolution).toEqual({ slaMs: 10 * HOUR, usedMs: 0, runningSince: t0, warned: true });
    // and the ticket waits on the customer from 9 h to 20 h
    r = advance(wf, r.state, { type: 'ask' }, at(t0 + 9 * HOUR), options);
    expect(r.timersCancelled.filter((t) => t.kind.startsWith('ticket-')).map((t) => t.kind)).toEqual(['ticket-sla-breach']);
    r = advance(wf, r.state, { type: 'reply' }, at(t0 + 20 * HOUR), options);
    // then only the breach comes back, for the hour left
    expect(r.timersArmed.filter((t) => t.kind.startsWith('ticket-')).map((t) => [t.kind, t.dueAt])).toEqual([['ticket-sla-breach', t0 + 21 * HOUR]]);
    r = fireTimer(wf, r.state, firstTimer(r.state, 'ticket-sla-breach').key, { now: t0 + 21 * HOUR }, options)!;
    expect(r.reminders).toEqual([{ kind: 'ticket-sla-breach', at: t0 + 21 * HOUR }]);
    // and after another pause nothing is armed for the ticket: its limit is spent
    r = advance(wf, r.state, { type: 'ask' }, at(t0 + 22 * HOUR), options);
    r = advance(wf, r.state, { type: 'reply' }, at(t0 + 30 * HOUR), options);
    expect(r.timersArmed.map((t) => t.kind)).toEqual(['sla-warning', 'sla-breach']);
    expect(r.state.resolution).toEqual({
      slaMs: 10 * HOUR,
      usedMs: 11 * HOUR,
      runningSince: t0 + 30 * HOUR,
      warned: true,
      breached: true,
      breachedAt: t0 + 21 * HOUR,
    });
  });

  test('parallel branches: the clock stops only while every step the ticket waits in waits on the customer', async () => {
    const step = (id: string, waiting = false) =>
      `<bpmn:userTask id="${id}"><bpmn:extensionElements><sop:step waitingOnCustomer="${waiting}"/></bpmn:extensionElements></bpmn:userTask>`;
    const done = (from: string, to: string) => flow(from, to, { attrs: `sop:event="${from}.done"` });
    const wf = await compile(
      bpmn(`<bpmn:extensionElements><sop:process sla="PT10H"/></bpmn:extensionElements>
        <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>${step('Fix')}${step('Confirm', true)}${step('Docs', true)}
        <bpmn:parallelGateway id="join"/>${step('Close')}<bpmn:endEvent id="e"/>
        ${flow('s', 'fork')}${flow('fork', 'Fix')}${flow('fork', 'Docs')}${done('Fix', 'Confirm')}${done('Confirm', 'join')}${done('Docs', 'join')}
        ${flow('join', 'Close')}${done('Close', 'e')}`),
    );
    const t0 = Date.parse('2026-03-02T00:00:00Z');
    // given Fix runs beside Docs, which waits on the customer: the clock runs
    let r = startTicket(wf, at(t0), {}, options);
    expect(r.activeSteps.sort()).toEqual(['Docs', 'Fix']);
    expect(r.state.resolution).toEqual({ slaMs: 10 * HOUR, usedMs: 0, runningSince: t0 });
    // when Fix is done after 2 h, both branches wait on the customer: the clock stops
    r = advance(wf, r.state, { type: 'Fix.done' }, at(t0 + 2 * HOUR), options);
    expect(r.activeSteps.sort()).toEqual(['Confirm', 'Docs']);
    expect(r.state.resolution).toEqual({ slaMs: 10 * HOUR, usedMs: 2 * HOUR });
    expect(r.timersCancelled.map((t) => t.kind)).toEqual(['ticket-sla-warning', 'ticket-sla-breach']);
    // when one of them is answered, the other still waits: still stopped, nothing armed
    r = advance(wf, r.state, { type: 'Docs.done' }, at(t0 + 5 * HOUR), options);
    expect(r.state.resolution).toEqual({ slaMs: 10 * HOUR, usedMs: 2 * HOUR });
    expect(r.timersArmed).toEqual([]);
    // when the last one is answered and Close opens, the 8 h left count from then
    r = advance(wf, r.state, { type: 'Confirm.done' }, at(t0 + 7 * HOUR), options);
    expect(r.activeSteps).toEqual(['Close']);
    expect(r.timersArmed.map((t) => [t.kind, t.dueAt])).toEqual([
      ['ticket-sla-warning', t0 + 13 * HOUR],
      ['ticket-sla-breach', t0 + 15 * HOUR],
    ]);
  });

  test('the level picks its limit mid-way, keeping the time already used', async () => {
    const wf = await support('sla="PT8H" calendar="cn-workdays" levelSla="L1=PT4H,L2=PT16H,L3=P2D"');
    expect(wf.levelSlaMs).toEqual({ L1: 4 * HOUR, L2: 16 * HOUR, L3: 48 * HOUR });
    // given a ticket opened Monday 09:00 without a level: the workflow's 8 h
    const opened = startTicket(wf, at(sh('2026-01-12T09:00')), {}, options);
    expect(ticketTimers(opened.timersArmed, inShanghai)).toEqual([
      ['ticket-sla-warning', undefined, '2026-01-12T16:54'],
      ['ticket-sla-breach', undefined, '2026-01-13T09:30'],
    ]);
    // when it is graded L1 at 11:00 (2 h used): 2 h of L1's 4 h are left
    let r = advance(wf, opened.state, { type: 'graded', fields: { level: 'L1' } }, at(sh('2026-01-12T11:00')), options);
    expect(r.state.resolution).toEqual({ slaMs: 4 * HOUR, usedMs: 2 * HOUR, runningSince: sh('2026-01-12T11:00') });
    expect(ticketTimers(r.timersCancelled, inShanghai)).toEqual(ticketTimers(opened.timersArmed, inShanghai));
    expect(ticketTimers(r.timersArmed, inShanghai)).toEqual([
      ['ticket-sla-warning', undefined, '2026-01-12T13:42'],
      ['ticket-sla-breach', undefined, '2026-01-12T14:30'],
    ]);
    r = fireTimer(wf, r.state, firstTimer(r.state, 'ticket-sla-warning').key, { now: sh('2026-01-12T13:42') }, options)!;
    expect(r.reminders).toEqual([{ kind: 'ticket-sla-warning', at: sh('2026-01-12T13:42') }]);
    // when it goes back to grading, the level is unchanged: the ticket's timers stand
    r = advance(wf, r.state, { type: 'regrade' }, at(sh('2026-01-12T14:00')), options);
    expect(ticketTimers(r.timersCancelled, inShanghai)).toEqual([]);
    expect(r.state.resolution).toEqual({ slaMs: 4 * HOUR, usedMs: 2 * HOUR, runningSince: sh('2026-01-12T11:00'), warned: true });
    // when it is re-graded L2 at 14:00 (3 h 30 min used): 12 h 30 min of 16 h are left, and a new warning is due
    r = advance(wf, r.state, { type: 'graded', fields: { level: 'L2' } }, at(sh('2026-01-12T14:00')), options);
    expect(r.state.resolution).toEqual({ slaMs: 16 * HOUR, usedMs: 3.5 * HOUR, runningSince: sh('2026-01-12T14:00') });
    expect(ticketTimers(r.timersCancelled, inShanghai)).toEqual([['ticket-sla-breach', undefined, '2026-01-12T14:30']]);
    expect(ticketTimers(r.timersArmed, inShanghai)).toEqual([
      ['ticket-sla-warning', undefined, '2026-01-13T15:48'],
      ['ticket-sla-breach', undefined, '2026-01-14T10:00'],
    ]);
  });

  describe('updateTicket', () => {
    test('a VIP upgrade mid-way switches to the VIP limits and calendar, keeping the time used', async () => {
      const wf = await support('sla="PT8H" vipSla="PT2H" calendar="cn-workdays" vipCalendar="cn-service-desk"');
      expect(wf.vipCalendar).toBe('cn-service-desk');
      // given a ticket in Handle (4 h) since Monday 17:00 on cn-workdays
      const handling = openInHandle(wf, sh('2026-01-12T17:00'));
      const before = timers(handling.state.timers, inShanghai);
      expect(before).toEqual([
        ['ticket-sla-warning', undefined, '2026-01-13T15:54'],
        ['ticket-sla-breach', undefined, '2026-01-13T17:30'],
        ['sla-warning', 'Handle', '2026-01-13T11:12'],
        ['sla-breach', 'Handle', '2026-01-13T12:00'],
      ]);
      // when the customer turns VIP at 17:30 (30 min used of both limits)
      const upgraded = updateTicket(wf, handling.state, { vip: true }, at(sh('2026-01-12T17:30')), options);
      // then the old timers go, and the VIP limits (2 h, step 1 h) count on the desk's 08:00–22:00
      expect(timers(upgraded.timersCancelled, inShanghai)).toEqual([...before.slice(2), ...before.slice(0, 2)]);
      expect(timers(upgraded.timersArmed, inShanghai)).toEqual([
        ['sla-warning', 'Handle', '2026-01-12T17:48'],
        ['sla-breach', 'Handle', '2026-01-12T18:00'],
        ['ticket-sla-warning', undefined, '2026-01-12T18:36'],
        ['ticket-sla-breach', undefined, '2026-01-12T19:00'],
      ]);
      expect(upgraded.state.vip).toBe(true);
      expect(upgraded.fields.vip).toBe(true);
      expect(upgraded.state.resolution).toEqual({ slaMs: 2 * HOUR, usedMs: 30 * MIN, runningSince: sh('2026-01-12T17:30') });
      expect(upgraded.state.openVisits).toEqual([
        {
          visit: expect.any(Number),
          step: 'Handle',
          enteredAt: sh('2026-01-12T17:00'),
          slaMs: HOUR,
          breached: false,
          usedMs: 30 * MIN,
          usedUntil: sh('2026-01-12T17:30'),
        },
      ]);
      // when Handle is resolved at 18:10: 70 min of its 1 h used, and the ticket's clock stops at 70 min
      const resolved = advance(wf, upgraded.state, { type: 'resolve' }, at(sh('2026-01-12T18:10')), options);
      expect(resolved.visitsClosed).toEqual([expect.objectContaining({ step: 'Handle', slaMs: HOUR, durationMs: 70 * MIN, breached: true })]);
      expect(resolved.state.resolution).toEqual({ slaMs: 2 * HOUR, usedMs: 70 * MIN });
    });

    test('a calendar override mid-way counts the time used on the calendar in force before it', () => {
      // given a ticket in Handle since Monday 09:00 Shanghai on cn-workdays
      const handling = openInHandle(officeHours, sh('2026-01-12T09:00'));
      // when at 12:30 Shanghai (3 h used; Sunday 23:30 in New York) it moves to ny-office
      const moved = updateTicket(officeHours, handling.state, { calendar: 'ny-office' }, at(sh('2026-01-12T12:30')), options);
      // then the 5 h (ticket) and 1 h (step) left count from Monday 09:00 in New York
      expect(moved.state.calendar).toBe('ny-office');
      expect(moved.timersCancelled).toHaveLength(4);
      expect(timers(moved.timersArmed, inNewYork)).toEqual([
        ['sla-warning', 'Handle', '2026-01-12T09:12'],
        ['sla-breach', 'Handle', '2026-01-12T10:00'],
        ['ticket-sla-warning', undefined, '2026-01-12T12:24'],
        ['ticket-sla-breach', undefined, '2026-01-12T14:00'],
      ]);
      expect(moved.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 3 * HOUR, runningSince: sh('2026-01-12T12:30') });
      const breached = fireTimer(officeHours, moved.state, firstTimer(moved.state, 'sla-breach').key, { now: ny('2026-01-12T10:00') }, options)!;
      expect(breached.state.openVisits[0]!.breached).toBe(true);

      // when at 10:30 New York (23:30 Shanghai) the override is dropped: 4 h 30 min used, 3 h 30 min left on cn-workdays
      const back = updateTicket(officeHours, breached.state, { calendar: null }, at(ny('2026-01-12T10:30')), options);
      expect(back.state.calendar).toBeUndefined();
      expect(back.state.resolution).toEqual({ slaMs: 8 * HOUR, usedMs: 4.5 * HOUR, runningSince: ny('2026-01-12T10:30') });
      // then the step, past its limit and breached already, gets no timers; its stale warning goes
      expect(timers(back.timersCancelled, inNewYork)).toEqual([
        ['sla-warning', 'Handle', '2026-01-12T09:12'],
        ['ticket-sla-warning', undefined, '2026-01-12T12:24'],
        ['ticket-sla-breach', undefined, '2026-01-12T14:00'],
      ]);
      expect(timers(back.timersArmed, inShanghai)).toEqual([
        ['ticket-sla-warning', undefined, '2026-01-13T10:54'],
        ['ticket-sla-breach', undefined, '2026-01-13T14:00'],
      ]);
      expect(back.state.openVisits[0]).toMatchObject({ breached: true, usedMs: 4.5 * HOUR, usedUntil: ny('2026-01-12T10:30') });
    });

    test("a step's own calendar wins over the ticket's: only the ticket's timers move", async () => {
      const wf = await support('sla="PT8H" calendar="cn-workdays"', '<sop:step sla="PT4H" calendar="cn-service-desk"/>');
      const handling = openInHandle(wf, sh('2026-01-12T09:00'));
      const moved = updateTicket(wf, handling.state, { calendar: 'ny-office' }, at(sh('2026-01-12T10:00')), options);
      expect(moved.timersCancelled.map((t) => t.kind)).toEqual(['ticket-sla-warning', 'ticket-sla-breach']);
      expect(timers(moved.timersArmed, inNewYork)).toEqual([
        ['ticket-sla-warning', undefined, '2026-01-12T14:24'],
        ['ticket-sla-breach', undefined, '2026-01-12T16:00'],
      ]);
      expect(
        timers(
          moved.state.timers.filter((t) => t.step),
          inShanghai,
        ),
      ).toEqual([
        ['sla-warning', 'Handle', '2026-01-12T12:12'],
        ['sla-breach', 'Handle', '2026-01-12T13:00'],
      ]);
    });

    test('is pure, and refuses a closed ticket', () => {
      const handling = openInHandle(officeHours, sh('2026-01-12T09:00'));
      const before = JSON.stringify(handling.state);
      updateTicket(officeHours, handling.state, { vip: true, calendar: 'ny-office' }, at(sh('2026-01-12T10:00')), options);
      expect(JSON.stringify(handling.state)).toBe(before);
      const closed = advance(officeHours, handling.state, { type: 'resolve' }, at(sh('2026-01-12T10:00')), options);
      expect(() => updateTicket(officeHours, closed.state, { vip: true }, at(sh('2026-01-12T11:00')), options)).toThrow(
        expect.objectContaining({ code: 'event_not_allowed' }),
      );
    });
  });

  test('a snapshot from before the clock keeps its one breach timer and advances as before', () => {
    // given a ticket stored by the earlier engine: no `resolution`, one ticket-sla-breach timer armed at start
    const t0 = sh('2026-01-12T09:00');
    const current = openInHandle(officeHours, t0);
    const { resolution: _absent, ...rest } = current.state;
    const legacy: TicketState = JSON.parse(JSON.stringify({ ...rest, timers: rest.timers.filter((t) => t.kind !== 'ticket-sla-warning') }));
    const breach = firstTimer(legacy, 'ticket-sla-breach');
    // when it waits on the customer and comes back, its breach timer stands and no clock appears
    let r = advance(officeHours, legacy, { type: 'ask' }, at(t0 + HOUR), options);
    r = advance(officeHours, r.state, { type: 'reply' }, at(t0 + 2 * HOUR), options);
    expect(r.state.resolution).toBeUndefined();
    expect(r.timersArmed.map((t) => t.kind)).toEqual(['sla-warning', 'sla-breach']);
    expect(firstTimer(r.state, 'ticket-sla-breach')).toEqual(breach);
    // and the breach still fires and reminds, and closing cancels what is left
    r = fireTimer(officeHours, r.state, breach.key, { now: breach.dueAt }, options)!;
    expect(r.reminders).toEqual([{ kind: 'ticket-sla-breach', at: sh('2026-01-13T09:30') }]);
    r = advance(officeHours, r.state, { type: 'resolve' }, at(sh('2026-01-13T10:00')), options);
    expect(r.done).toBe(true);
    expect(r.state.resolution).toBeUndefined();
  });
});
