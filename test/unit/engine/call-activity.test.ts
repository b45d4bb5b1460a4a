import { readFileSync } from 'node:fs';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { linkCalls } from '../../../server/engine/compile/link-calls.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, fireTimer, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import { deliverMessage } from '../../../server/engine/ticket-triggers.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { AppError } from '../../../server/shared/errors.js';
import { bpmn, flow } from '../../helpers/bpmn.js';
import { linked } from '../../helpers/calls.js';
import { randomWalk, replay, seeded } from '../../helpers/random-walk.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');
const T0 = Date.parse('2026-01-05T09:00:00Z');
const at = (minutes: number) => ({ now: T0 + minutes * 60_000, actor: 'wang.fang' });

describe("call activities: another workflow's steps inside the ticket", () => {
  let caller: Workflow;
  let identity: Workflow;
  let runs: Workflow;
  beforeAll(async () => {
    caller = await importBpmnOrThrow(fixture('call-activity'));
    identity = await importBpmnOrThrow(fixture('identity-check'));
    runs = await linked(caller, { identity_check: identity });
  });

  test('compiles to a call site; a ticket cannot run it unlinked', () => {
    expect(caller.calls).toEqual({
      check_identity: {
        key: 'identity_check',
        state: 'check_identity',
        actions: [{ event: 'id_refused', label: 'ID refused', flowId: 'c7' }],
        catches: [{ kind: 'error', thrown: 'ID refused', host: 'check_identity', target: '#reject' }],
      },
    });
    expect(() => startTicket(caller, at(0))).toThrow(AppError);
  });

  test("the called steps run in the ticket, named by call path, with their limits, timers and the call activity's boundary actions", () => {
    let r = startTicket(runs, at(0));
    expect(r.state.calls).toEqual({ check_identity: { key: 'identity_check', version: 1 } });
    r = advance(runs, r.state, { type: 'complete' }, at(5));
    expect(r.activeSteps).toEqual(['check_identity/ask_id']);
    expect(r.allowedEvents).toEqual(['complete', 'id_refused']);
    expect(runs.steps['check_identity/ask_id']).toMatchObject({
      name: 'Ask for an ID document',
      owner: 'Agent',
      slaMs: 30 * 60_000,
      calledBy: { path: 'check_identity', key: 'identity_check', version: 1 },
    });
    expect(r.timersArmed.filter((t) => t.step === 'check_identity/ask_id').map((t) => t.kind)).toEqual(['sla-warning', 'sla-breach']);
    r = advance(runs, r.state, { type: 'complete' }, at(10));
    // Waiting on the customer inside the called workflow pauses the ticket's clock, as anywhere.
    expect(r.timersCancelled.map((t) => t.kind)).toContain('ticket-sla-breach');
    const lapse = r.state.timers.find((t) => t.timerId === 'check_identity/no_upload')!;
    const lapsed = fireTimer(runs, r.state, lapse.key, { now: lapse.dueAt })!;
    expect(lapsed.visitsClosed.map((v) => [v.step, v.event])).toEqual([['check_identity/wait_upload', 'timer.check_identity/no_upload']]);
    expect(lapsed.activeSteps).toEqual(['reject']);
    const uploaded = advance(runs, r.state, { type: 'uploaded' }, at(60));
    const paid = advance(runs, uploaded.state, { type: 'complete', fields: { idMatches: true } }, at(70));
    expect(paid.activeSteps).toEqual(['pay']);
    const refused = advance(runs, uploaded.state, { type: 'id_refused', fields: { idMatches: false } }, at(70));
    expect(refused.visitsClosed.map((v) => v.step)).toEqual(['check_identity/compare']);
    expect(refused.activeSteps).toEqual(['reject']);
  });

  test('calls nest, and one workflow may be called twice: each call path apart', async () => {
    const twice = await importBpmnOrThrow(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:callActivity id="first" calledElement="refund_with_id"/><bpmn:callActivity id="again" calledElement="identity_check"/><bpmn:endEvent id="e"/>${flow('s', 'first')}${flow('first', 'again')}${flow('again', 'e')}`,
        { id: 'twice' },
      ),
    );
    const nested = await linked(twice, { refund_with_id: caller, identity_check: identity });
    expect(Object.keys(nested.linked!).sort()).toEqual(['again', 'first', 'first/check_identity']);
    let r = startTicket(nested, at(0));
    expect(r.activeSteps).toEqual(['first/take_request']);
    r = advance(nested, r.state, { type: 'complete' }, at(1));
    expect(r.activeSteps).toEqual(['first/check_identity/ask_id']);
    expect(nested.steps['first/check_identity/ask_id']!.actions.map((a) => a.event)).toEqual(['complete', 'id_refused']);
    for (const event of ['complete', 'uploaded']) r = advance(nested, r.state, { type: event }, at(2));
    r = advance(nested, r.state, { type: 'complete', fields: { idMatches: false } }, at(3));
    r = advance(nested, r.state, { type: 'complete' }, at(4));
    expect(r.activeSteps).toEqual(['again/ask_id']);
  });

  test("an error end event of the called workflow takes the call activity's boundary; run alone, it ends the ticket", async () => {
    const strict = await importBpmnOrThrow(fixture('identity-check-strict'));
    const through = (workflow: Workflow, prefix: string, idMatches: boolean) => {
      let r = startTicket(workflow, at(0));
      for (const type of prefix ? ['complete', 'complete', 'uploaded'] : ['complete', 'uploaded']) r = advance(workflow, r.state, { type }, at(1));
      return advance(workflow, r.state, { type: 'complete', fields: { idMatches } }, at(2));
    };
    const alone = through(strict, '', false);
    expect(alone.visitsClosed.map((v) => v.step)).toEqual(['compare']);
    expect(alone.done).toBe(true);
    const withStrict = await linked(caller, { identity_check: strict });
    const refused = through(withStrict, 'check_identity/', false);
    expect(refused.visitsClosed.map((v) => [v.step, v.event])).toEqual([['check_identity/compare', 'complete']]);
    expect(refused.activeSteps).toEqual(['reject']);
    expect(through(withStrict, 'check_identity/', true).activeSteps).toEqual(['pay']);
    // Without a boundary catching it, the caller goes on after the call as after a plain end (here its gateway pays a refused ID).
    const plain = await importBpmnOrThrow(
      fixture('call-activity')
        .replace(/<bpmn:boundaryEvent id="refused"[\s\S]*?<\/bpmn:boundaryEvent>/, '')
        .replace(/<bpmn:sequenceFlow id="c7"[^>]*\/>/, '')
        .replace('idMatches = true', 'idMatches = false'),
    );
    expect(through(await linked(plain, { identity_check: strict }), 'check_identity/', false).activeSteps).toEqual(['pay']);
    // Nested one call deeper, the boundary's target is named by the caller's call path.
    const outer = await importBpmnOrThrow(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:callActivity id="first" calledElement="refund_with_id"/><bpmn:endEvent id="e"/>${flow('s', 'first')}${flow('first', 'e')}`,
        {
          id: 'outer',
        },
      ),
    );
    const nested = await linked(outer, { refund_with_id: caller, identity_check: strict });
    let r = startTicket(nested, at(0));
    for (const type of ['complete', 'complete', 'uploaded']) r = advance(nested, r.state, { type }, at(1));
    expect(advance(nested, r.state, { type: 'complete', fields: { idMatches: false } }, at(2)).activeSteps).toEqual(['first/reject']);
    // The end event exports as it came and compiles to the same machine.
    expect((await importBpmnOrThrow(await exportBpmn(strict.graph))).machine).toEqual(strict.machine);
  });

  test('a called escalation end event opens the path of a non-interrupting boundary on the call activity, and the caller goes on', async () => {
    const escalates = await importBpmnOrThrow(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:userTask id="work" name="Work"/><bpmn:endEvent id="needs_l2"><bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:endEvent>${flow('s', 'work')}${flow('work', 'needs_l2')}`,
        { id: 'first_line', extra: '<bpmn:escalation id="Esc" name="Needs L2"/>' },
      ),
    );
    const outer = await importBpmnOrThrow(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="first_line"/><bpmn:userTask id="after" name="Follow up"/><bpmn:endEvent id="e"/>
        <bpmn:boundaryEvent id="l2" name="Needs L2" attachedToRef="c" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:boundaryEvent>
        <bpmn:userTask id="l2_review" name="L2 review"/><bpmn:endEvent id="e2"/>
        ${flow('s', 'c')}${flow('c', 'after')}${flow('after', 'e')}${flow('l2', 'l2_review')}${flow('l2_review', 'e2')}`,
        { id: 'outer', extra: '<bpmn:escalation id="Esc" name="Needs L2"/>' },
      ),
    );
    expect(outer.calls!.c!.catches).toEqual([{ kind: 'escalation', host: 'c', target: '#l2', opens: 'l2__idle', thrown: 'Needs L2' }]);
    const runs = await linked(outer, { first_line: escalates });
    const r = advance(runs, startTicket(runs, at(0)).state, { type: 'complete' }, at(1));
    expect(r.activeSteps.sort()).toEqual(['after', 'l2_review']);
    expect(r.visitsClosed.map((v) => v.step)).toEqual(['c/work', 'l2']);
  });

  test("a called escalation throw event at process level reaches the call activity's boundary; alone, it goes on", async () => {
    const tells = await importBpmnOrThrow(
      bpmn(
        `<bpmn:startEvent id="s"/><bpmn:userTask id="work" name="Work"/><bpmn:intermediateThrowEvent id="tell"><bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:intermediateThrowEvent>
        <bpmn:userTask id="more" name="More work"/><bpmn:endEvent id="e"/>${flow('s', 'work')}${flow('work', 'tell')}${flow('tell', 'more')}${flow('more', 'e')}`,
        { id: 'first_line', extra: '<bpmn:escalation id="Esc" name="Needs L2"/>' },
      ),
    );
    expect(advance(tells, startTicket(tells, at(0)).state, { type: 'complete' }, at(1)).activeSteps).toEqual(['more']);
    const caller = (interrupting: boolean) =>
      importBpmnOrThrow(
        bpmn(
          `<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="first_line"/><bpmn:userTask id="after" name="Follow up"/><bpmn:endEvent id="e"/>
          <bpmn:boundaryEvent id="l2" attachedToRef="c" cancelActivity="${interrupting}"><bpmn:escalationEventDefinition escalationRef="Esc"/></bpmn:boundaryEvent>
          <bpmn:userTask id="l2_review" name="L2 review"/><bpmn:endEvent id="e2"/>
          ${flow('s', 'c')}${flow('c', 'after')}${flow('after', 'e')}${flow('l2', 'l2_review')}${flow('l2_review', 'e2')}`,
          { id: 'outer', extra: '<bpmn:escalation id="Esc" name="Needs L2"/>' },
        ),
      );
    const beside = await linked(await caller(false), { first_line: tells });
    const told = advance(beside, startTicket(beside, at(0)).state, { type: 'complete' }, at(1));
    expect(told.activeSteps.sort()).toEqual(['c/more', 'l2_review']);
    const instead = await linked(await caller(true), { first_line: tells });
    expect(advance(instead, startTicket(instead, at(0)).state, { type: 'complete' }, at(1)).activeSteps).toEqual(['l2_review']);
  });

  test('a called workflow with paths beside its steps (a parallel machine, state guards) runs inside its call activity as alone', async () => {
    const beside = await importBpmnOrThrow(fixture('beside-the-step'));
    const outer = await importBpmnOrThrow(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="${beside.key}"/><bpmn:endEvent id="e"/>${flow('s', 'c')}${flow('c', 'e')}`, {
        id: 'outer',
      }),
    );
    const runs = await linked(outer, { [beside.key]: beside });
    const called = (id: string | undefined) => id && `c/${id}`;
    const view = (r: Advance, strip: boolean) => [r.activeSteps.map((id) => (strip ? id.replace(/^c\//, '') : id)), r.allowedEvents, r.done];
    const random = seeded(41);
    let moves = 0;
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(beside, random, 25);
      // The ticket's own limit stays the caller's: a walk that lets the called workflow's run out ends here.
      const end = walk.moves.findIndex((m) => m.kind === 'timer' && !m.timerId && !m.step);
      const kept = end < 0 ? walk.moves : walk.moves.slice(0, end);
      const mirrored = {
        ...walk,
        moves: kept.map((m) => (m.kind === 'timer' ? { ...m, timerId: called(m.timerId), step: called(m.step) } : m)),
        results: walk.results.slice(0, kept.length + 1),
      };
      expect(replay(runs, mirrored).map((r) => view(r, true))).toEqual(mirrored.results.map((r) => view(r, false)));
      moves += kept.length;
    }
    expect(moves).toBeGreaterThan(100);
  });

  test('messages and signals a called workflow waits for reach the ticket; the catalogue takes in theirs', async () => {
    const requests = await importBpmnOrThrow(fixture('message-events'));
    const outer = await importBpmnOrThrow(
      bpmn(`<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="${requests.key}"/><bpmn:endEvent id="e"/>${flow('s', 'c')}${flow('c', 'e')}`, {
        id: 'outer',
      }),
    );
    const runs = await linked(outer, { [requests.key]: requests });
    expect(runs.triggers).toEqual(requests.triggers);
    expect(outer.triggers).toBeUndefined();
    const added = deliverMessage(runs, startTicket(runs, at(0)).state, { name: 'Customer added information', fields: { note: 'serial 42' } }, at(1));
    expect(added.activeSteps).toEqual(['c/diagnose', 'c/review']);
    const cancelled = deliverMessage(runs, startTicket(runs, at(0)).state, { name: 'Customer cancelled' }, at(1));
    expect(cancelled.done).toBe(true);
  });

  test('an unlinked call path is refused when linking', () => {
    expect(() => linkCalls(caller, {})).toThrow(AppError);
  });

  test('exports as a call activity, a pinned version as Camunda writes it, and round-trips; random walks agree', async () => {
    const pinned = await importBpmnOrThrow(
      fixture('call-activity')
        .replace('calledElement="identity_check"', 'calledElement="identity_check" camunda:calledElementBinding="version" camunda:calledElementVersion="2"')
        .replace('xmlns:sop=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:sop='),
    );
    expect(pinned.calls!.check_identity!.version).toBe(2);
    const xml = await exportBpmn(pinned.graph);
    expect(xml).toContain('calledElement="identity_check" camunda:calledElementBinding="version" camunda:calledElementVersion="2"');
    const again = await importBpmnOrThrow(xml);
    expect(again.machine).toEqual(pinned.machine);
    expect(again.calls).toEqual(pinned.calls);
    const runsAgain = await linked(await importBpmnOrThrow(await exportBpmn(caller.graph)), { identity_check: identity });
    const random = seeded(11);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(runs, random, 40);
      expect(replay(runsAgain, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });
});

describe('an automatic task with an error boundary awaits its outcome', () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = await importBpmnOrThrow(fixture('automatic-failure'));
  });

  test('it waits for the integration: its way on, the error (the failure path), or its timer', () => {
    const approved = advance(workflow, startTicket(workflow, at(0)).state, { type: 'complete' }, at(1));
    expect(workflow.steps.charge).toMatchObject({ kind: 'wait', owner: 'Finance', slaMs: 15 * 60_000 });
    expect(approved.activeSteps).toEqual(['charge']);
    expect(approved.allowedEvents).toEqual(['complete', 'card_declined']);
    const declined = advance(workflow, approved.state, { type: 'card_declined' }, { now: T0 + 2 * 60_000, actor: 'payment-gateway' });
    expect(declined.visitsClosed).toMatchObject([{ step: 'charge', event: 'card_declined', actor: 'payment-gateway', automatic: false }]);
    expect(declined.activeSteps).toEqual(['bank_transfer']);
    const done = advance(workflow, approved.state, { type: 'complete' }, { now: T0 + 2 * 60_000, actor: 'payment-gateway' });
    expect(done.visitsClosed.map((v) => [v.step, v.automatic])).toEqual([
      ['charge', false],
      ['confirm', true],
    ]);
    expect(done.done).toBe(true);
    const silent = approved.state.timers.find((t) => t.timerId === 'no_answer')!;
    const timedOut = fireTimer(workflow, approved.state, silent.key, { now: silent.dueAt })!;
    expect(timedOut.activeSteps).toEqual(['check_gateway']);
    expect(timedOut.reminders).toMatchObject([{ kind: 'escalation', step: 'charge', to: 'Finance' }]);
  });

  test('round-trips; random walks agree', async () => {
    const again = await importBpmnOrThrow(await exportBpmn(workflow.graph));
    expect(again.machine).toEqual(workflow.machine);
    expect(again.steps).toEqual(workflow.steps);
    const random = seeded(23);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(workflow, random, 40);
      expect(replay(again, walk).map((r) => [r.activeSteps, r.allowedEvents, r.done])).toEqual(
        walk.results.map((r) => [r.activeSteps, r.allowedEvents, r.done]),
      );
    }
  });
});
