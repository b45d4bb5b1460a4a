import { BpmnModdle, type ModdleElement } from 'bpmn-moddle';
import sopDescriptor from '../../server/engine/bpmn/sopflow-moddle.json' with { type: 'json' };
import type { Bounds, GraphNode, ProcessGraph } from '../../server/engine/workflow.js';

// What the export tests build and read: a support SOP's graph with and without a layout, and an exported
// document parsed back into its elements, shapes and edges.

export type Point = { x: number; y: number };

/** A support SOP with every node kind, lanes, a pool, a subprocess and an event subprocess; no layout. */
export function supportGraph(): ProcessGraph {
  return {
    id: 'Refund',
    name: 'Refund request',
    documentation: 'How refunds are handled',
    properties: { calendar: 'support-eu', sla: 'P2D', vipSla: 'P1D', channels: ['email', 'chat'] },
    messages: { Msg_reply: 'customer.replied' },
    pool: { id: 'Pool_support', name: 'Support' },
    nodes: [
      { id: 'start', kind: 'startEvent', name: 'Ticket opened' },
      {
        id: 'triage',
        kind: 'userTask',
        name: 'Triage',
        documentation: 'Read the ticket first',
        step: {
          owner: 'L1',
          sla: 'PT4H',
          vipSla: 'PT1H',
          calendar: 'support-eu',
          waitingOnCustomer: false,
          warnAt: 0.8,
          checklist: ['Check order', 'Check identity'],
          fields: [
            { name: 'level', label: 'Level', type: 'enum', options: ['L1', 'L2'], required: true },
            { name: 'amount', type: 'number', required: false, min: 0, max: 1000 },
          ],
        },
      },
      {
        id: 'remind',
        kind: 'timerBoundaryEvent',
        name: 'SLA reminder',
        attachedTo: 'triage',
        cancelActivity: false,
        timer: { type: 'duration', value: 'PT2H' },
        reminder: { to: 'L1', message: 'Triage is late' },
      },
      { id: 'notify', kind: 'sendTask', name: 'Notify lead' },
      { id: 'route', kind: 'exclusiveGateway', name: 'Level?', defaultFlow: 'f_l1' },
      { id: 'investigate', kind: 'subProcess', name: 'Investigate', step: { owner: 'L2' } },
      { id: 'inv_start', kind: 'startEvent', parentId: 'investigate' },
      { id: 'inv_check', kind: 'manualTask', name: 'Check logs', parentId: 'investigate' },
      { id: 'inv_rule', kind: 'businessRuleTask', name: 'Apply policy', parentId: 'investigate' },
      {
        id: 'inv_timeout',
        kind: 'timerBoundaryEvent',
        parentId: 'investigate',
        attachedTo: 'inv_check',
        cancelActivity: true,
        timer: { type: 'date', value: '2030-01-01T00:00:00Z' },
      },
      { id: 'inv_end', kind: 'endEvent', parentId: 'investigate' },
      { id: 'ask', kind: 'receiveTask', name: 'Wait for customer', step: { waitingOnCustomer: true } },
      { id: 'reply', kind: 'messageBoundaryEvent', name: 'Customer replied', attachedTo: 'ask', cancelActivity: true, message: 'customer.replied' },
      { id: 'evgw', kind: 'eventBasedGateway', name: 'Wait' },
      { id: 'wait2d', kind: 'timerCatchEvent', name: '2 days', timer: { type: 'duration', value: 'P2D' } },
      { id: 'paid', kind: 'messageCatchEvent', name: 'Paid', message: 'payment.received' },
      { id: 'fork', kind: 'parallelGateway' },
      { id: 'refund', kind: 'serviceTask', name: 'Refund' },
      { id: 'log', kind: 'scriptTask', name: 'Log' },
      { id: 'join', kind: 'parallelGateway' },
      { id: 'close', kind: 'task', name: 'Close' },
      { id: 'end', kind: 'endEvent', name: 'Done' },
      { id: 'abort', kind: 'terminateEndEvent', name: 'Aborted' },
      { id: 'nudge', kind: 'eventSubProcess', name: 'Every 4 hours' },
      {
        id: 'nudge_start',
        kind: 'timerStartEvent',
        parentId: 'nudge',
        timer: { type: 'cycle', value: 'R/PT4H' },
        reminder: { to: 'L2', message: 'Still open' },
      },
      { id: 'nudge_task', kind: 'sendTask', name: 'Nudge', parentId: 'nudge' },
      { id: 'nudge_end', kind: 'endEvent', parentId: 'nudge' },
    ],
    flows: [
      { id: 'f_start', source: 'start', target: 'triage' },
      { id: 'f_route', source: 'triage', target: 'route', event: 'triaged' },
      { id: 'f_remind', source: 'remind', target: 'notify' },
      { id: 'f_l1', source: 'route', target: 'ask', name: 'L1' },
      { id: 'f_l2', source: 'route', target: 'investigate', name: 'L2', condition: 'level = "L2" and amount > 100' },
      { id: 'i1', source: 'inv_start', target: 'inv_check' },
      { id: 'i2', source: 'inv_check', target: 'inv_rule' },
      { id: 'i3', source: 'inv_rule', target: 'inv_end' },
      { id: 'i4', source: 'inv_timeout', target: 'inv_end' },
      { id: 'f_inv', source: 'investigate', target: 'fork' },
      { id: 'f_ask', source: 'ask', target: 'evgw' },
      { id: 'f_reply', source: 'reply', target: 'triage', event: 'customer.replied' },
      { id: 'f_wait', source: 'evgw', target: 'wait2d' },
      { id: 'f_paid', source: 'evgw', target: 'paid' },
      { id: 'f_timeout', source: 'wait2d', target: 'abort' },
      { id: 'f_paid2', source: 'paid', target: 'fork' },
      { id: 'f_fork1', source: 'fork', target: 'refund' },
      { id: 'f_fork2', source: 'fork', target: 'log' },
      { id: 'f_join1', source: 'refund', target: 'join' },
      { id: 'f_join2', source: 'log', target: 'join' },
      { id: 'f_close', source: 'join', target: 'close' },
      { id: 'f_end', source: 'close', target: 'end' },
      { id: 'n1', source: 'nudge_start', target: 'nudge_task' },
      { id: 'n2', source: 'nudge_task', target: 'nudge_end' },
    ],
    lanes: [
      { id: 'lane_l1', name: 'L1', nodeIds: ['start', 'triage', 'remind', 'notify', 'route', 'ask', 'reply', 'evgw', 'wait2d', 'paid', 'abort'] },
      { id: 'lane_l2', name: 'L2', nodeIds: ['investigate', 'fork', 'refund', 'log', 'join', 'close', 'end', 'nudge'] },
    ],
  };
}

/** The same graph with an author's layout: bounds everywhere, waypoints on every other flow. */
export function laidOutGraph(): ProcessGraph {
  const graph = supportGraph();
  return {
    ...graph,
    pool: { ...graph.pool!, bounds: { x: 0, y: 0, width: 3000, height: 600 } },
    lanes: graph.lanes.map((lane, i) => ({ ...lane, bounds: { x: 30, y: i * 300, width: 2970, height: 300 } })),
    nodes: graph.nodes.map((node, i) => ({ ...node, bounds: { x: 100 + i * 110, y: 100 + (i % 3) * 60, width: 100, height: 80 } })),
    flows: graph.flows.map((flow, i) =>
      i % 2
        ? flow
        : {
            ...flow,
            waypoints: [
              { x: i, y: 10 },
              { x: i, y: 50 },
              { x: i + 40, y: 50 },
            ],
          },
    ),
  };
}

export interface Parsed {
  definitions: ModdleElement;
  byId: Record<string, ModdleElement>;
  warnings: string[];
  shapes: Map<string, Bounds & { isExpanded?: boolean; isHorizontal?: boolean }>;
  edges: Map<string, Point[]>;
  planeElement: ModdleElement;
}

export async function parse(xml: string): Promise<Parsed> {
  const { rootElement, elementsById, warnings } = await new BpmnModdle({ sop: sopDescriptor }).fromXML(xml);
  const shapes: Parsed['shapes'] = new Map();
  const edges = new Map<string, Point[]>();
  const diagrams = list(rootElement.diagrams);
  expect(diagrams).toHaveLength(1);
  const plane = diagrams[0]!.plane as ModdleElement;
  for (const item of list(plane.planeElement)) {
    const id = (item.bpmnElement as ModdleElement).id!;
    if (item.$type === 'bpmndi:BPMNShape') {
      const { x, y, width, height } = item.bounds as unknown as Bounds;
      shapes.set(id, { x, y, width, height, isExpanded: item.isExpanded as boolean | undefined, isHorizontal: item.isHorizontal as boolean | undefined });
    } else {
      edges.set(
        id,
        list(item.waypoint).map((p) => ({ x: p.x as number, y: p.y as number })),
      );
    }
  }
  return {
    definitions: rootElement,
    byId: elementsById,
    warnings: warnings.map((w) => w.message),
    shapes,
    edges,
    planeElement: plane.bpmnElement as ModdleElement,
  };
}

export function list(value: unknown): ModdleElement[] {
  return Array.isArray(value) ? (value as ModdleElement[]) : [];
}

export function extension(element: ModdleElement, type: string): ModdleElement | undefined {
  return list((element.extensionElements as ModdleElement | undefined)?.values).find((v) => v.$type === type);
}

export function is(element: ModdleElement, type: string): boolean {
  return (element as unknown as { $instanceOf(type: string): boolean }).$instanceOf(type);
}

export const contains = (outer: Bounds, inner: Bounds) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

export function onBorder(p: Point, b: Bounds): boolean {
  const near = (a: number, c: number) => Math.abs(a - c) <= 1;
  const within = p.x >= b.x - 1 && p.x <= b.x + b.width + 1 && p.y >= b.y - 1 && p.y <= b.y + b.height + 1;
  return within && (near(p.x, b.x) || near(p.x, b.x + b.width) || near(p.y, b.y) || near(p.y, b.y + b.height));
}
