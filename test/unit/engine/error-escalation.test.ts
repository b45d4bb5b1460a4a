import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket } from '../../../server/engine/ticket-engine.js';
import { bpmn, flow, linear, timer } from '../../helpers/bpmn.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const REPLACEMENT = readFileSync(new URL('../../fixtures/bpmn/error-end.bpmn', import.meta.url), 'utf8');
const REFUND = readFileSync(new URL('../../fixtures/bpmn/error-escalation.bpmn', import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'zhou.min' });

describe('error and escalation boundary events', () => {
  test('an error boundary on a user task is an interrupting action named after the error', async () => {
    const workflow = await importBpmnOrThrow(REFUND);
    expect(workflow.steps.check!.actions).toEqual([
      { event: 'complete', label: 'Refund', flowId: 'f2' },
      { event: 'customer_withdrew', label: 'Customer withdrew', flowId: 'f4' },
    ]);
    const opened = startTicket(workflow, at(0));
    expect(opened.allowedEvents).toEqual(['complete', 'customer_withdrew']);
    const withdrawn = advance(workflow, opened.state, { type: 'customer_withdrew' }, at(3));
    expect(withdrawn.done).toBe(true);
    expect(withdrawn.visitsClosed).toEqual([expect.objectContaining({ step: 'check', event: 'customer_withdrew', actor: 'zhou.min' })]);
  });

  test('an escalation boundary on a subprocess is an action of every step inside it, named by the boundary (or its code)', async () => {
    const workflow = await importBpmnOrThrow(REFUND);
    for (const step of ['approve', 'pay']) {
      expect(workflow.steps[step]!.actions).toContainEqual({ event: 'l2', label: 'Escalate to L2', flowId: 'f5' });
    }
    const inRefund = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(1));
    const paying = advance(workflow, inRefund.state, { type: 'complete' }, at(2));
    expect(paying.activeSteps).toEqual(['pay']);
    const escalated = advance(workflow, paying.state, { type: 'l2' }, at(5));
    expect(escalated.activeSteps).toEqual(['l2']);
    expect(escalated.visitsClosed).toEqual([expect.objectContaining({ step: 'pay', event: 'l2' })]);
    expect(advance(workflow, escalated.state, { type: 'complete' }, at(9)).done).toBe(true);
  });

  test('exports (bpmn:error and bpmn:escalation kept) and round-trips to the same machine', async () => {
    const original = await importBpmnOrThrow(REFUND);
    const xml = await exportBpmn(original.graph);
    expect(xml).toMatch(/<bpmn:error id="[^"]+" name="Customer withdrew"/);
    expect(xml).toMatch(/<bpmn:escalationEventDefinition [^>]*escalationRef=/);
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(original.machine);
    expect(again.steps).toEqual(original.steps);
    const random = seeded(3);
    for (let i = 0; i < 20; i++) {
      const walk = randomWalk(original, random, 30);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });

  test('an error end event in a subprocess leaves it by the boundary catching that error', async () => {
    const workflow = await importBpmnOrThrow(REPLACEMENT);
    const asked = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(1));
    // The agent may also raise the error at any step inside the subprocess, as with any boundary on it.
    expect(asked.allowedEvents).toEqual(['yes', 'no', 'out_of_stock']);
    const refused = advance(workflow, asked.state, { type: 'no' }, at(2));
    expect(refused.activeSteps).toEqual(['refund']);
    expect(advance(workflow, refused.state, { type: 'complete' }, at(3)).done).toBe(true);
    const shipped = advance(workflow, asked.state, { type: 'yes' }, at(2));
    expect(shipped.activeSteps).toEqual(['ship']);
    expect(advance(workflow, shipped.state, { type: 'complete' }, at(4)).done).toBe(true);
    const again = await importBpmnOrThrow(await exportBpmn(workflow.graph));
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
  });

  test('an error end event nothing catches is refused by id (uncaught_error)', async () => {
    const uncaught = REPLACEMENT.replace(/<bpmn:boundaryEvent id="caught"[\s\S]*?<\/bpmn:boundaryEvent>/, '').replace(
      '<bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="refund"/>',
      '',
    );
    const { problems } = await importBpmn(uncaught);
    expect(problems).toContainEqual(
      expect.objectContaining({ elementId: 'no_stock', code: 'uncaught_error', message: expect.stringMatching(/subprocess prepare catches "Out of stock"/) }),
    );
  });

  test('an error boundary on an automatic task makes it await its outcome (automatic-failure.test.ts); a timer alone there still could never fire', async () => {
    const onService = bpmn(
      `${linear('<bpmn:serviceTask id="svc"/>')}<bpmn:boundaryEvent id="b" attachedToRef="svc"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>${flow('b', 'end', { id: 'fb' })}`,
    );
    const { workflow } = await importBpmn(onService);
    expect(workflow!.steps.svc!.kind).toBe('wait');
    const timerOnly = bpmn(
      `${linear('<bpmn:serviceTask id="svc"/>')}<bpmn:boundaryEvent id="b" attachedToRef="svc">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent>${flow('b', 'end', { id: 'fb' })}`,
    );
    expect((await importBpmn(timerOnly)).problems).toEqual([
      expect.objectContaining({ elementId: 'b', code: 'invalid_boundary', message: expect.stringMatching(/never waits/) }),
    ]);
  });

  test('refused: a non-interrupting error, an error boundary without a way out', async () => {
    const nonInterrupting = bpmn(
      `${linear('<bpmn:userTask id="u"/>')}<bpmn:boundaryEvent id="b" attachedToRef="u" cancelActivity="false"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>${flow('b', 'end', { id: 'fb' })}`,
    );
    expect((await importBpmn(nonInterrupting)).problems).toEqual([
      expect.objectContaining({ elementId: 'b', code: 'invalid_boundary', message: expect.stringMatching(/error boundary event always interrupts/) }),
    ]);
    const noWayOut = bpmn(`${linear('<bpmn:userTask id="u"/>')}<bpmn:boundaryEvent id="b" attachedToRef="u"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>`);
    expect((await importBpmn(noWayOut)).problems).toEqual([expect.objectContaining({ elementId: 'b', code: 'invalid_boundary' })]);
  });

  test('an unnamed error takes the boundary name; an event key that clashes with a flow event is made unique', async () => {
    const xml = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:userTask id="u"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>${flow('s', 'u')}${flow('u', 'e', { attrs: 'name="Failed"' })}` +
        `<bpmn:boundaryEvent id="b" name="Failed" attachedToRef="u"><bpmn:errorEventDefinition/></bpmn:boundaryEvent>${flow('b', 'e2', { id: 'fb' })}`,
    );
    const { workflow } = await importBpmn(xml);
    expect(workflow!.steps.u!.actions.map((a) => [a.event, a.label])).toEqual([
      ['failed', 'Failed'],
      ['failed_2', 'Failed'],
    ]);
  });
});
