import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importBpmn } from '../../../server/engine/import-bpmn.js';

const corpus = fileURLToPath(new URL('../../fixtures/corpus/', import.meta.url));

function bpmnFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return bpmnFiles(path);
    return /\.(bpmn|bpmn20\.xml)$/.test(name) ? [path] : [];
  });
}

const files = bpmnFiles(corpus);

/** Files whose verdict we know from reading them: a regression in either direction shows here. */
const EXPECTED_TO_COMPILE = [
  'bpmn-miwg-test-suite/Reference/A.1.0.bpmn',
  'bpmn-miwg-test-suite/Reference/C.9.1.bpmn',
  'bpmn-miwg-test-suite/ibo Prometheus 3.9.0.0/A.1.0-roundtrip.bpmn',
  'bpmn-engine/test/resources/lanes.bpmn',
  'bpmn-engine/test/resources/timer-event.bpmn',
  'flowable-examples/async-history/async-history-default-cfg/src/main/resources/test-process.bpmn20.xml',
];

describe('real-world BPMN corpus (test/fixtures/corpus, see its SOURCES.md)', () => {
  test('holds the copied files', () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
  });

  test.each(files.map((f) => [relative(corpus, f), f]))('%s compiles or is rejected with element ids', async (_name, path) => {
    const { workflow, problems } = await importBpmn(readFileSync(path));
    if (workflow) {
      expect(problems).toEqual([]);
      expect(Object.keys(workflow.steps).length + Object.keys(workflow.machine.states).length).toBeGreaterThan(0);
      return;
    }
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.elementId).toMatch(/\S/);
      expect(problem.type).toMatch(/^[a-zA-Z]+$/);
      expect(problem.message).toMatch(/\S/);
      expect(problem.message).not.toMatch(/\n|    at /);
    }
    const ids = problems.map((p) => p.elementId).filter((id) => id !== 'document');
    const text = readFileSync(path, 'latin1');
    for (const id of ids) expect(text.includes(id) || id === 'document').toBe(true);
  });

  test.each(EXPECTED_TO_COMPILE)('%s compiles', async (name) => {
    const { workflow, problems } = await importBpmn(readFileSync(join(corpus, name)));
    expect(problems).toEqual([]);
    expect(workflow).toBeDefined();
  });

  test('timers whose expression a modeler dropped are refused by timer id, so an editor can fill them', async () => {
    const { problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn')));
    expect(problems).toEqual([
      { elementId: 'Event_0r6z74c', type: 'boundaryEvent', message: expect.stringMatching(/no time expression/) },
      { elementId: 'Event_08bx9nv', type: 'boundaryEvent', message: expect.stringMatching(/no time expression/) },
    ]);
  });

  test('a file with invalid UTF-8 bytes is refused as a document, not half-read', async () => {
    const { workflow, problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-miwg-test-suite/GenMyModel 0.47/C.1.0-export.bpmn')));
    expect(workflow).toBeUndefined();
    expect(problems).toEqual([{ elementId: 'document', type: 'xml', message: expect.stringMatching(/not valid utf-8/) }]);
  });

  test('Chinese labels survive (bpmn-engine issue-187)', async () => {
    const { problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-engine/test/resources/issue-187.bpmn')));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.elementId !== 'document')).toBe(true);
  });
});
