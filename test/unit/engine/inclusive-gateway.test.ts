import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { EventNotAllowedError } from '../../../server/shared/errors.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const COMPLAINT = readFileSync(new URL('../../fixtures/bpmn/inclusive-gateway.bpmn', import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'sun.li' });

function triaged(workflow: Workflow, fields: Record<string, unknown>): Advance {
  return advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete', fields }, at(1));
}

describe('inclusive gateways: every flow whose condition holds, the default otherwise; the join waits for those', () => {
  test('both conditions hold: finance and logistics work at once, and the reply waits for both', async () => {
    const workflow = await importBpmnOrThrow(COMPLAINT);
    const both = triaged(workflow, { billing: true, delivery: true });
    expect([...both.activeSteps].sort()).toEqual(['finance', 'logistics']);
    const one = advance(workflow, both.state, { type: 'finance.complete' }, at(5));
    expect(one.activeSteps).toEqual(['logistics']);
    expect(advance(workflow, one.state, { type: 'logistics.complete' }, at(9)).activeSteps).toEqual(['reply']);
  });

  test('one condition holds: only that branch runs and the join does not wait for the others', async () => {
    const workflow = await importBpmnOrThrow(COMPLAINT);
    const billing = triaged(workflow, { billing: true, delivery: false });
    expect(billing.activeSteps).toEqual(['finance']);
    expect(advance(workflow, billing.state, { type: 'finance.complete' }, at(4)).activeSteps).toEqual(['reply']);
  });

  test('no condition holds: the default flow', async () => {
    const workflow = await importBpmnOrThrow(COMPLAINT);
    const neither = triaged(workflow, { billing: false, delivery: false });
    expect(neither.activeSteps).toEqual(['front']);
    expect(advance(workflow, neither.state, { type: 'front.complete' }, at(3)).activeSteps).toEqual(['reply']);
  });

  test('exports as inclusive gateways with the default and round-trips to the same machine', async () => {
    const original = await importBpmnOrThrow(COMPLAINT);
    const xml = await exportBpmn(original.graph);
    expect(xml).toMatch(/<bpmn:inclusiveGateway id="involve" name="Involve departments" default="to_front"/);
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(original.machine);
    expect(again.steps).toEqual(original.steps);
    const random = seeded(5);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(original, random, 30);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });

  test('without a default, when no condition holds the event is refused, as at an exclusive gateway; one that holds opens its branch', async () => {
    const workflow = await importBpmnOrThrow(
      COMPLAINT.replace(' default="to_front"', '').replace(
        '<bpmn:sequenceFlow id="to_front" sourceRef="involve" targetRef="front"/>',
        '<bpmn:sequenceFlow id="to_front" sourceRef="involve" targetRef="front"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">billing = false and delivery = false and urgent = true</bpmn:conditionExpression></bpmn:sequenceFlow>',
      ),
    );
    const opened = startTicket(workflow, at(0));
    expect(() => advance(workflow, opened.state, { type: 'complete', fields: { billing: false, delivery: false } }, at(1))).toThrow(EventNotAllowedError);
    expect(triaged(workflow, { billing: false, delivery: true }).activeSteps).toEqual(['logistics']);
    const urgent = triaged(workflow, { billing: false, delivery: false, urgent: true });
    expect(urgent.activeSteps).toEqual(['front']);
    expect(advance(workflow, urgent.state, { type: 'front.complete' }, at(2)).activeSteps).toEqual(['reply']);
    const again = await importBpmnOrThrow(await exportBpmn(workflow.graph));
    expect(again.machine).toEqual(workflow.machine);
  });

  test('an inclusive fork must join at an inclusive gateway', async () => {
    const mixed = COMPLAINT.replace('<bpmn:inclusiveGateway id="gathered"/>', '<bpmn:parallelGateway id="gathered"/>');
    const { problems } = await importBpmn(mixed);
    expect(problems).toContainEqual(expect.objectContaining({ elementId: 'gathered', code: 'unstructured_parallel' }));
  });
});
