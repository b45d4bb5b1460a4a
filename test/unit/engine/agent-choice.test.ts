import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmn, importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket } from '../../../server/engine/ticket-engine.js';
import { bpmn, compile, flow } from '../../helpers/bpmn.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'li.na' });

/** Resolve → "Resolved?" with no conditions: the agent answers yes (close) or no (try again), or hands over. */
const AGENT_CHOICE_BPMN = readFileSync(new URL('../../fixtures/bpmn/agent-choice.bpmn', import.meta.url), 'utf8');

describe("exclusive gateway without conditions: the agent's choice", () => {
  test('becomes a step for people with one action per flow, labelled by the flow name, owned by its lane', async () => {
    const workflow = await compile(AGENT_CHOICE_BPMN);
    expect(workflow.steps.resolved).toMatchObject({
      name: 'Resolved?',
      kind: 'human',
      owner: 'L1 agent',
      actions: [
        { event: 'yes', label: 'Yes', flowId: 'yes' },
        { event: 'no_try_again', label: 'No, try again', flowId: 'no' },
        { event: 'needs_l2', label: 'Needs L2', flowId: 'l2' },
      ],
    });
  });

  test('a ticket waits at the choice; each action takes its flow and is logged as a visit', async () => {
    const workflow = await compile(AGENT_CHOICE_BPMN);
    const opened = startTicket(workflow, at(0));
    const asked = advance(workflow, opened.state, { type: 'complete' }, at(5));
    expect(asked.activeSteps).toEqual(['resolved']);
    expect(asked.allowedEvents).toEqual(['yes', 'no_try_again', 'needs_l2']);

    const again = advance(workflow, asked.state, { type: 'no_try_again' }, at(6));
    expect(again.activeSteps).toEqual(['resolve']);
    expect(again.visitsClosed).toEqual([
      expect.objectContaining({ step: 'resolved', stepName: 'Resolved?', event: 'no_try_again', actor: 'li.na', automatic: false }),
    ]);

    const handed = advance(workflow, advance(workflow, again.state, { type: 'complete' }, at(9)).state, { type: 'needs_l2' }, at(10));
    expect(handed.activeSteps).toEqual(['handover']);
    expect(advance(workflow, handed.state, { type: 'complete' }, at(20)).done).toBe(true);
    expect(advance(workflow, asked.state, { type: 'yes' }, at(7)).done).toBe(true);
  });

  test('exports and round-trips to the same machine, random walks behaving alike', async () => {
    const original = await compile(AGENT_CHOICE_BPMN);
    const again = await importBpmnOrThrow(await exportBpmn(original.graph));
    expect(again.machine).toEqual(original.machine);
    expect(again.steps).toEqual(original.steps);
    const random = seeded(7);
    for (let i = 0; i < 20; i++) {
      const walk = randomWalk(original, random, 30);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });

  test('unnamed flows are an error naming each; a gateway with a default flow is not a choice', async () => {
    const unnamed = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/><bpmn:endEvent id="c"/>` +
        `${flow('s', 'g')}${flow('g', 'a', { attrs: 'name="A"' })}${flow('g', 'b')}${flow('g', 'c')}`,
    );
    const { problems } = await importBpmn(unnamed);
    expect(problems.map((p) => [p.elementId, p.code])).toEqual([
      ['f_g_b', 'unnamed_choice'],
      ['f_g_c', 'unnamed_choice'],
    ]);
    const withDefault = unnamed.replace('<bpmn:exclusiveGateway id="g"/>', '<bpmn:exclusiveGateway id="g" default="f_g_c"/>');
    expect((await importBpmn(withDefault)).problems.map((p) => [p.elementId, p.code])).toEqual([
      ['f_g_a', 'missing_condition'],
      ['f_g_b', 'missing_condition'],
    ]);
  });

  test('a loop through a choice is not a loop without a waiting step', async () => {
    const loop = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g" name="Again?"/><bpmn:serviceTask id="svc"/><bpmn:endEvent id="e"/>` +
        `${flow('s', 'g')}${flow('g', 'svc', { attrs: 'name="Again"' })}${flow('g', 'e', { attrs: 'name="Stop"' })}${flow('svc', 'g')}`,
    );
    expect((await importBpmn(loop)).problems).toEqual([]);
  });
});
