import { readFileSync } from 'node:fs';
import { bpmn, flow } from '../../helpers/bpmn.js';
import { sampleField, seeded } from '../../helpers/random-walk.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { AppError, InvalidBpmnError } from '../../../server/shared/errors.js';
import { rejection } from './support/inspect.js';
import type { TestApp } from './support/play.js';

const PUBLISHER = 'manager@sopflow.test';
const AGENT = 'li.na@agents.test';
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bpmn/${name}.bpmn`, import.meta.url), 'utf8');
const IDENTITY = fixture('identity-check');
const CALLER = fixture('call-activity');
const ORDER = { lines: ['A-1', 'A-2', 'A-3'], contacts: ['Ann', 'Bob'] };

/** The codes and elements a refused publish names. */
async function refusedWith(promise: Promise<unknown>): Promise<string[]> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(InvalidBpmnError);
  return (error as InvalidBpmnError).problems.map((p) => `${p.elementId} ${p.code}`);
}

/** Drives a ticket with random allowed events (fields sampled for the step that takes each) until it closes: what an agent could do. */
async function walk(app: TestApp, id: number, random: () => number): Promise<void> {
  for (let move = 0; move < 40; move++) {
    const ticket = await app.tickets.get(id);
    if (ticket.status === 'closed' || !ticket.allowedEvents.length) return;
    const type = ticket.allowedEvents[Math.floor(random() * ticket.allowedEvents.length)]!;
    const step = ticket.steps.find((s) => s.actions.some((a) => a.event === type))!;
    const fields = Object.fromEntries(step.fields.map((f) => [f.name, sampleField(f, random)]));
    await app.tickets.advance(id, { type, fields, ...(step.instance?.count ? { instance: step.instance.index } : {}) }, AGENT).catch((error: unknown) => {
      if (!(error instanceof AppError)) throw error;
    });
  }
}

eachDatabase('call activities and looping steps, stored', (database) => {
  let app: TestApp;
  beforeEach(async () => {
    app = await openTestSopflow(database(), { workflows: [] });
  });
  afterEach(() => app.close());

  test('publishing refuses a call to an unknown key or version, and calls that come back to their workflow', async () => {
    expect(await refusedWith(app.workflows.import(CALLER, PUBLISHER))).toEqual(['check_identity unknown_called_element']);
    await app.workflows.import(IDENTITY, PUBLISHER);
    const pinned = CALLER.replace(
      'calledElement="identity_check"',
      'calledElement="identity_check" camunda:calledElementBinding="version" camunda:calledElementVersion="4"',
    ).replace('xmlns:sop=', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:sop=');
    expect(await refusedWith(app.workflows.import(pinned, PUBLISHER))).toEqual(['check_identity unknown_called_element']);
    await app.workflows.import(CALLER, PUBLISHER);
    // identity_check calling refund_with_id, which calls identity_check: a cycle, named where it starts.
    const back = IDENTITY.replace(
      '<bpmn:endEvent id="checked" name="Checked"/>',
      '<bpmn:callActivity id="again" calledElement="refund_with_id"/><bpmn:endEvent id="checked" name="Checked"/>',
    ).replace(
      '<bpmn:sequenceFlow id="i4" sourceRef="compare" targetRef="checked"/>',
      '<bpmn:sequenceFlow id="i4" sourceRef="compare" targetRef="again"/><bpmn:sequenceFlow id="i6" sourceRef="again" targetRef="checked"/>',
    );
    expect(await refusedWith(app.workflows.import(back, PUBLISHER))).toEqual(['again call_cycle']);
    const itself = back.replace('calledElement="refund_with_id"', 'calledElement="identity_check"');
    expect(await refusedWith(app.workflows.import(itself, PUBLISHER))).toEqual(['again call_cycle']);
    expect((await app.workflows.versions('identity_check')).map((v) => v.version)).toEqual([1]);
  });

  test('a ticket runs the latest called version at its start, keeps it, and logs the called steps', async () => {
    await app.workflows.import(IDENTITY, PUBLISHER);
    await app.workflows.import(CALLER, PUBLISHER);
    const first = await app.tickets.create({ workflow: 'refund_with_id', channel: 'chat', subject: 'refund please', customer: { name: 'Zhao' } }, AGENT);
    expect(first.calls).toEqual({ check_identity: { key: 'identity_check', version: 1 } });
    await app.workflows.import(IDENTITY.replace('sla="PT30M"', 'sla="PT45M"'), PUBLISHER);
    const second = await app.tickets.create({ workflow: 'refund_with_id', channel: 'chat', subject: 'mine too', customer: { name: 'Qian' } }, AGENT);
    expect(second.calls).toEqual({ check_identity: { key: 'identity_check', version: 2 } });
    for (const ticket of [first, second]) {
      await app.tickets.advance(ticket.id, { type: 'complete' }, AGENT);
      const inside = await app.tickets.get(ticket.id);
      expect(inside.steps).toMatchObject([
        { id: 'check_identity/ask_id', name: 'Ask for an ID document', calledBy: { key: 'identity_check', version: ticket === first ? 1 : 2 } },
      ]);
      expect(inside.steps[0]!.slaMs).toBe((ticket === first ? 30 : 45) * 60_000);
      for (const type of ['complete', 'uploaded']) await app.tickets.advance(ticket.id, { type }, AGENT);
      await app.tickets.advance(ticket.id, { type: 'complete', fields: { idMatches: true } }, AGENT);
      await app.tickets.advance(ticket.id, { type: 'complete' }, AGENT);
      const done = await app.tickets.get(ticket.id);
      expect(done.status).toBe('closed');
      expect(done.stepLog.map((row) => [row.step, row.stepName, row.event])).toEqual([
        ['take_request', 'Take the refund request', 'complete'],
        ['check_identity/ask_id', 'Ask for an ID document', 'complete'],
        ['check_identity/wait_upload', 'Wait for the upload', 'uploaded'],
        ['check_identity/compare', 'Compare the ID with the account', 'complete'],
        ['pay', 'Pay the refund', 'complete'],
      ]);
    }
  });

  test("a called workflow's error end event takes the call activity's boundary; published alone, its ticket ends there", async () => {
    await app.workflows.import(fixture('identity-check-strict'), PUBLISHER);
    await app.workflows.import(CALLER, PUBLISHER);
    const alone = await app.tickets.create({ workflow: 'identity_check', channel: 'chat', subject: 'id', customer: { name: 'Wu' } }, AGENT);
    const called = await app.tickets.create({ workflow: 'refund_with_id', channel: 'chat', subject: 'refund', customer: { name: 'Zheng' } }, AGENT);
    for (const [ticket, types] of [
      [alone, ['complete', 'uploaded']],
      [called, ['complete', 'complete', 'uploaded']],
    ] as const) {
      for (const type of types) await app.tickets.advance(ticket.id, { type }, AGENT);
      await app.tickets.advance(ticket.id, { type: 'complete', fields: { idMatches: false } }, AGENT);
    }
    expect((await app.tickets.get(alone.id)).status).toBe('closed');
    const refused = await app.tickets.get(called.id);
    expect(refused.steps.map((s) => s.id)).toEqual(['reject']);
    expect(refused.stepLog.map((row) => [row.step, row.event])).toEqual([
      ['take_request', 'complete'],
      ['check_identity/ask_id', 'complete'],
      ['check_identity/wait_upload', 'uploaded'],
      ['check_identity/compare', 'complete'],
      ['reject', undefined],
    ]);
  });

  test('a signal reaches tickets whose called workflow waits for it', async () => {
    await app.workflows.import(fixture('signal-events'), PUBLISHER);
    const caller = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:callActivity id="outage" calledElement="outage_ticket"/><bpmn:endEvent id="e"/>${flow('s', 'outage')}${flow('outage', 'e')}`,
      { id: 'calls_outage' },
    );
    await app.workflows.import(caller, PUBLISHER);
    const ticket = await app.tickets.create({ workflow: 'calls_outage', channel: 'chat', subject: 'down', customer: { name: 'Feng' } }, AGENT);
    for (const type of ['complete', 'yes']) await app.tickets.advance(ticket.id, { type }, AGENT);
    expect((await app.tickets.get(ticket.id)).state).toEqual(['outage/wait_fix']);
    await app.signals.raise('Outage resolved', PUBLISHER);
    expect(await app.signals.runDue()).toBe(1);
    expect((await app.tickets.get(ticket.id)).state).toEqual(['outage/confirm']);
  });

  test('a migration of a ticket inside a call replays its called steps, the call keeping its version', async () => {
    await app.workflows.import(IDENTITY, PUBLISHER);
    await app.workflows.import(CALLER, PUBLISHER);
    const ticket = await app.tickets.create({ workflow: 'refund_with_id', channel: 'chat', subject: 'refund', customer: { name: 'Sun' } }, AGENT);
    for (const type of ['complete', 'complete']) {
      app.clock.advance(60_000);
      await app.tickets.advance(ticket.id, { type }, AGENT);
    }
    await app.workflows.import(IDENTITY.replace('sla="PT30M"', 'sla="PT45M"'), PUBLISHER);
    await app.workflows.import(CALLER.replace('sla="P1D"', 'sla="P2D"'), PUBLISHER);
    const plan = await app.migrations.plan('refund_with_id', 1, 2);
    expect(plan.tickets).toMatchObject([{ id: ticket.id, outcome: 'clean', to: ['check_identity/wait_upload'] }]);
    await app.migrations.apply('refund_with_id', 1, 2, [{ id: ticket.id, revision: plan.tickets[0]!.revision }], PUBLISHER);
    const moved = await app.tickets.get(ticket.id);
    expect(moved).toMatchObject({ version: 2, calls: { check_identity: { key: 'identity_check', version: 1 } }, state: ['check_identity/wait_upload'] });
  });

  test('multi-instance steps log each instance with its item; the event names its instance; a migration replays them', async () => {
    await app.workflows.import(fixture('multi-instance'), PUBLISHER);
    const ticket = await app.tickets.create(
      { workflow: 'order_refund', channel: 'email', subject: 'three lines', customer: { name: 'Zhou' }, fields: ORDER },
      AGENT,
    );
    expect(ticket.steps.map((s) => s.instance)).toEqual([
      { index: 1, count: 3, item: 'A-1' },
      { index: 2, count: 3, item: 'A-2' },
      { index: 3, count: 3, item: 'A-3' },
    ]);
    await app.tickets.advance(ticket.id, { type: 'complete', fields: { back: true }, instance: 2 }, AGENT);
    const after = await app.tickets.get(ticket.id);
    expect(after.steps.map((s) => s.instance!.index)).toEqual([1, 3]);
    expect(after.stepLog.filter((row) => row.step === 'check_line').map((row) => [row.instance, row.exitedAt !== undefined])).toEqual([
      [{ index: 1, count: 3, item: 'A-1' }, false],
      [{ index: 2, count: 3, item: 'A-2' }, true],
      [{ index: 3, count: 3, item: 'A-3' }, false],
    ]);
    await app.workflows.import(fixture('multi-instance').replace('sla="PT2H"', 'sla="PT3H"'), PUBLISHER);
    const plan = await app.migrations.plan('order_refund', 1, 2);
    expect(plan.tickets).toMatchObject([{ id: ticket.id, outcome: 'clean' }]);
    await app.migrations.apply('order_refund', 1, 2, [{ id: ticket.id, revision: plan.tickets[0]!.revision }], PUBLISHER);
    expect((await app.tickets.get(ticket.id)).steps.map((s) => [s.instance!.index, s.slaMs])).toEqual([
      [1, 3 * 3_600_000],
      [3, 3 * 3_600_000],
    ]);
  });

  test('random walks through the stored tickets of every construct end with a step log that matches what the engine did', async () => {
    await app.workflows.import(IDENTITY, PUBLISHER);
    for (const name of ['call-activity', 'multi-instance', 'standard-loop', 'automatic-failure']) await app.workflows.import(fixture(name), PUBLISHER);
    const random = seeded(29);
    for (const [workflow, fields] of [
      ['refund_with_id', {}],
      ['order_refund', ORDER],
      ['callback', {}],
      ['card_refund', {}],
    ] as const) {
      for (let i = 0; i < 4; i++) {
        const ticket = await app.tickets.create({ workflow, channel: 'chat', subject: `walk ${i}`, customer: { name: 'Walker' }, fields }, AGENT);
        await walk(app, ticket.id, random);
        const detail = await app.tickets.get(ticket.id);
        const open = detail.stepLog.filter((row) => row.exitedAt === undefined && !row.automatic);
        expect(open.map((row) => [row.step, row.instance?.index])).toEqual(detail.steps.map((s) => [s.id, s.instance?.index]));
        expect(detail.stepLog.every((row) => row.exitedAt === undefined || row.event !== undefined)).toBe(true);
      }
    }
  });
});
