import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR, pinnedVerdicts } from '../../fixtures/corpus/verdicts.js';
import { exportBpmn } from '../../../server/engine/bpmn/export.js';
import { importBpmnOrThrow } from '../../../server/engine/import-bpmn.js';
import type { Advance } from '../../../server/engine/ticket-engine.js';
import { linked } from '../../helpers/calls.js';
import { randomWalk, replay, seeded, startsWithoutFields } from '../../helpers/random-walk.js';

const workflowsDir = fileURLToPath(new URL('../../../workflows/', import.meta.url));
const sources = [
  ...readdirSync(workflowsDir)
    .filter((f) => f.endsWith('.bpmn'))
    .map((f) => workflowsDir + f),
  fileURLToPath(new URL('../../fixtures/corpus/bpmn-miwg-test-suite/IBM BlueWorks Live April 2014/A.1.0-export.bpmn', import.meta.url)),
  fileURLToPath(new URL('../../fixtures/corpus/bpmn-engine/test/resources/lanes.bpmn', import.meta.url)),
  fileURLToPath(
    new URL('../../fixtures/corpus/flowable-examples/async-history/async-history-default-cfg/src/main/resources/test-process.bpmn20.xml', import.meta.url),
  ),
];
/** Every corpus file the importer accepts (verdicts.json) must round-trip too: translated JUEL, agent choices, chosen processes. */
const corpusAccepted = Object.entries(pinnedVerdicts())
  .filter(([, verdict]) => verdict.accepted)
  .map(([name]) => join(CORPUS_DIR, name))
  .filter((path) => !sources.includes(path));

/** What a person or the database sees of one engine call, without run-specific keys. */
function observable(result: Advance) {
  return {
    closed: result.visitsClosed.map((v) => [v.step, v.event, v.durationMs, v.breached]),
    active: result.activeSteps,
    allowed: result.allowedEvents,
    armed: result.timersArmed.map((t) => [t.kind, t.timerId, t.step, t.dueAt]),
    reminders: result.reminders,
    fields: result.fields,
    done: result.done,
  };
}

describe('round trip: compile(export(w)) behaves as w', () => {
  test.each([...sources, ...corpusAccepted].map((s) => [s.split('/').slice(-2).join('/'), s]))('%s', async (_name, path) => {
    const original = await importBpmnOrThrow(readFileSync(path));
    const xml = await exportBpmn(original.graph);
    const again = await importBpmnOrThrow(xml);
    expect(again.steps).toEqual(original.steps);
    expect(again.timers).toEqual(original.timers);
    expect(again.machine).toEqual(original.machine);
    expect(again.calls).toEqual(original.calls);
    // A ticket runs a workflow with call activities linked to what they call: here, one-step stand-ins.
    const [runs, runsAgain] = [await linked(original), await linked(again)];
    if (!startsWithoutFields(runs)) return;
    const random = seeded(42);
    for (let i = 0; i < 30; i++) {
      const walk = randomWalk(runs, random, 60);
      expect(replay(runsAgain, walk).map(observable)).toEqual(walk.results.map(observable));
    }
  });

  test('export of a second generation is stable', async () => {
    const original = await importBpmnOrThrow(readFileSync(sources[0]!));
    const once = await exportBpmn(original.graph);
    const twice = await exportBpmn((await importBpmnOrThrow(once)).graph);
    expect(twice).toBe(once);
  });
});
