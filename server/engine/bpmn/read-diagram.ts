import type { ModdleElement } from 'bpmn-moddle';
import type { Bounds, ProcessGraph } from '../workflow.js';
import { list } from './moddle.js';

type Element = ModdleElement;

/** Copies shapes and edges of the diagram that shows the process, so export can keep the author's layout. */
export function applyDiagram(definitions: Element, graph: ProcessGraph): void {
  const bounds = new Map<string, Bounds>();
  const waypoints = new Map<string, Array<{ x: number; y: number }>>();
  for (const diagram of list(definitions.diagrams)) {
    for (const item of list((diagram.plane as Element | undefined)?.planeElement)) {
      const target = (item.bpmnElement as Element | undefined)?.id;
      if (!target) continue;
      const b = item.bounds as Element | undefined;
      if (item.$type === 'bpmndi:BPMNShape' && b) {
        bounds.set(target, { x: Number(b.x), y: Number(b.y), width: Number(b.width), height: Number(b.height) });
      }
      if (item.$type === 'bpmndi:BPMNEdge') {
        waypoints.set(
          target,
          list(item.waypoint).map((w) => ({ x: Number(w.x), y: Number(w.y) })),
        );
      }
    }
  }
  for (const node of graph.nodes) {
    const b = bounds.get(node.id);
    if (b) node.bounds = b;
  }
  for (const lane of graph.lanes) {
    const b = bounds.get(lane.id);
    if (b) lane.bounds = b;
  }
  if (graph.pool) {
    const b = bounds.get(graph.pool.id);
    if (b) graph.pool.bounds = b;
  }
  for (const flow of graph.flows) {
    const w = waypoints.get(flow.id);
    if (w && w.length >= 2) flow.waypoints = w;
  }
}
