import { importBpmn } from '../../../server/engine/import-bpmn.js';

const NS = 'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"';
const process = (id: string, executable: boolean | undefined, name = id) =>
  `<process id="${id}" name="${name}"${executable === undefined ? '' : ` isExecutable="${executable}"`}>` +
  `<startEvent id="${id}_s"/><userTask id="${id}_u" name="Work ${id}"/><endEvent id="${id}_e"/>` +
  `<sequenceFlow id="${id}_f1" sourceRef="${id}_s" targetRef="${id}_u"/><sequenceFlow id="${id}_f2" sourceRef="${id}_u" targetRef="${id}_e"/></process>`;
const collaboration = (...pools: string[]) =>
  `<collaboration id="c">${pools.map((p) => `<participant id="pool_${p}" name="Pool ${p}" processRef="${p}"/>`).join('')}</collaboration>`;
const file = (...parts: string[]) => `<?xml version="1.0"?><definitions ${NS} id="d" targetNamespace="t">${parts.join('')}</definitions>`;

describe('a file with several processes: never a silent partial import', () => {
  test('a collaboration with two executable processes is refused, each candidate named by id', async () => {
    const xml = file(collaboration('desk', 'backoffice'), process('desk', true), process('backoffice', true));
    const { workflow, problems } = await importBpmn(xml);
    expect(workflow).toBeUndefined();
    expect(problems.map((p) => [p.elementId, p.type, p.code])).toEqual([
      ['desk', 'process', 'ambiguous_process'],
      ['backoffice', 'process', 'ambiguous_process'],
    ]);
    expect(problems[0]!.message).toMatch(/2 executable processes \(desk \("desk"\), backoffice \("backoffice"\)\): choose one with \?process=ID/);
  });

  test('the process option chooses one; the other is named in a warning; the chosen pool is kept', async () => {
    const xml = file(collaboration('desk', 'backoffice'), process('desk', true), process('backoffice', true));
    const { workflow, problems, warnings } = await importBpmn(xml, undefined, { process: 'backoffice' });
    expect(problems).toEqual([]);
    expect(workflow).toMatchObject({ key: 'backoffice', graph: { pool: { id: 'pool_backoffice', name: 'Pool backoffice' } } });
    expect(Object.keys(workflow!.steps)).toEqual(['backoffice_u']);
    expect(warnings).toEqual([
      expect.objectContaining({ elementId: 'desk', code: 'process_left_out', severity: 'warning', message: expect.stringMatching(/\?process=desk/) }),
    ]);
  });

  test('a process option naming no process is refused with the ones there are', async () => {
    const { problems } = await importBpmn(file(process('desk', true)), undefined, { process: 'nope' });
    expect(problems).toEqual([expect.objectContaining({ code: 'unknown_process', message: expect.stringMatching(/no process "nope"; its processes: desk/) })]);
    // the asked id and those the file holds as values, for a page to word the problem in its reader's language
    expect(problems[0]!.values).toEqual({ process: 'nope', known: expect.stringMatching(/^desk/) });
  });

  test('the only executable process is imported and the others are named in warnings', async () => {
    const xml = file(collaboration('desk', 'customer'), process('desk', true), process('customer', false));
    const { workflow, warnings } = await importBpmn(xml);
    expect(workflow?.key).toBe('desk');
    expect(warnings.map((w) => [w.elementId, w.code])).toEqual([['customer', 'process_left_out']]);
  });

  test('no executable process and two with steps: refused, both named', async () => {
    const { problems } = await importBpmn(file(process('a', undefined), process('b', false)));
    expect(problems.map((p) => [p.elementId, p.code])).toEqual([
      ['a', 'ambiguous_process'],
      ['b', 'ambiguous_process'],
    ]);
  });

  test('empty pools (an external customer) are neither candidates nor warnings', async () => {
    const empty = '<process id="customer" isExecutable="false"/>';
    const { workflow, warnings } = await importBpmn(file(collaboration('desk', 'customer'), process('desk', undefined), empty));
    expect(workflow?.key).toBe('desk');
    expect(warnings).toEqual([]);
  });
});
