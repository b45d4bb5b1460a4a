import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import { historyOf, replayTicket } from '../../../server/engine/replay.js';
import { advance, fireTimer, startTicket, type Advance, type StepVisit } from '../../../server/engine/ticket-engine.js';
import type { Workflow } from '../../../server/engine/workflow.js';
import { sampleField, seeded } from '../../helpers/random-walk.js';

const dir = fileURLToPath(new URL('../../../workflows/', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.bpmn'))
  .sort();
/** A closed visit as the step log stores it: the event's values under `fields`. */
const asStored = ({ given, ...visit }: StepVisit) => (given ? { ...visit, fields: given } : visit);

const T0 = Date.parse('2026-01-05T09:00:00Z');
const WALKS = 60;

/**
 * A ticket as the server runs it: random allowed events at random moments, every timer fired when it falls
 * due (as the scheduler does), stopped at a random point while still open.
 */
function walk(workflow: Workflow, random: () => number): { results: Advance[]; now: number } {
  let now = T0;
  let result = startTicket(workflow, { now, actor: 'intake' }, { vip: random() < 0.2, fields: { channel: 'chat' } });
  const results = [result];
  const moves = Math.floor(random() * 12);
  for (let i = 0; i < moves && !result.done && result.allowedEvents.length; i++) {
    const at = now + Math.floor(random() * 3 * 3_600_000);
    for (let due = nextDue(result, at); due && !result.done; due = nextDue(result, at)) {
      result = fireTimer(workflow, result.state, due.key, { now: due.dueAt })!;
      results.push(result);
    }
    if (result.done || !result.allowedEvents.length) break;
    now = at;
    const type = result.allowedEvents[Math.floor(random() * result.allowedEvents.length)]!;
    const step = result.activeSteps.map((id) => workflow.steps[id]!).find((s) => s.actions.some((a) => a.event === type));
    const fields = Object.fromEntries((step?.fields ?? []).map((f) => [f.name, sampleField(f, random)]));
    try {
      result = advance(workflow, result.state, { type, fields }, { now, actor: `agent${i % 3}` });
    } catch {
      continue; // a condition with no way on for these values: an agent would pick others
    }
    results.push(result);
  }
  return { results, now };
}

function nextDue(result: Advance, until: number) {
  return [...result.state.timers].filter((t) => t.dueAt < until).sort((a, b) => a.dueAt - b.dueAt)[0];
}

describe('replaying a ticket through its own version gives back where it waits', () => {
  test.each(names)('%s: random open tickets replay clean, in the same steps with the same fields', async (name) => {
    const workflow = await importBpmnOrThrow(readFileSync(dir + name));
    const random = seeded(name.length * 7919);
    let replayed = 0;
    for (let n = 0; n < WALKS; n++) {
      const { results, now } = walk(workflow, random);
      const last = results[results.length - 1]!;
      if (last.done) continue;
      const history = historyOf(
        workflow,
        { createdAt: T0, createdBy: 'intake', fields: last.fields, state: last.state },
        results.flatMap((r) => r.visitsClosed.map(asStored)),
      );
      const outcome = replayTicket(workflow, history, now);
      expect({ walk: n, kind: outcome.kind, reason: outcome.kind === 'blocked' ? outcome.reason : undefined }).toEqual({
        walk: n,
        kind: 'clean',
        reason: undefined,
      });
      if (outcome.kind === 'blocked') continue;
      expect(outcome.steps.sort()).toEqual([...last.activeSteps].sort());
      expect(outcome.fields).toEqual(last.fields);
      expect(outcome.state.openVisits.map((v) => [v.step, v.enteredAt])).toEqual(last.state.openVisits.map((v) => [v.step, v.enteredAt]));
      replayed++;
    }
    expect(replayed).toBeGreaterThanOrEqual(5);
  });
});
