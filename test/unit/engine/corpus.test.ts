import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { CORPUS_DIR as corpus, corpusFiles, pinnedVerdicts, verdictOf } from '../../fixtures/corpus/verdicts.js';

const files = corpusFiles();
const pinned = pinnedVerdicts();

describe('real-world BPMN corpus (test/fixtures/corpus, see its SOURCES.md)', () => {
  test('holds the copied files, each with a pinned verdict (verdicts.json, from pin-verdicts.ts) and no pin without its file', () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
    expect(Object.keys(pinned).sort()).toEqual(files);
  });

  test.each(files)('%s: the pinned verdict (accepted, or refused with its code and problem elements)', async (name) => {
    const verdict = await verdictOf(name);
    expect({ name, ...verdict }).toEqual({ name, ...pinned[name] });
  });

  test.each(files.map((f) => [f, join(corpus, f)]))('%s compiles or is rejected with element ids', async (_name, path) => {
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

  test('timers whose expression a modeler dropped are refused by timer id, so an editor can fill them', async () => {
    const { problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn')));
    expect(problems).toEqual([
      { elementId: 'Event_0r6z74c', type: 'boundaryEvent', code: 'invalid_timer', severity: 'error', message: expect.stringMatching(/no time expression/) },
      { elementId: 'Event_08bx9nv', type: 'boundaryEvent', code: 'invalid_timer', severity: 'error', message: expect.stringMatching(/no time expression/) },
    ]);
  });

  test('a file with invalid UTF-8 bytes is refused as a document, not half-read', async () => {
    const { workflow, problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-miwg-test-suite/GenMyModel 0.47/C.1.0-export.bpmn')));
    expect(workflow).toBeUndefined();
    expect(problems).toEqual([
      { elementId: 'document', type: 'xml', code: 'unsupported_encoding', severity: 'error', message: expect.stringMatching(/not valid utf-8/) },
    ]);
  });

  test('Chinese labels survive (bpmn-engine issue-187)', async () => {
    const { problems } = await importBpmn(readFileSync(join(corpus, 'bpmn-engine/test/resources/issue-187.bpmn')));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.elementId !== 'document')).toBe(true);
  });
});
