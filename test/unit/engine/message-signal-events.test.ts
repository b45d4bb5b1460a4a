import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, awaitedTriggers, fireTimer, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import { deliverMessage, deliverSignal, SIGNAL_ACTOR } from '../../../server/engine/ticket-triggers.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { effectsOf } from '../../../server/services/tickets/ticket-effects.js';
import { EventNotAllowedError, MessageNotAwaitedError, ValidationError } from '../../../server/shared/errors.js';
import { bpmn, flow, linear, timer } from '../../helpers/bpmn.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'crm@example.com' });
const closed = (r: Advance) => r.visitsClosed.map((v) => `${v.step}:${v.event}`);

/** Exported, imported again: the same machine, steps, timers and catalogue, and random walks behave the same. */
async function roundTrips(workflow: Workflow, seed: number): Promise<void> {
  const again = await importBpmnOrThrow(await exportBpmn(workflow.graph));
  expect(again.machine).toEqual(workflow.machine);
  expect(again.steps).toEqual(workflow.steps);
  expect(again.timers).toEqual(workflow.timers);
  expect(again.triggers).toEqual(workflow.triggers);
  const random = seeded(seed);
  for (let i = 0; i < 40; i++) {
    const walk = randomWalk(workflow, random, 40);
    const view = (r: Advance) => [r.activeSteps, r.allowedEvents, awaitedTriggers(workflow, r.state), closed(r), r.reminders, r.done];
    expect(replay(again, walk).map(view)).toEqual(walk.results.map(view));
  }
}

describe('message events', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture('message-events'));
  });

  test('the ticket waits for its messages by name; a message it does not wait for is refused naming those it does', () => {
    const opened = startTicket(workflow, at(0));
    expect(opened.activeSteps).toEqual(['diagnose']);
    expect(awaitedTriggers(workflow, opened.state)).toEqual({ messages: ['Customer cancelled', 'Customer added information'], signals: [] });
    const refused = () => deliverMessage(workflow, opened.state, { name: 'Customer replied' }, at(1));
    expect(refused).toThrow(MessageNotAwaitedError);
    expect(refused).toThrow(/waits for "Customer cancelled", "Customer added information"/);
    try {
      refused();
    } catch (error) {
      expect((error as MessageNotAwaitedError).details).toEqual({ awaitedMessages: ['Customer cancelled', 'Customer added information'] });
    }
  });

  test('a message catch event: the ticket waits there until the message comes, with the fields it asks for', () => {
    let r = startTicket(workflow, at(0));
    r = advance(workflow, r.state, { type: 'complete' }, at(5));
    r = advance(workflow, r.state, { type: 'complete' }, at(6));
    expect(r.activeSteps).toEqual(['reply']);
    expect(r.allowedEvents).toEqual(['Customer replied']);
    const replied = deliverMessage(workflow, r.state, { name: 'Customer replied', fields: { reply: 'it works now' } }, at(60));
    expect(replied.visitsClosed).toEqual([
      expect.objectContaining({ step: 'reply', event: 'Customer replied', actor: 'crm@example.com', given: { reply: 'it works now' } }),
    ]);
    expect(replied.activeSteps).toEqual(['solve']);
    expect(replied.fields.reply).toBe('it works now');
  });

  test('an interrupting message boundary ends the step it sits on and goes its way', () => {
    const r = deliverMessage(workflow, startTicket(workflow, at(0)).state, { name: 'Customer cancelled' }, at(2));
    expect(closed(r)).toEqual(['diagnose:Customer cancelled']);
    expect(r.done).toBe(true);
  });

  test('a non-interrupting message boundary opens a task beside the open step; the step stays, and the task outlives it', () => {
    const opened = startTicket(workflow, at(0));
    expect(() => deliverMessage(workflow, opened.state, { name: 'Customer added information' }, at(1))).toThrow(ValidationError);
    const added = deliverMessage(workflow, opened.state, { name: 'Customer added information', fields: { note: 'serial 42' } }, at(1));
    expect(added.activeSteps).toEqual(['diagnose', 'review']);
    // The event is a step of its own, passed at once: the step log says who sent what, when.
    expect(added.visitsClosed).toEqual([
      expect.objectContaining({ step: 'added', event: 'Customer added information', actor: 'crm@example.com', durationMs: 0, given: { note: 'serial 42' } }),
    ]);
    // Waiting for the same message again only once the task beside is done; the step's own actions stay.
    expect(awaitedTriggers(workflow, added.state).messages).toEqual(['Customer cancelled']);
    expect(added.allowedEvents).toEqual(['complete', 'Customer cancelled', 'review.complete']);
    const diagnosed = advance(workflow, added.state, { type: 'complete' }, at(3));
    expect(diagnosed.activeSteps).toEqual(['review', 'ask']);
    const reviewed = advance(workflow, diagnosed.state, { type: 'review.complete' }, at(4));
    expect(reviewed.activeSteps).toEqual(['ask']);
    expect(reviewed.done).toBe(false);
  });

  test('a message throw event and a message end event are send steps: logged as automatic, their message goes out', () => {
    const opened = startTicket(workflow, at(0));
    expect(closed(opened)).toEqual(['notify:automatic']);
    expect(opened.reminders).toEqual([{ kind: 'message', at: T0, step: 'notify', message: 'Ticket received' }]);
    let r = advance(workflow, opened.state, { type: 'complete' }, at(1));
    r = advance(workflow, r.state, { type: 'complete' }, at(2));
    r = deliverMessage(workflow, r.state, { name: 'Customer replied' }, at(3));
    r = advance(workflow, r.state, { type: 'complete' }, at(4));
    expect(r.done).toBe(true);
    expect(closed(r)).toEqual(['solve:complete', 'solved:automatic']);
    expect(r.reminders).toEqual([{ kind: 'message', at: T0 + 4 * 60_000, step: 'solved', message: 'Request solved' }]);
  });

  test('exports back to BPMN (messages and cancelActivity kept) and round-trips to the same machine', async () => {
    const xml = await exportBpmn(workflow.graph);
    expect(xml).toMatch(/<bpmn:intermediateThrowEvent id="notify"[^>]*>[\s\S]*?<bpmn:messageEventDefinition [^>]*messageRef="Message_notify"/);
    expect(xml).toMatch(/<bpmn:boundaryEvent id="added"[^>]*cancelActivity="false"/);
    await roundTrips(workflow, 11);
  });
});

describe('signal events', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture('signal-events'));
  });

  const known = (w: Workflow) => advance(w, advance(w, startTicket(w, at(0)).state, { type: 'complete' }, at(1)).state, { type: 'yes' }, at(2));
  const unknown = (w: Workflow) => advance(w, advance(w, startTicket(w, at(0)).state, { type: 'complete' }, at(1)).state, { type: 'no' }, at(2));

  test('a signal catch event waits for the signal; a signal is not an agent action', () => {
    const waiting = known(workflow);
    expect(waiting.activeSteps).toEqual(['wait_fix']);
    expect(waiting.allowedEvents).toEqual([]);
    expect(awaitedTriggers(workflow, waiting.state).signals).toEqual(['Outage resolved']);
    expect(workflow.steps.wait_fix!.actions).toEqual([{ event: 'signal.Outage resolved', label: 'Outage resolved', flowId: 'f5' }]);
    const resolved = deliverSignal(workflow, waiting.state, { id: 7, name: 'Outage resolved' }, at(30))!;
    expect(resolved.visitsClosed).toEqual([expect.objectContaining({ step: 'wait_fix', event: 'signal.Outage resolved', actor: SIGNAL_ACTOR })]);
    expect(resolved.activeSteps).toEqual(['confirm']);
    expect(resolved.state.signals).toEqual([7]);
  });

  test('a signal reaches a ticket once: the same signal again, or one it does not wait for, changes nothing', () => {
    const waiting = known(workflow);
    expect(deliverSignal(workflow, waiting.state, { id: 7, name: 'Status page updated' }, at(3))).toBeUndefined();
    const moved = deliverSignal(workflow, waiting.state, { id: 7, name: 'Outage resolved' }, at(3))!;
    expect(deliverSignal(workflow, moved.state, { id: 7, name: 'Outage resolved' }, at(4))).toBeUndefined();
    expect(deliverSignal(workflow, { ...waiting.state, signals: [7] }, { id: 7, name: 'Outage resolved' }, at(4))).toBeUndefined();
  });

  test('signal boundaries: a non-interrupting one opens a task beside the step, an interrupting one ends the step', () => {
    const working = unknown(workflow);
    expect(awaitedTriggers(workflow, working.state).signals).toEqual(['Outage resolved', 'Status page updated']);
    const status = deliverSignal(workflow, working.state, { id: 1, name: 'Status page updated' }, at(3))!;
    expect(status.activeSteps).toEqual(['workaround', 'tell']);
    const fixed = deliverSignal(workflow, status.state, { id: 2, name: 'Outage resolved' }, at(4))!;
    expect(closed(fixed)).toEqual(['workaround:signal.Outage resolved']);
    expect(fixed.activeSteps).toEqual(['tell', 'confirm']);
  });

  test('an event-based gateway waits for a signal or a timer, whichever comes first', () => {
    const parked = advance(workflow, unknown(workflow).state, { type: 'complete' }, at(3));
    expect(parked.activeSteps).toEqual(['park']);
    expect(awaitedTriggers(workflow, parked.state).signals).toEqual(['Outage resolved']);
    const timeout = parked.state.timers.find((t) => t.timerId === 'park_timeout')!;
    expect(fireTimer(workflow, parked.state, timeout.key, { now: timeout.dueAt })!.activeSteps).toEqual(['confirm']);
    const signalled = deliverSignal(workflow, parked.state, { id: 3, name: 'Outage resolved' }, at(5))!;
    expect(signalled.activeSteps).toEqual(['confirm']);
    expect(signalled.timersCancelled).toContainEqual(expect.objectContaining({ timerId: 'park_timeout' }));
  });

  test('a signal the ticket does not wait for is refused as an event', () => {
    expect(() => advance(workflow, startTicket(workflow, at(0)).state, { type: 'signal.Outage resolved' }, at(1))).toThrow(EventNotAllowedError);
  });

  test('exports back to BPMN (bpmn:signal kept) and round-trips to the same machine', async () => {
    expect(await exportBpmn(workflow.graph)).toMatch(/<bpmn:signal id="[^"]+" name="Outage resolved"/);
    await roundTrips(workflow, 12);
  });
});

describe('throw events and paths beside a step', () => {
  test('a none throw event is a milestone sent as its name; a message throw sends its message', async () => {
    const workflow = await importBpmnOrThrow(fixture('throw-events'));
    const r = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(1));
    expect(closed(r)).toEqual(['approve:complete', 'approved:automatic', 'tell:automatic']);
    expect(r.reminders.map((m) => [m.kind, m.step, m.message])).toEqual([
      ['message', 'approved', 'Refund approved (milestone)'],
      ['message', 'tell', 'Refund approved'],
    ]);
    await roundTrips(workflow, 13);
  });

  test('a signal throw event and a signal end event raise their signal: send steps whose signal the caller stores', async () => {
    const workflow = await importBpmnOrThrow(fixture('signal-throw'));
    const fixed = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(1));
    expect(closed(fixed)).toEqual(['fix:complete', 'announce:automatic']);
    expect(fixed.reminders).toEqual([{ kind: 'signal', at: T0 + 60_000, step: 'announce', message: 'Outage resolved' }]);
    const effects = effectsOf(workflow, fixed, undefined, T0);
    expect(effects.raised).toEqual(['Outage resolved']);
    expect(effects.notifications).toEqual([]);
    const ended = advance(workflow, fixed.state, { type: 'complete' }, at(2));
    expect(ended.reminders.map((r) => [r.kind, r.message])).toEqual([['signal', 'Outage closed']]);
    expect(await exportBpmn(workflow.graph)).toMatch(
      /<bpmn:endEvent id="closed" name="Closed">\s*<bpmn:incoming>[^<]+<\/bpmn:incoming>\s*<bpmn:signalEventDefinition /,
    );
    await roundTrips(workflow, 15);
  });

  test('a non-interrupting escalation opens a task for the lead beside the step; the agent goes on', async () => {
    const workflow = await importBpmnOrThrow(fixture('beside-the-step'));
    const opened = startTicket(workflow, at(0));
    expect(opened.allowedEvents).toEqual(['complete', 'ask_the_lead']);
    const asked = advance(workflow, opened.state, { type: 'ask_the_lead' }, at(10));
    expect(asked.activeSteps).toEqual(['handle', 'advise']);
    expect(closed(asked)).toEqual(['ask_lead:ask_the_lead']);
    expect(asked.allowedEvents).toEqual(['complete', 'advise.complete']);
    // The step's own limit runs on: nothing of it was re-armed.
    expect(asked.timersArmed).toEqual([]);
    const handled = advance(workflow, asked.state, { type: 'complete' }, at(20));
    expect(handled.activeSteps).toEqual(['advise', 'close']);
    await roundTrips(workflow, 14);
  });

  test('a non-interrupting timer whose path waits opens an SLA task for the lead, again with each cycle once it is done', async () => {
    const workflow = await importBpmnOrThrow(fixture('beside-the-step'));
    expect(workflow.timers.overdue).toEqual({
      id: 'overdue',
      name: 'Two hours open',
      spec: { type: 'cycle', value: 'R3/PT2H' },
      behaviour: 'reminder',
      scope: 'handle',
    });
    const opened = startTicket(workflow, at(0));
    const first = opened.state.timers.find((t) => t.timerId === 'overdue')!;
    const fired = fireTimer(workflow, opened.state, first.key, { now: first.dueAt })!;
    expect(fired.activeSteps).toEqual(['handle', 'check_in']);
    expect(fired.reminders).toEqual([]);
    expect(closed(fired)).toEqual(['overdue:timer.overdue']);
    const second = fired.timersArmed.find((t) => t.timerId === 'overdue')!;
    expect(second.dueAt).toBe(T0 + 4 * 3_600_000);
    const checked = advance(workflow, fired.state, { type: 'check_in.complete' }, { now: T0 + 3 * 3_600_000, actor: 'lead' });
    const again = fireTimer(workflow, checked.state, second.key, { now: second.dueAt })!;
    expect(again.activeSteps).toEqual(['handle', 'check_in']);
  });

  test('refused: a path beside a step that ends the whole ticket, one that opens a path beside its own step', async () => {
    const beside = (path: string, flows: string) =>
      bpmn(
        `${linear('<bpmn:userTask id="u"/>')}<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent>${path}${flows}`,
      );
    const terminate = beside(
      '<bpmn:userTask id="w"/><bpmn:endEvent id="t"><bpmn:terminateEventDefinition/></bpmn:endEvent>',
      `${flow('b', 'w')}${flow('w', 't')}`,
    );
    expect((await importBpmn(terminate)).problems).toEqual([
      expect.objectContaining({ elementId: 't', code: 'invalid_boundary', message: expect.stringMatching(/would end the whole ticket/) }),
    ]);
    const nested = beside(
      '<bpmn:userTask id="w"/><bpmn:endEvent id="e2"/><bpmn:boundaryEvent id="b2" attachedToRef="w" cancelActivity="false"><bpmn:escalationEventDefinition/></bpmn:boundaryEvent><bpmn:userTask id="w2"/>',
      `${flow('b', 'w')}${flow('w', 'e2')}${flow('b2', 'w2')}${flow('w2', 'e2', { id: 'fw2' })}`,
    );
    expect((await importBpmn(nested)).problems).toContainEqual(
      expect.objectContaining({ elementId: 'w', code: 'invalid_boundary', message: expect.stringMatching(/cannot open a path beside itself/) }),
    );
  });
});
