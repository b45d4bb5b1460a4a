import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, awaitedTriggers, fireTimer, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import { deliverMessage } from '../../../server/engine/ticket-triggers.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { bpmn, flow, timer } from '../../helpers/bpmn.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const REPAIR = readFileSync(new URL('../../fixtures/bpmn/event-subprocesses.bpmn', import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'wu.fang' });
const closed = (r: Advance) => r.visitsClosed.map((v) => `${v.step}:${v.event}`);

describe('event subprocesses', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(REPAIR);
  });

  test('every step of the process lists what may start one: the messages, and the escalation and the error as actions', () => {
    const opened = startTicket(workflow, at(0));
    expect(opened.allowedEvents).toEqual(['complete', 'Customer cancelled', 'Customer added information', 'ask_the_lead', 'no_parts']);
    expect(awaitedTriggers(workflow, opened.state).messages).toEqual(['Customer cancelled', 'Customer added information']);
    expect(workflow.steps.inspect!.actions).toContainEqual({ event: 'Customer cancelled', label: 'Customer cancelled', flowId: 'c1' });
    // The steps of an event subprocess do not list what starts it.
    expect(workflow.steps.refund!.actions.map((a) => a.event)).toEqual(['complete']);
  });

  test('"the customer cancels at any time": an interrupting message event subprocess ends every open step, and its steps run to the end', () => {
    const opened = startTicket(workflow, at(0));
    for (const [moves, open] of [
      [[], ['inspect']],
      [['complete'], ['parts']],
      [['complete', 'yes'], ['repair']],
    ] as const) {
      let r = opened;
      moves.forEach((type, i) => (r = advance(workflow, r.state, { type }, at(i + 1))));
      expect(r.activeSteps).toEqual(open);
      const cancelled = deliverMessage(workflow, r.state, { name: 'Customer cancelled' }, at(10));
      expect(closed(cancelled)).toEqual([...open.map((s) => `${s}:Customer cancelled`), 'cancel_start:Customer cancelled']);
      expect(cancelled.activeSteps).toEqual(['refund']);
      expect(cancelled.timersCancelled).toContainEqual(expect.objectContaining({ timerId: 'stale_start' }));
      expect(awaitedTriggers(workflow, cancelled.state).messages).toEqual([]);
      expect(advance(workflow, cancelled.state, { type: 'complete' }, at(11)).done).toBe(true);
    }
  });

  test('a non-interrupting one runs its steps beside the process, once at a time, and the process ends when both are done', () => {
    const opened = startTicket(workflow, at(0));
    const added = deliverMessage(workflow, opened.state, { name: 'Customer added information' }, at(1));
    expect(added.activeSteps).toEqual(['inspect', 'read_info']);
    expect(awaitedTriggers(workflow, added.state).messages).toEqual(['Customer cancelled']);
    let r = advance(workflow, added.state, { type: 'complete' }, at(2));
    r = advance(workflow, r.state, { type: 'yes' }, at(3));
    r = advance(workflow, r.state, { type: 'complete' }, at(4));
    expect(r.activeSteps).toEqual(['read_info']);
    expect(r.done).toBe(false);
    const read = advance(workflow, r.state, { type: 'read_info.complete' }, at(5));
    expect(read.done).toBe(true);
    // Done beside, it may start again.
    const again = advance(workflow, added.state, { type: 'read_info.complete' }, at(2));
    expect(awaitedTriggers(workflow, again.state).messages).toEqual(['Customer cancelled', 'Customer added information']);
  });

  test('an error end event is caught by the error event subprocess, which interrupts what runs beside it too', () => {
    let r = startTicket(workflow, at(0));
    r = advance(workflow, r.state, { type: 'ask_the_lead' }, at(1));
    expect(r.activeSteps).toEqual(['inspect', 'lead_review']);
    r = advance(workflow, r.state, { type: 'complete' }, at(2));
    const failed = advance(workflow, r.state, { type: 'no' }, at(3));
    expect(closed(failed)).toEqual(['parts:no', 'lead_review:no', 'unavailable_start:no']);
    expect(failed.activeSteps).toEqual(['offer']);
    // The agent may raise the error at any step, as an action named after it.
    expect(advance(workflow, startTicket(workflow, at(0)).state, { type: 'no_parts' }, at(1)).activeSteps).toEqual(['offer']);
  });

  test('an interrupting timer event subprocess closes a stale order: its send step goes out, and the ticket ends', () => {
    const opened = startTicket(workflow, at(0));
    expect(workflow.timers.stale_start).toEqual({
      id: 'stale_start',
      name: 'Five days',
      spec: { type: 'duration', value: 'P5D' },
      behaviour: 'interrupting',
      scope: '$process',
    });
    const stale = opened.state.timers.find((t) => t.timerId === 'stale_start')!;
    const fired = fireTimer(workflow, opened.state, stale.key, { now: stale.dueAt })!;
    expect(closed(fired)).toEqual(['inspect:timer.stale_start', 'stale_start:timer.stale_start', 'stale_notice:automatic']);
    expect(fired.reminders).toEqual([{ kind: 'message', at: stale.dueAt, step: 'stale_notice', message: 'Order closed as stale' }]);
    expect(fired.done).toBe(true);
  });

  test('exports back to BPMN (triggeredByEvent, isInterrupting kept) and round-trips to the same machine', async () => {
    const xml = await exportBpmn(workflow.graph);
    expect(xml).toMatch(/<bpmn:startEvent id="info_start" name="Customer added information" isInterrupting="false">/);
    expect(xml).toMatch(/<bpmn:startEvent id="cancel_start" name="Customer cancelled">/);
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
    expect(again.timers).toEqual(workflow.timers);
    const random = seeded(17);
    for (let i = 0; i < 40; i++) {
      const walk = randomWalk(workflow, random, 40);
      const view = (r: Advance) => [r.activeSteps, r.allowedEvents, closed(r), r.reminders, r.done];
      expect(replay(again, walk).map(view)).toEqual(walk.results.map(view));
    }
  });

  test('a reminder event subprocess (a non-interrupting timer, then automatic tasks) is kept as it was: a periodic reminder', async () => {
    const xml = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/>${flow('s', 'u')}${flow('u', 'e')}` +
        `<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="ts" isInterrupting="false">${timer('timeCycle', 'R/PT4H')}</bpmn:startEvent>` +
        `<bpmn:sendTask id="nudge" name="Nudge the owner"/><bpmn:endEvent id="te"/>${flow('ts', 'nudge')}${flow('nudge', 'te')}</bpmn:subProcess>`,
    );
    const { workflow: reminding } = await importBpmn(xml);
    expect(reminding!.timers.ts).toMatchObject({ behaviour: 'reminder', scope: '$process', reminder: { message: 'Nudge the owner' } });
    expect(reminding!.machine.type).toBeUndefined();
    expect(reminding!.machine.on).toEqual({ 'timer.ts': { actions: [{ type: 'sop.remind', params: { timer: 'ts' } }] } });
  });

  test('refused: an event subprocess without a start event it can be started by, a non-interrupting error, a nested one', async () => {
    const process = (sub: string) => bpmn(`<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/>${flow('s', 'u')}${flow('u', 'e')}${sub}`);
    const none = process(
      `<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="x"/><bpmn:endEvent id="xe"/>${flow('x', 'xe')}</bpmn:subProcess>`,
    );
    expect((await importBpmn(none)).problems).toEqual([expect.objectContaining({ elementId: 'x', code: 'invalid_event_subprocess' })]);
    const softError = process(
      `<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="x" isInterrupting="false"><bpmn:errorEventDefinition/></bpmn:startEvent><bpmn:userTask id="w"/><bpmn:endEvent id="xe"/>${flow('x', 'w')}${flow('w', 'xe')}</bpmn:subProcess>`,
    );
    expect((await importBpmn(softError)).problems).toEqual([
      expect.objectContaining({ elementId: 'x', code: 'invalid_event_subprocess', message: expect.stringMatching(/always interrupts/) }),
    ]);
    const nested = process(
      `<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="x"><bpmn:messageEventDefinition/></bpmn:startEvent><bpmn:userTask id="w"/><bpmn:endEvent id="xe"/>${flow('x', 'w')}${flow('w', 'xe')}` +
        `<bpmn:subProcess id="inner" triggeredByEvent="true"><bpmn:startEvent id="y"><bpmn:messageEventDefinition/></bpmn:startEvent><bpmn:endEvent id="ye"/>${flow('y', 'ye')}</bpmn:subProcess></bpmn:subProcess>`,
    );
    expect((await importBpmn(nested)).problems).toContainEqual(
      expect.objectContaining({ elementId: 'inner', code: 'invalid_event_subprocess', message: expect.stringMatching(/inside an event subprocess/) }),
    );
  });
});
