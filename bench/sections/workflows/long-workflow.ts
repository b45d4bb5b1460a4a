/**
 * A workflow of `steps` user tasks in a row, as a modeler would save it: every task with an owner, a limit,
 * a field and a leaving action, every element laid out (shapes and edges in rows of 20). `variant` changes
 * the limit of every fifth step and the owner of every tenth, so a publish of it has a diff to compute.
 */
export function longWorkflow(key: string, steps: number, variant = 0): string {
  const perRow = 20;
  const at = (i: number) => ({ x: 200 + (i % perRow) * 160, y: 100 + Math.floor(i / perRow) * 140 });
  const tasks: string[] = [];
  const flows: string[] = [];
  const shapes: string[] = [];
  const edges: string[] = [];
  const ids = ['Start', ...Array.from({ length: steps }, (_, i) => `Task_${i + 1}`), 'End'];
  for (let i = 1; i <= steps; i++) {
    const hours = 1 + (i % 8) + (variant && i % 5 === 0 ? variant : 0);
    const owner = variant && i % 10 === 0 ? `Team ${(i + variant) % 7}` : `Team ${i % 7}`;
    tasks.push(`<bpmn:userTask id="Task_${i}" name="Step ${i}">
      <bpmn:documentation>Check item ${i} of the request and record what was found.</bpmn:documentation>
      <bpmn:extensionElements><sop:step owner="${owner}" sla="PT${hours}H" vipSla="PT${Math.max(1, hours - 1)}H">
        <sop:item>Look at item ${i}</sop:item><sop:field name="note${i}" label="Note ${i}" type="text" required="false" />
      </sop:step></bpmn:extensionElements>
      <bpmn:incoming>Flow_${i}</bpmn:incoming><bpmn:outgoing>Flow_${i + 1}</bpmn:outgoing>
    </bpmn:userTask>`);
  }
  for (let i = 1; i < ids.length; i++) {
    const leaving = i > 1 ? ` name="Done ${i - 1}" sop:event="done_${i - 1}"` : '';
    flows.push(`<bpmn:sequenceFlow id="Flow_${i}" sourceRef="${ids[i - 1]}" targetRef="${ids[i]}"${leaving} />`);
  }
  ids.forEach((id, i) => {
    const { x, y } = at(i);
    const size = i === 0 || i === ids.length - 1 ? { w: 36, h: 36 } : { w: 100, h: 80 };
    shapes.push(`<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x}" y="${y}" width="${size.w}" height="${size.h}" /></bpmndi:BPMNShape>`);
    if (i > 0) {
      const from = at(i - 1);
      edges.push(
        `<bpmndi:BPMNEdge id="Flow_${i}_di" bpmnElement="Flow_${i}"><di:waypoint x="${from.x + 100}" y="${from.y + 40}" /><di:waypoint x="${x}" y="${y + 18}" /></bpmndi:BPMNEdge>`,
      );
    }
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:sop="urn:sopflow:bpmn:1" id="Definitions_${key}" targetNamespace="urn:sopflow:bench">
  <bpmn:process id="${key}" name="Long SOP of ${steps} steps" isExecutable="true">
    <bpmn:extensionElements><sop:process sla="P30D" /></bpmn:extensionElements>
    <bpmn:startEvent id="Start" name="Request received"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    ${tasks.join('\n    ')}
    <bpmn:endEvent id="End" name="Closed"><bpmn:incoming>Flow_${steps + 1}</bpmn:incoming></bpmn:endEvent>
    ${flows.join('\n    ')}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_${key}"><bpmndi:BPMNPlane id="Plane_${key}" bpmnElement="${key}">
    ${shapes.join('\n    ')}
    ${edges.join('\n    ')}
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}
