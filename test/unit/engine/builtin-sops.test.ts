import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { randomWalk, seeded } from '../../helpers/random-walk.js';

const dir = fileURLToPath(new URL('../../../workflows/', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.bpmn'))
  .sort();
const workflows = new Map<string, Workflow>();

beforeAll(async () => {
  for (const name of names) workflows.set(name, await importBpmnOrThrow(readFileSync(dir + name)));
});

const T0 = Date.parse('2026-01-05T09:00:00Z');
const MIN = 60_000;

describe('built-in SOPs', () => {
  test('the five SOPs of PRODUCT §3 ship', () => {
    expect(names).toEqual(['complaint-handling.bpmn', 'customer-inquiry.bpmn', 'email-support.bpmn', 'phone-service.bpmn', 'standard-service.bpmn']);
  });

  test.each(names)('%s: every step has a name, and every step a person does has an owner, a limit and guidance', (name) => {
    const workflow = workflows.get(name)!;
    for (const step of Object.values(workflow.steps).filter((s) => s.kind === 'human')) {
      expect({ step: step.id, owner: !!step.owner, sla: !!step.slaMs, guidance: !!step.guidance }).toEqual({
        step: step.id,
        owner: true,
        sla: true,
        guidance: true,
      });
    }
  });

  test.each(names)('%s: 200 random walks always end closed or waiting, never stranded', (name) => {
    const workflow = workflows.get(name)!;
    const random = seeded(name.length * 7919);
    let closed = 0;
    for (let i = 0; i < 200; i++) {
      const walk = randomWalk(workflow, random);
      const last = walk.results.at(-1)!;
      if (last.done) closed++;
      else expect(last.activeSteps.length).toBeGreaterThan(0);
    }
    expect(closed).toBeGreaterThan(100);
  });

  test('customer inquiry: the L2 branch with its 2 h reminder, the 4 h status updates and a reopening', () => {
    const workflow = workflows.get('customer-inquiry.bpmn')!;
    let r = startTicket(workflow, { now: T0, actor: 'agent' }, { fields: { channel: 'phone' } });
    expect(r.activeSteps).toEqual(['Task_Answer']);
    expect(r.state.timers.map((t) => t.timerId).filter(Boolean)).toEqual(['Start_StatusUpdateDue']);
    r = advance(workflow, r.state, { type: 'answer' }, { now: T0 + 3 * MIN, actor: 'agent' });
    r = advance(workflow, r.state, { type: 'grade', fields: { level: 'L2' } }, { now: T0 + 8 * MIN, actor: 'agent' });
    expect(r.activeSteps).toEqual(['Task_L2TechSupport']);
    const firstResponse = r.state.timers.find((t) => t.timerId === 'Timer_L2FirstResponse')!;
    expect(firstResponse.dueAt).toBe(T0 + 8 * MIN + 2 * 60 * MIN);
    r = advance(workflow, r.state, { type: 'resolve' }, { now: T0 + 60 * MIN, actor: 'tech' });
    expect(r.timersCancelled.map((t) => t.timerId)).toContain('Timer_L2FirstResponse');
    r = advance(workflow, r.state, { type: 'send_feedback' }, { now: T0 + 70 * MIN, actor: 'agent' });
    r = advance(workflow, r.state, { type: 'record_follow_up', fields: { satisfaction: '2', resolved: 'false' } }, { now: T0 + 90 * MIN, actor: 'agent' });
    expect(r.activeSteps).toEqual(['Task_L2TechSupport']);
    expect(r.fields).toMatchObject({ level: 'L2', satisfaction: 2, resolved: false });
  });
});

describe('persisted ticket states written by an earlier build still restore', () => {
  const fixtures = fileURLToPath(new URL('../../fixtures/snapshots/', import.meta.url));
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));

  test('there is a fixture per built-in SOP', () => {
    expect(files.map((f) => f.replace(/\.json$/, '.bpmn')).sort()).toEqual(names);
  });

  test.each(files)('%s continues from its stored state', (file) => {
    const fixture = JSON.parse(readFileSync(fixtures + file, 'utf8')) as {
      state: never;
      next: { type: string; fields: Record<string, unknown> };
      expectActive: string[];
    };
    const workflow = workflows.get(file.replace(/\.json$/, '.bpmn'))!;
    const r = advance(workflow, fixture.state, fixture.next, { now: T0 + 24 * 60 * MIN, actor: 'agent' });
    expect(r.activeSteps.length + (r.done ? 1 : 0)).toBeGreaterThan(0);
    expect(r.done ? [] : r.activeSteps).toEqual(fixture.expectActive);
  });
});
