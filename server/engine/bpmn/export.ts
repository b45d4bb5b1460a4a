import type { BpmnModdle, ModdleElement } from 'bpmn-moddle';
import { AppError } from '../../shared/errors.js';
import type { ProcessGraph } from '../workflow.js';
import { autoLayout, containerIds, isDetached, recordedLayout, type Layout } from './export-layout.js';
import { buildModel, type Model } from './export-model.js';
import { sharedModdle } from './moddle.js';

/**
 * Writes a `ProcessGraph` as BPMN 2.0 XML that bpmn.io and Camunda Modeler open and that `readGraph` reads back
 * to the same graph. The graph's own layout is kept when it has one for every element; otherwise
 * bpmn-auto-layout draws it, with lanes, pool, expanded subprocesses and event subprocesses added by us.
 *
 * @example
 * const xml = await exportBpmn(workflow.graph);
 * await writeFile('refund.bpmn', xml);
 */
export async function exportBpmn(graph: ProcessGraph): Promise<string> {
  const moddle = sharedModdle();
  const model = buildModel(moddle, graph);
  const poolId = model.participant?.id;
  const layout = recordedLayout(graph, poolId) ?? (await autoLayout(moddle, graph, poolId, await layoutInput(moddle, graph)));
  model.definitions.set('diagrams', [buildDiagram(moddle, model, graph, layout)]);
  const { xml } = await moddle.toXML(model.definitions, { format: true });
  return xml;
}

/**
 * The document bpmn-auto-layout is given: event subprocesses at process level go last, because we draw them
 * below the main flow ourselves, and every other subprocess with children is marked expanded so the library
 * lays its children out inside it instead of over the process.
 */
async function layoutInput(moddle: BpmnModdle, graph: ProcessGraph): Promise<string> {
  const model = buildModel(moddle, { ...graph, nodes: [...graph.nodes.filter((n) => !isDetached(n)), ...graph.nodes.filter(isDetached)] });
  const containers = containerIds(graph);
  const expanded = graph.nodes.filter((n) => containers.has(n.id) && !isDetached(n));
  const plane = moddle.create('bpmndi:BPMNPlane', {
    bpmnElement: model.process,
    // bpmn-auto-layout looks the shapes up by id.
    planeElement: expanded.map((n) =>
      moddle.create('bpmndi:BPMNShape', { id: model.ids.fresh(`${n.id}_di`), bpmnElement: model.elements.get(n.id), isExpanded: true }),
    ),
  });
  model.definitions.set('diagrams', [moddle.create('bpmndi:BPMNDiagram', { plane })]);
  return (await moddle.toXML(model.definitions)).xml;
}

/** BPMN DI for the layout: one plane showing the pool (or the process) with a shape per element and an edge per flow. */
function buildDiagram(moddle: BpmnModdle, model: Model, graph: ProcessGraph, layout: Layout): ModdleElement {
  const containers = containerIds(graph);
  const laidOut = <T>(map: Map<string, T>, id: string): T => {
    const value = map.get(id);
    if (value === undefined) throw new AppError('internal', `cannot export "${graph.id}": no layout for "${id}"`);
    return value;
  };
  const shape = (id: string, element: ModdleElement, extra: Record<string, unknown> = {}): ModdleElement =>
    moddle.create('bpmndi:BPMNShape', {
      id: model.ids.fresh(`${id}_di`),
      bpmnElement: element,
      bounds: moddle.create('dc:Bounds', { ...laidOut(layout.shapes, id) }),
      ...extra,
    });
  const planeElement: ModdleElement[] = [];
  if (model.participant) planeElement.push(shape(model.participant.id!, model.participant, { isHorizontal: true }));
  for (const lane of graph.lanes) planeElement.push(shape(lane.id, model.elements.get(lane.id)!, { isHorizontal: true }));
  for (const node of graph.nodes) {
    planeElement.push(
      shape(node.id, model.elements.get(node.id)!, {
        isExpanded: containers.has(node.id) ? true : undefined,
        isMarkerVisible: node.kind === 'exclusiveGateway' ? true : undefined,
      }),
    );
  }
  for (const flow of graph.flows) {
    const waypoint = laidOut(layout.edges, flow.id).map((p) => moddle.create('dc:Point', { x: p.x, y: p.y }));
    planeElement.push(moddle.create('bpmndi:BPMNEdge', { id: model.ids.fresh(`${flow.id}_di`), bpmnElement: model.elements.get(flow.id), waypoint }));
  }
  const plane = moddle.create('bpmndi:BPMNPlane', {
    id: model.ids.fresh(`BPMNPlane_${graph.id}`),
    bpmnElement: model.collaboration ?? model.process,
    planeElement,
  });
  return moddle.create('bpmndi:BPMNDiagram', { id: model.ids.fresh(`BPMNDiagram_${graph.id}`), plane });
}
