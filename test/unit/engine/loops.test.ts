import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { historyOf, replayTicket } from '../../../server/engine/replay.js';
import { advance, fireTimer, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { ConditionFailedError, EventNotAllowedError } from '../../../server/shared/errors.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number, actor = 'li.na') => ({ now: T0 + minutes * 60_000, actor });
const instances = (r: Advance) => r.state.openVisits.map((v) => [v.step, v.instance?.index, v.instance?.item]);
const closed = (r: Advance) => r.visitsClosed.map((v) => [v.step, v.instance?.index, v.actor, v.event]);
const ORDER = { lines: ['A-1', 'A-2', 'A-3'], contacts: ['Ann', 'Bob'] };

describe('multi-instance steps: one instance per item of a list field', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture('multi-instance'));
  });

  test('all at once: a visit per item, each with its own limit; the event names its instance, or the first open one is taken', () => {
    const opened = startTicket(workflow, at(0), { fields: ORDER });
    expect(instances(opened)).toEqual([
      ['check_line', 1, 'A-1'],
      ['check_line', 2, 'A-2'],
      ['check_line', 3, 'A-3'],
    ]);
    expect(opened.activeSteps).toEqual(['check_line']);
    expect(opened.timersArmed.filter((t) => t.kind === 'sla-breach').map((t) => t.visit)).toEqual(opened.visitsOpened.map((v) => v.visit));
    const second = advance(workflow, opened.state, { type: 'complete', fields: { back: true }, instance: 2 }, at(5));
    expect(closed(second)).toEqual([['check_line', 2, 'li.na', 'complete']]);
    expect(second.visitsClosed[0]!.given).toEqual({ back: true });
    expect(second.timersCancelled.every((t) => t.visit === second.visitsClosed[0]!.visit)).toBe(true);
    expect(() => advance(workflow, second.state, { type: 'complete', fields: { back: true }, instance: 2 }, at(6))).toThrow(EventNotAllowedError);
    const first = advance(workflow, second.state, { type: 'complete', fields: { back: true } }, at(7));
    expect(closed(first)).toEqual([['check_line', 1, 'li.na', 'complete']]);
    const last = advance(workflow, first.state, { type: 'complete', fields: { back: true } }, at(9));
    expect(closed(last)).toEqual([['check_line', 3, 'li.na', 'complete']]);
    expect(instances(last)).toEqual([['call_contact', 1, 'Ann']]);
  });

  test('the completion condition ends the step early: the other instances are closed by the system', () => {
    const opened = startTicket(workflow, at(0), { fields: ORDER });
    const missing = advance(workflow, opened.state, { type: 'complete', fields: { back: false }, instance: 3 }, at(4));
    expect(closed(missing)).toEqual([
      ['check_line', 3, 'li.na', 'complete'],
      ['check_line', 1, 'system', 'complete'],
      ['check_line', 2, 'system', 'complete'],
    ]);
    expect(missing.activeSteps).toEqual(['call_contact']);
  });

  test('one after the other: the next item once one is done, until the completion condition holds', () => {
    let r = startTicket(workflow, at(0), { fields: ORDER });
    for (const instance of [1, 2, 3]) r = advance(workflow, r.state, { type: 'complete', fields: { back: true }, instance }, at(instance));
    expect(instances(r)).toEqual([['call_contact', 1, 'Ann']]);
    expect(() => advance(workflow, r.state, { type: 'complete', fields: { reached: false }, instance: 2 }, at(5))).toThrow(EventNotAllowedError);
    r = advance(workflow, r.state, { type: 'complete', fields: { reached: false } }, at(5));
    expect(instances(r)).toEqual([['call_contact', 2, 'Bob']]);
    r = advance(workflow, r.state, { type: 'complete', fields: { reached: true } }, at(6));
    expect(r.activeSteps).toEqual(['refund']);
    const reachedFirst = advance(
      workflow,
      startTicket(workflow, at(0), { fields: { lines: [], contacts: ['Ann', 'Bob'] } }).state,
      { type: 'complete', fields: { reached: true } },
      at(1),
    );
    expect(reachedFirst.activeSteps).toEqual(['refund']);
  });

  test('an empty or absent list runs no instance; a value that is not a list refuses the move (condition_failed)', () => {
    expect(startTicket(workflow, at(0)).activeSteps).toEqual(['refund']);
    expect(startTicket(workflow, at(0), { fields: { lines: [], contacts: ['Ann'] } }).activeSteps).toEqual(['call_contact']);
    expect(() => startTicket(workflow, at(0), { fields: { lines: 'A-1' } })).toThrow(ConditionFailedError);
  });

  test("a boundary interrupts every instance; its timer is the step's as a whole", () => {
    const opened = startTicket(workflow, at(0), { fields: ORDER });
    expect(opened.timersArmed.filter((t) => t.kind === 'bpmn').map((t) => t.timerId)).toEqual(['too_slow']);
    const fraud = advance(workflow, opened.state, { type: 'fraud_suspected', fields: { back: false } }, at(3));
    expect(closed(fraud).map(([step, , actor]) => [step, actor])).toEqual([
      ['check_line', 'li.na'],
      ['check_line', 'system'],
      ['check_line', 'system'],
    ]);
    expect(fraud.activeSteps).toEqual(['review']);
    const timer = opened.state.timers.find((t) => t.timerId === 'too_slow')!;
    const slow = fireTimer(workflow, opened.state, timer.key, { now: timer.dueAt })!;
    expect(slow.activeSteps).toEqual(['chase']);
    const again = advance(workflow, slow.state, { type: 'complete' }, { now: timer.dueAt + 60_000, actor: 'li.na' });
    expect(instances(again).map(([, index]) => index)).toEqual([1, 2, 3]);
  });

  test('a migration replays the instances each event finished', () => {
    let r = startTicket(workflow, at(0), { fields: ORDER });
    const visits = [];
    for (const [instance, minute] of [
      [3, 2],
      [1, 4],
    ] as const) {
      r = advance(workflow, r.state, { type: 'complete', fields: { back: true }, instance }, at(minute));
      visits.push(...r.visitsClosed.map((v) => ({ ...v, fields: v.given })));
    }
    const history = historyOf(workflow, { createdAt: T0, createdBy: 'li.na', fields: r.fields, state: r.state }, visits);
    expect(history.events.map((e) => e.instance)).toEqual([3, 1]);
    const outcome = replayTicket(workflow, history, T0 + 10 * 60_000);
    expect(outcome.kind).toBe('clean');
    if (outcome.kind !== 'blocked') expect(outcome.state.openVisits.map((v) => v.instance?.index)).toEqual([2]);
  });

  test('exports as multi-instance characteristics and round-trips; random walks agree', async () => {
    const xml = await exportBpmn(workflow.graph);
    expect(xml).toContain('<bpmn:multiInstanceLoopCharacteristics isSequential="true" camunda:collection="contacts" camunda:elementVariable="contact">');
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
    const random = seeded(17);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(workflow, random, 40, ORDER);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, instances(r), r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, instances(r), r.done]),
      );
    }
  });
});

describe('standard loops: the step again, bounded by loopMaximum', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture('standard-loop'));
  });

  test('without a condition the agent repeats it, a new visit per pass, until loopMaximum passes', () => {
    let r = startTicket(workflow, at(0));
    expect(r.allowedEvents).toEqual(['reached', 'give_up', 'repeat']);
    expect(workflow.steps.call!.actions.at(-1)).toEqual({ event: 'repeat', label: '重复 Repeat', flowId: 'call' });
    r = advance(workflow, r.state, { type: 'repeat' }, at(10));
    expect(closed(r)).toEqual([['call', 1, 'li.na', 'repeat']]);
    expect(instances(r)).toEqual([['call', 2, undefined]]);
    expect(r.timersArmed.map((t) => t.kind)).toEqual(['sla-warning', 'sla-breach']);
    r = advance(workflow, r.state, { type: 'repeat' }, at(20));
    expect(r.allowedEvents).toEqual(['reached', 'give_up']);
    expect(() => advance(workflow, r.state, { type: 'repeat' }, at(30))).toThrow(EventNotAllowedError);
    expect(advance(workflow, r.state, { type: 'reached' }, at(30)).done).toBe(true);
  });

  test('with a loop condition it runs again while the condition holds for the values just given, within loopMaximum', () => {
    let r = advance(workflow, startTicket(workflow, at(0)).state, { type: 'give_up' }, at(1));
    r = advance(workflow, r.state, { type: 'complete', fields: { verified: false } }, at(2));
    expect(instances(r)).toEqual([['verify', 2, undefined]]);
    r = advance(workflow, r.state, { type: 'complete', fields: { verified: false } }, at(3));
    expect(r.activeSteps).toEqual(['letter']);
    const verified = advance(
      workflow,
      advance(workflow, startTicket(workflow, at(0)).state, { type: 'give_up' }, at(1)).state,
      { type: 'complete', fields: { verified: true } },
      at(2),
    );
    expect(verified.activeSteps).toEqual(['letter']);
  });

  test('tested before the first pass: skipped when the condition does not hold', async () => {
    const before = await importBpmnOrThrow(
      fixture('standard-loop').replace(
        '<bpmn:standardLoopCharacteristics loopMaximum="2">',
        '<bpmn:standardLoopCharacteristics loopMaximum="2" testBefore="true">',
      ),
    );
    const skipped = advance(before, startTicket(before, at(0), { fields: { verified: true } }).state, { type: 'give_up' }, at(1));
    expect(skipped.activeSteps).toEqual(['letter']);
    const runs = advance(before, startTicket(before, at(0), { fields: { verified: false } }).state, { type: 'give_up' }, at(1));
    expect(runs.activeSteps).toEqual(['verify']);
  });

  test('exports as standard loop characteristics and round-trips; random walks agree', async () => {
    const xml = await exportBpmn(workflow.graph);
    expect(xml).toContain('<bpmn:standardLoopCharacteristics loopMaximum="3" />');
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
    const random = seeded(3);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(workflow, random, 40);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, instances(r), r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, instances(r), r.done]),
      );
    }
  });
});
