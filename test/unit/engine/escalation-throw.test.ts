import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { problemsOf } from '../../helpers/bpmn.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const fixture = readFileSync(new URL('../../fixtures/bpmn/escalation-throw.bpmn', import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'wang.fang' });

describe('intermediate escalation throw events', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture);
  });

  test("caught by a non-interrupting boundary of the enclosing subprocess: its path opens beside, the throw's flow goes on", () => {
    const started = startTicket(workflow, at(0));
    expect(started.activeSteps).toEqual(['listen']);
    expect(started.allowedEvents).toEqual(['complete', 'tell_l2']);
    const told = advance(workflow, started.state, { type: 'complete' }, at(5));
    expect(told.activeSteps.sort()).toEqual(['answer', 'l2_review']);
    expect(told.visitsClosed.map((v) => v.step)).toEqual(['listen', 'l2_told']);
    // One at a time: while its path runs, the escalation is not offered again.
    expect(told.allowedEvents.sort()).toEqual(['complete', 'l2_review.complete']);
    const answered = advance(workflow, told.state, { type: 'complete' }, at(6));
    expect(answered.activeSteps).toEqual(['l2_review']);
    expect(answered.done).toBe(false);
    const reviewed = advance(workflow, answered.state, { type: 'l2_review.complete' }, at(7));
    expect(reviewed.done).toBe(true);
  });

  test('caught by an interrupting boundary: the subprocess is left by the boundary, the rest of it never runs', async () => {
    const interrupting = await importBpmnOrThrow(fixture.replace('cancelActivity="false"', ''));
    const told = advance(interrupting, startTicket(interrupting, at(0)).state, { type: 'complete' }, at(5));
    expect(told.visitsClosed.map((v) => v.step)).toEqual(['listen']);
    expect(told.activeSteps).toEqual(['l2_review']);
  });

  test('inside a subprocess nothing catches it: refused by id (uncaught_error)', async () => {
    const problems = await problemsOf(
      fixture.replace(/<bpmn:boundaryEvent id="l2_told"[\s\S]*?<\/bpmn:boundaryEvent>/, '').replace(/<bpmn:sequenceFlow id="f3"[^>]*\/>/, ''),
    );
    expect(problems.map((p) => `${p.elementId} ${p.code}`)).toContain('tell_l2 uncaught_error');
  });

  test('exports as an intermediate escalation throw and round-trips to the same machine; random walks agree', async () => {
    const xml = await exportBpmn(workflow.graph);
    expect(xml).toMatch(
      /<bpmn:intermediateThrowEvent id="tell_l2" name="Tell L2">[^]*?<bpmn:escalationEventDefinition escalationRef="[^"]+" \/>\s*<\/bpmn:intermediateThrowEvent>/,
    );
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
    const random = seeded(31);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(workflow, random, 30);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });
});
