import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket } from '../../../server/engine/ticket-engine.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const CALLBACK = readFileSync(new URL('../../fixtures/bpmn/link-events.bpmn', import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'wu.lei' });

describe('link events: a go-to within a process', () => {
  test('the ticket goes from the link throw event to the catch of the same name, logged as nothing', async () => {
    const workflow = await importBpmnOrThrow(CALLBACK);
    expect(Object.keys(workflow.steps).sort()).toEqual(['call', 'note', 'reached', 'wait']);
    const asked = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(2));
    expect(asked.allowedEvents).toEqual(['yes', 'no']);
    const retried = advance(workflow, asked.state, { type: 'no' }, at(3));
    expect(retried.activeSteps).toEqual(['wait']);
    expect(retried.visitsClosed.map((v) => v.step)).toEqual(['reached']);
    const again = advance(workflow, retried.state, { type: 'complete' }, at(63));
    expect(again.activeSteps).toEqual(['call']);
  });

  test('exports the link events and round-trips to the same machine', async () => {
    const original = await importBpmnOrThrow(CALLBACK);
    const xml = await exportBpmn(original.graph);
    expect(xml.match(/<bpmn:linkEventDefinition [^>]*name="retry"/g)).toHaveLength(2);
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(original.machine);
    expect(again.steps).toEqual(original.steps);
    const random = seeded(11);
    for (let i = 0; i < 20; i++) {
      const walk = randomWalk(original, random, 30);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });

  test('refused: a throw with no catch of its name, two catches of one name, flows out of a throw or into a catch', async () => {
    const codes = async (xml: string) => (await importBpmn(xml)).problems.map((p) => [p.elementId, p.code]);
    expect(await codes(CALLBACK.replace('name="retry"/>\n    </bpmn:intermediateCatchEvent>', 'name="other"/>\n    </bpmn:intermediateCatchEvent>'))).toEqual([
      ['goto_retry', 'unmatched_link'],
      ['retry', 'unreachable'],
    ]);
    const twice = CALLBACK.replace(
      '<bpmn:userTask id="wait"',
      '<bpmn:intermediateCatchEvent id="retry2"><bpmn:linkEventDefinition name="retry"/></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f9" sourceRef="retry2" targetRef="wait"/><bpmn:userTask id="wait"',
    );
    expect(await codes(twice)).toEqual(expect.arrayContaining([['goto_retry', 'unmatched_link']]));
    const flows = CALLBACK.replace(
      '<bpmn:sequenceFlow id="f5"',
      '<bpmn:sequenceFlow id="out" sourceRef="goto_retry" targetRef="end"/><bpmn:sequenceFlow id="in" sourceRef="note" targetRef="retry"/><bpmn:sequenceFlow id="f5"',
    );
    expect(await codes(flows)).toEqual(
      expect.arrayContaining([
        ['goto_retry', 'outgoing_not_allowed'],
        ['retry', 'incoming_not_allowed'],
      ]),
    );
  });
});
