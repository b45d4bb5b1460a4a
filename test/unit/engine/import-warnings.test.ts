import { importBpmn } from '../../../server/engine/import-bpmn.js';
import { bpmn, flow, linear, timer } from '../../helpers/bpmn.js';

const VENDOR = 'xmlns:acme="http://acme.example/modeler"';
const withVendor = (body: string, extra = '') => bpmn(body, { extra }).replace('<bpmn:definitions ', `<bpmn:definitions ${VENDOR} `);

describe('BPMN import: modeler noise is a warning, never a refusal; what changes the flow stays an error', () => {
  test('an unknown vendor element inside a task is a warning with its line; the workflow imports', async () => {
    const xml = withVendor(linear('<bpmn:userTask id="u"><acme:colour value="red"/></bpmn:userTask>'));
    const { workflow, problems, warnings } = await importBpmn(xml);
    expect(problems).toEqual([]);
    expect(workflow?.steps.u).toBeDefined();
    expect(warnings).toEqual([expect.objectContaining({ code: 'unknown_element', severity: 'warning', line: expect.any(Number), column: expect.any(Number) })]);
  });

  test('extension elements and vendor attributes import without a word', async () => {
    const xml = withVendor(
      linear('<bpmn:userTask id="u" acme:x="1"><bpmn:extensionElements><acme:anything deep="yes"/></bpmn:extensionElements></bpmn:userTask>'),
    );
    expect(await importBpmn(xml)).toMatchObject({ problems: [], warnings: [] });
  });

  test('a diagram shape pointing at nothing is a warning naming the shape', async () => {
    const diagram = `<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p"><bpmndi:BPMNShape id="ghost_di" bpmnElement="ghost"><dc:Bounds x="0" y="0" width="10" height="10"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`;
    const xml = bpmn(linear('<bpmn:userTask id="u"/>'))
      .replace('</bpmn:definitions>', `${diagram}</bpmn:definitions>`)
      .replace(
        '<bpmn:definitions ',
        '<bpmn:definitions xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ',
      );
    const { workflow, warnings } = await importBpmn(xml);
    expect(workflow).toBeDefined();
    expect(warnings).toEqual([expect.objectContaining({ elementId: 'ghost_di', code: 'diagram_reference', severity: 'warning' })]);
  });

  test('a flow whose target names nothing is an error, once (not also "dangling")', async () => {
    const xml = bpmn(`${linear('<bpmn:userTask id="u"/>')}<bpmn:sequenceFlow id="ghost" sourceRef="u" targetRef="nowhere"/>`);
    const { workflow, problems } = await importBpmn(xml);
    expect(workflow).toBeUndefined();
    expect(problems.filter((p) => p.elementId === 'ghost')).toEqual([expect.objectContaining({ code: 'unresolved_reference', severity: 'error' })]);
  });

  test('malformed XML is refused with line and column', async () => {
    const xml = bpmn(linear('<bpmn:userTask id="u">\n  <bpmn:documentation>open</bpmn:userTask>'));
    const { problems } = await importBpmn(xml);
    expect(problems).toEqual([expect.objectContaining({ elementId: 'document', code: 'malformed_xml', line: expect.any(Number), column: expect.any(Number) })]);
    expect(problems[0]!.message).toMatch(/closing tag mismatch \(line \d+, column \d+\)/);
    const lines = xml.split('\n');
    expect(lines[problems[0]!.line! - 1]).toContain('</bpmn:userTask>');
  });

  test('undeclared prefixes are refused, on elements and on attributes', async () => {
    const element = await importBpmn(bpmn(linear('<bpmn:userTask id="u"><nowhere:thing/></bpmn:userTask>')));
    expect(element.problems).toEqual([expect.objectContaining({ code: 'undeclared_prefix', severity: 'error', line: expect.any(Number) })]);
    const attribute = await importBpmn(bpmn(linear('<bpmn:userTask id="u" nowhere:colour="red"/>')));
    expect(attribute.workflow).toBeUndefined();
    expect(attribute.problems).toEqual([expect.objectContaining({ elementId: 'u', code: 'undeclared_prefix', severity: 'error' })]);
  });

  test('no cascades: a refused start event does not also make "no start event"', async () => {
    const xml = bpmn(
      `<bpmn:startEvent id="ts">${timer('timeCycle', 'R/P1D')}</bpmn:startEvent><bpmn:userTask id="u"/><bpmn:endEvent id="e"/>${flow('ts', 'u')}${flow('u', 'e')}`,
    );
    const { problems } = await importBpmn(xml);
    expect(problems.map((p) => [p.elementId, p.code])).toEqual([['ts', 'unsupported_event']]);
  });

  test('no duplicates: a flow whose script condition is refused is not also "without a condition"', async () => {
    const script = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">next(null, true)</bpmn:conditionExpression>';
    const xml = bpmn(
      `<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>${flow('s', 'x')}` +
        `<bpmn:sequenceFlow id="js" sourceRef="x" targetRef="a">${script}</bpmn:sequenceFlow>${flow('x', 'b', { condition: 'ok = false' })}`,
    );
    const { problems } = await importBpmn(xml);
    expect(problems).toEqual([
      expect.objectContaining({ elementId: 'js', code: 'unsupported_condition_language', message: expect.stringMatching(/javascript script/) }),
    ]);
  });
});
