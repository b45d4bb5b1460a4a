import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { advance, startTicket, type Advance } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { effectsOf, revisionAfter } from '../../../server/services/tickets/ticket-effects.js';
import { AppError } from '../../../server/shared/errors.js';
import { compile } from '../../helpers/bpmn.js';
import { SELF_LOOP_BPMN } from '../../helpers/hostile-bpmn.js';
import { linked } from '../../helpers/calls.js';
import { randomWalk, sampleField, seeded, startsWithoutFields } from '../../helpers/random-walk.js';
import { CORPUS_DIR, pinnedVerdicts } from '../../fixtures/corpus/verdicts.js';

const WORKFLOWS_DIR = new URL('../../../workflows/', import.meta.url);
const FIXTURES = fileURLToPath(new URL('../../fixtures/bpmn/', import.meta.url));

/** Every workflow SOPflow accepts that we hold: the built-in SOPs, the corpus files it accepts, the self-loop. */
async function acceptedWorkflows(): Promise<Array<[string, Workflow]>> {
  const builtIn = readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.bpmn'));
  const corpus = Object.entries(pinnedVerdicts())
    .filter(([, verdict]) => verdict.accepted)
    .map(([file]) => file);
  return [
    ...(await Promise.all(
      builtIn.map(async (f) => [`workflows/${f}`, await importBpmnOrThrow(readFileSync(new URL(f, WORKFLOWS_DIR)))] as [string, Workflow]),
    )),
    ...(await Promise.all(
      corpus.map(async (f) => [`corpus/${f}`, await linked(await importBpmnOrThrow(readFileSync(join(CORPUS_DIR, f))))] as [string, Workflow]),
    )),
    ['self-loop', await compile(SELF_LOOP_BPMN)],
    ...(await Promise.all(
      ['standard-loop', 'multi-instance', 'automatic-failure'].map(
        async (f) => [`fixtures/${f}`, await importBpmnOrThrow(readFileSync(join(FIXTURES, `${f}.bpmn`)))] as [string, Workflow],
      ),
    )),
    [
      'fixtures/call-activity',
      await linked(await importBpmnOrThrow(readFileSync(join(FIXTURES, 'call-activity.bpmn'))), {
        identity_check: await importBpmnOrThrow(readFileSync(join(FIXTURES, 'identity-check.bpmn'))),
      }),
    ],
  ];
}

/** The fields some workflows need at intake to show what they do: the lists a multi-instance step runs over. */
const INTAKE: Record<string, Record<string, unknown>> = { 'fixtures/multi-instance': { lines: ['A-1', 'A-2', 'A-3'], contacts: ['Ann', 'Bob'] } };

/** An allowed event is refused (a domain error: nothing stored), or it is a stored change: revision + 1 and step-log rows. */
function checkStored(workflow: Workflow, before: Advance, type: string, fields: Record<string, unknown>, now: number): 'stored' | 'refused' {
  let after: Advance;
  try {
    after = advance(workflow, before.state, { type, fields }, { now, actor: 'prober' });
  } catch (error) {
    if (error instanceof AppError) return 'refused';
    throw error;
  }
  const where = `${type} from ${before.activeSteps.join(', ')}`;
  expect({ where, revision: revisionAfter(7, after) }).toEqual({ where, revision: 8 });
  expect({ where, closed: after.visitsClosed.length > 0 }).toEqual({ where, closed: true });
  expect({ where, rows: effectsOf(workflow, after, before.state, now).stepLog.length > 0 }).toEqual({ where, rows: true });
  return 'stored';
}

describe('every allowed event is a stored change (issue 13, item 4)', () => {
  let workflows: Array<[string, Workflow]>;
  beforeAll(async () => {
    workflows = await acceptedWorkflows();
  });

  test('over every accepted workflow, from every state random walks reach, each allowed event advances the revision and logs a step', () => {
    expect(workflows.length).toBeGreaterThanOrEqual(18);
    let stored = 0;
    for (const [name, workflow] of workflows.filter(([, w]) => startsWithoutFields(w))) {
      const random = seeded(name.length * 7919);
      for (let walk = 0; walk < 12; walk++) {
        const { results } = randomWalk(workflow, random, 40, INTAKE[name]);
        for (const [i, result] of results.entries()) {
          if (result.done) continue;
          const now = Date.parse('2026-01-05T09:00:00Z') + (i + 1) * 60_000;
          for (const type of result.allowedEvents) {
            const step = result.activeSteps.map((id) => workflow.steps[id]!).find((s) => s.actions.some((a) => a.event === type))!;
            const fields = Object.fromEntries(step.fields.map((f) => [f.name, sampleField(f, random)]));
            if (checkStored(workflow, result, type, fields, now) === 'stored') stored++;
          }
        }
      }
    }
    expect(stored).toBeGreaterThan(1000);
  });

  test('a flow from a step to itself re-enters the step: the visit is closed and a new one opened, its limit re-armed', async () => {
    const workflow = await compile(SELF_LOOP_BPMN);
    const opened = startTicket(workflow, { now: 0, actor: 'a' });
    expect(opened.allowedEvents.sort()).toEqual(['reached', 'retry']);
    const retried = advance(workflow, opened.state, { type: 'retry' }, { now: 60_000, actor: 'a' });
    expect(retried.visitsClosed).toMatchObject([{ step: 'Task_Contact', event: 'retry', durationMs: 60_000 }]);
    expect(retried.visitsOpened).toMatchObject([{ step: 'Task_Contact', enteredAt: 60_000 }]);
    expect(retried.visitsOpened[0]!.visit).not.toBe(opened.visitsOpened[0]!.visit);
    expect(retried.timersCancelled.map((t) => t.kind).sort()).toEqual(['bpmn', 'sla-breach', 'sla-warning']);
    expect(retried.timersArmed.map((t) => t.kind).sort()).toEqual(['bpmn', 'sla-breach', 'sla-warning']);
    expect(revisionAfter(1, retried)).toBe(2);
  });

  test('a version compiled before the fix (no reenter in its stored machine) re-enters its step too', async () => {
    const workflow = await compile(SELF_LOOP_BPMN);
    const stored = JSON.parse(JSON.stringify(workflow, (key, value: unknown) => (key === 'reenter' ? undefined : value))) as Workflow;
    expect(JSON.stringify(stored.machine)).not.toContain('reenter');
    const opened = startTicket(stored, { now: 0, actor: 'a' });
    const retried = advance(stored, opened.state, { type: 'retry' }, { now: 1000, actor: 'a' });
    expect(retried.visitsClosed).toHaveLength(1);
    expect(retried.visitsOpened).toHaveLength(1);
  });
});
