import { readFileSync } from 'node:fs';
import { advance, allowedEvents, fireTimer, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { bpmn, compile, flow, timer } from '../../helpers/bpmn.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => ({ now: T0 + ms, actor: 'alice' });

let mini: Workflow;
beforeAll(async () => {
  mini = await importBpmnOrThrow(readFileSync(new URL('../../fixtures/bpmn/mini-inquiry.bpmn', import.meta.url)));
});

describe('ticket engine', () => {
  test('start runs automatic steps and stops at the first step that waits, arming its SLA timers', () => {
    const opened = startTicket(mini, at(0), { fields: { channel: 'phone' } });
    expect(opened.activeSteps).toEqual(['Answer']);
    expect(opened.allowedEvents).toEqual(['answer']);
    expect(opened.visitsClosed).toEqual([expect.objectContaining({ step: 'Bot', automatic: true, durationMs: 0, actor: 'system', event: 'automatic' })]);
    expect(opened.timersArmed.map((t) => [t.kind, t.step, t.dueAt - T0])).toEqual([
      ['sla-warning', 'Answer', 4 * MIN],
      ['sla-breach', 'Answer', 5 * MIN],
      ['ticket-sla-warning', undefined, 19 * HOUR + 12 * MIN], // 80% of P1D
      ['ticket-sla-breach', undefined, 24 * HOUR],
    ]);
    expect(opened.state.resolution).toEqual({ slaMs: 24 * HOUR, usedMs: 0, runningSince: T0 });
    expect(opened.fields).toEqual({ channel: 'phone', vip: false });
  });

  test('advance closes the step visit with actor, event, duration and SLA, and opens the next', () => {
    const opened = startTicket(mini, at(0));
    const answered = advance(mini, opened.state, { type: 'answer' }, at(7 * MIN));
    expect(answered.visitsClosed).toEqual([
      {
        visit: expect.any(Number),
        step: 'Answer',
        stepName: 'Answer',
        enteredAt: T0,
        exitedAt: T0 + 7 * MIN,
        durationMs: 7 * MIN,
        // Without calendars every minute is working time.
        businessMs: 7 * MIN,
        actor: 'alice',
        event: 'answer',
        slaMs: 5 * MIN,
        breached: true,
        automatic: false,
      },
    ]);
    expect(answered.visitsOpened).toEqual([{ visit: expect.any(Number), step: 'Grade', enteredAt: T0 + 7 * MIN, slaMs: 10 * MIN, breached: false }]);
    expect(answered.timersCancelled.map((t) => t.kind).sort()).toEqual(['sla-breach', 'sla-warning']);
  });

  test('VIP tickets get the VIP limit', () => {
    const opened = startTicket(mini, at(0), { vip: true });
    expect(opened.visitsOpened.find((v) => v.step === 'Answer')!.slaMs).toBe(MIN);
  });

  test('an event not allowed now is rejected with the allowed ones, and nothing changes', () => {
    const opened = startTicket(mini, at(0));
    expect(() => advance(mini, opened.state, { type: 'resolve' }, at(MIN))).toThrow(
      expect.objectContaining({ code: 'event_not_allowed', details: { allowedEvents: ['answer'] } }),
    );
    expect(() => advance(mini, opened.state, { type: 'timer.Remind' }, at(MIN))).toThrow(expect.objectContaining({ code: 'event_not_allowed' }));
  });

  test('required and typed fields are checked, form text is coerced', () => {
    const graded = advance(mini, startTicket(mini, at(0)).state, { type: 'answer' }, at(MIN));
    // each problem names its field with a code and values pages word it by (the field's label, what it allows)
    expect(() => advance(mini, graded.state, { type: 'graded' }, at(2 * MIN))).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        details: [{ field: 'level', message: expect.any(String), code: 'fieldRequired', values: { label: expect.any(String) } }],
      }),
    );
    expect(() => advance(mini, graded.state, { type: 'graded', fields: { level: 'L9' } }, at(2 * MIN))).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        details: [{ field: 'level', message: expect.any(String), code: 'fieldNotOption', values: { label: expect.any(String), options: expect.any(String) } }],
      }),
    );
    const l2 = advance(mini, graded.state, { type: 'graded', fields: { level: 'L2', note: 'printer' } }, at(2 * MIN));
    const followUp = advance(mini, l2.state, { type: 'resolve' }, at(3 * MIN));
    const reopened = advance(mini, followUp.state, { type: 'record_follow_up', fields: { resolved: 'false' } }, at(4 * MIN));
    expect(reopened.fields).toMatchObject({ level: 'L2', note: 'printer', resolved: false });
    expect(reopened.activeSteps).toEqual(['L2']);
  });

  test('exclusive gateways route on FEEL conditions over the fields; a loop reopens a step', () => {
    let r: Advance = startTicket(mini, at(0));
    r = advance(mini, r.state, { type: 'answer' }, at(MIN));
    r = advance(mini, r.state, { type: 'graded', fields: { level: 'L1' } }, at(2 * MIN));
    expect(r.activeSteps).toEqual(['L1']);
    r = advance(mini, r.state, { type: 'resolve' }, at(3 * MIN));
    r = advance(mini, r.state, { type: 'record_follow_up', fields: { resolved: true } }, at(4 * MIN));
    expect(r.done).toBe(true);
    expect(r.state.timers).toEqual([]);
    expect(r.timersCancelled.map((t) => t.kind)).toEqual(['ticket-sla-warning', 'ticket-sla-breach']);
    // the closed ticket keeps the resolution time it used, and its clock no longer runs
    expect(r.state.resolution).toEqual({ slaMs: 24 * HOUR, usedMs: 4 * MIN });
    expect(allowedEvents(mini, r.state)).toEqual([]);
    expect(() => advance(mini, r.state, { type: 'answer' }, at(5 * MIN))).toThrow(expect.objectContaining({ code: 'event_not_allowed', allowedEvents: [] }));
  });

  test('a gateway where no condition holds rejects the event instead of stranding the ticket', () => {
    const r = advance(mini, startTicket(mini, at(0)).state, { type: 'answer' }, at(MIN));
    expect(() => advance(mini, r.state, { type: 'graded', fields: { level: 'L3' } }, at(2 * MIN))).toThrow(
      expect.objectContaining({ code: 'event_not_allowed' }),
    );
  });

  test('non-interrupting timers remind and keep the step; firing twice does nothing the second time', () => {
    let r = advance(mini, startTicket(mini, at(0)).state, { type: 'answer' }, at(MIN));
    r = advance(mini, r.state, { type: 'graded', fields: { level: 'L2' } }, at(2 * MIN));
    const remind = r.state.timers.find((t) => t.timerId === 'Remind')!;
    expect(remind.dueAt).toBe(T0 + 2 * MIN + 2 * HOUR);
    const fired = fireTimer(mini, r.state, remind.key, { now: remind.dueAt })!;
    expect(fired.reminders).toEqual([{ kind: 'reminder', at: remind.dueAt, to: 'lead', message: 'no first response', step: 'L2', timerId: 'Remind' }]);
    expect(fired.activeSteps).toEqual(['L2']);
    expect(fired.visitsClosed).toEqual([]);
    expect(fireTimer(mini, fired.state, remind.key, { now: remind.dueAt })).toBeUndefined();
  });

  test('SLA timers warn, then breach and mark the open visit', () => {
    const r = startTicket(mini, at(0));
    const warning = r.state.timers.find((t) => t.kind === 'sla-warning')!;
    const warned = fireTimer(mini, r.state, warning.key, { now: warning.dueAt })!;
    expect(warned.reminders).toEqual([{ kind: 'sla-warning', at: warning.dueAt, to: 'agent', step: 'Answer' }]);
    const breach = warned.state.timers.find((t) => t.kind === 'sla-breach')!;
    const breached = fireTimer(mini, warned.state, breach.key, { now: breach.dueAt })!;
    expect(breached.state.openVisits[0]!.breached).toBe(true);
    expect(breached.reminders[0]!.kind).toBe('sla-breach');
  });

  test('interrupting timers move the ticket and escalate', async () => {
    const wf = await compile(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="t1"><bpmn:extensionElements><sop:step owner="tier1"/></bpmn:extensionElements></bpmn:userTask>
        <bpmn:userTask id="t2"/><bpmn:endEvent id="e"/>
        <bpmn:boundaryEvent id="late" attachedToRef="t1">${timer('timeDuration', 'PT30M')}</bpmn:boundaryEvent>
        ${flow('s', 't1')}${flow('t1', 'e')}${flow('late', 't2')}${flow('t2', 'e')}`),
    );
    const r = startTicket(wf, at(0));
    const late = r.state.timers.find((t) => t.timerId === 'late')!;
    const moved = fireTimer(wf, r.state, late.key, { now: late.dueAt })!;
    expect(moved.activeSteps).toEqual(['t2']);
    expect(moved.visitsClosed).toEqual([expect.objectContaining({ step: 't1', actor: 'timer', event: 'timer.late', durationMs: 30 * MIN })]);
    expect(moved.reminders).toEqual([expect.objectContaining({ kind: 'escalation', step: 't1', to: 'tier1', timerId: 'late' })]);
  });

  test('a timer cycle re-arms until its repetitions run out', async () => {
    const wf = await compile(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>
        <bpmn:boundaryEvent id="nag" attachedToRef="u" cancelActivity="false">${timer('timeCycle', 'R2/PT1H')}</bpmn:boundaryEvent>
        <bpmn:sendTask id="mail"/>${flow('s', 'u')}${flow('u', 'e')}${flow('nag', 'mail')}${flow('mail', 'e2')}`),
    );
    let state = startTicket(wf, at(0)).state;
    const dues: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = state.timers.find((t) => t.timerId === 'nag');
      if (!next) break;
      dues.push(next.dueAt - T0);
      state = fireTimer(wf, state, next.key, { now: next.dueAt })!.state;
    }
    expect(dues).toEqual([HOUR, 2 * HOUR]);
  });

  test('parallel branches run side by side and join when both are done', async () => {
    const wf = await compile(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="fix"/><bpmn:userTask id="calm"/>
        <bpmn:parallelGateway id="join"/><bpmn:userTask id="close"/><bpmn:endEvent id="e"/>
        ${flow('s', 'fork')}${flow('fork', 'fix')}${flow('fork', 'calm')}${flow('fix', 'join')}${flow('calm', 'join')}${flow('join', 'close')}${flow('close', 'e')}`),
    );
    let r = startTicket(wf, at(0));
    expect(r.activeSteps.sort()).toEqual(['calm', 'fix']);
    expect(r.allowedEvents.sort()).toEqual(['calm.complete', 'fix.complete']);
    r = advance(wf, r.state, { type: 'fix.complete' }, at(HOUR));
    expect(r.activeSteps).toEqual(['calm']);
    r = advance(wf, r.state, { type: 'calm.complete' }, at(2 * HOUR));
    expect(r.activeSteps).toEqual(['close']);
  });

  test('an event-based gateway takes whichever comes first and cancels the other', async () => {
    const wf = await compile(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="race"/>
        <bpmn:intermediateCatchEvent id="reply"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:intermediateCatchEvent>
        <bpmn:intermediateCatchEvent id="timeout">${timer('timeDuration', 'PT48H')}</bpmn:intermediateCatchEvent>
        <bpmn:userTask id="handle"/><bpmn:userTask id="chase"/><bpmn:endEvent id="e"/>
        ${flow('s', 'race')}${flow('race', 'reply')}${flow('race', 'timeout')}${flow('reply', 'handle')}${flow('timeout', 'chase')}${flow('handle', 'e')}${flow('chase', 'e')}`,
        { extra: '<bpmn:message id="m1" name="customer_reply"/>' },
      ),
    );
    const r = startTicket(wf, at(0));
    expect(r.allowedEvents).toEqual(['customer_reply']);
    const replied = advance(wf, r.state, { type: 'customer_reply', fields: { text: 'here you go' } }, at(HOUR));
    expect(replied.activeSteps).toEqual(['handle']);
    expect(replied.timersCancelled.map((t) => t.timerId)).toContain('timeout');
    const timeout = r.state.timers.find((t) => t.timerId === 'timeout')!;
    expect(fireTimer(wf, r.state, timeout.key, { now: timeout.dueAt })!.activeSteps).toEqual(['chase']);
  });

  test('subprocesses: steps inside run, and a boundary timer on the subprocess interrupts them all', async () => {
    const wf = await compile(
      bpmn(`<bpmn:startEvent id="s"/>
        <bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:endEvent id="e2"/>${flow('s2', 'a')}${flow('a', 'b')}${flow('b', 'e2')}</bpmn:subProcess>
        <bpmn:boundaryEvent id="tooSlow" attachedToRef="sub">${timer('timeDuration', 'P1D')}</bpmn:boundaryEvent>
        <bpmn:userTask id="after"/><bpmn:userTask id="escalated"/><bpmn:endEvent id="e"/>
        ${flow('s', 'sub')}${flow('sub', 'after')}${flow('after', 'e')}${flow('tooSlow', 'escalated')}${flow('escalated', 'e')}`),
    );
    let r = startTicket(wf, at(0));
    expect(r.activeSteps).toEqual(['a']);
    r = advance(wf, r.state, { type: 'complete' }, at(HOUR));
    expect(r.activeSteps).toEqual(['b']);
    const slow = r.state.timers.find((t) => t.timerId === 'tooSlow')!;
    const escalated = fireTimer(wf, r.state, slow.key, { now: slow.dueAt })!;
    expect(escalated.activeSteps).toEqual(['escalated']);
    expect(escalated.visitsClosed.map((v) => v.step)).toEqual(['b']);
  });

  test('a message caught on a subprocess is allowed while any step inside it is active, and interrupts it', async () => {
    const wf = await compile(
      bpmn(
        `<bpmn:startEvent id="s"/>
        <bpmn:subProcess id="sub"><bpmn:startEvent id="s2"/><bpmn:userTask id="a"/><bpmn:endEvent id="e2"/>${flow('s2', 'a')}${flow('a', 'e2')}</bpmn:subProcess>
        <bpmn:boundaryEvent id="cancelled" attachedToRef="sub"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:boundaryEvent>
        <bpmn:userTask id="refund"/><bpmn:endEvent id="e"/>
        ${flow('s', 'sub')}${flow('sub', 'e')}${flow('cancelled', 'refund')}${flow('refund', 'e')}`,
        { extra: '<bpmn:message id="m1" name="customer_cancelled"/>' },
      ),
    );
    const r = startTicket(wf, at(0));
    expect(r.allowedEvents.sort()).toEqual(['complete', 'customer_cancelled']);
    expect(advance(wf, r.state, { type: 'customer_cancelled' }, at(MIN)).activeSteps).toEqual(['refund']);
  });

  test('the state is plain JSON: a ticket restored from its serialized state continues the same', () => {
    const a = advance(mini, startTicket(mini, at(0)).state, { type: 'answer' }, at(MIN));
    const restored = JSON.parse(JSON.stringify(a.state));
    const direct = advance(mini, a.state, { type: 'graded', fields: { level: 'L2' } }, at(2 * MIN));
    const viaJson = advance(mini, restored, { type: 'graded', fields: { level: 'L2' } }, at(2 * MIN));
    expect(JSON.parse(JSON.stringify(viaJson))).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  test('the engine is pure: the previous state is not modified', () => {
    const opened = startTicket(mini, at(0));
    const before = JSON.stringify(opened.state);
    advance(mini, opened.state, { type: 'answer' }, at(MIN));
    expect(JSON.stringify(opened.state)).toBe(before);
  });
});
