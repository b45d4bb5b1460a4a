import type { ModdleElement } from 'bpmn-moddle';
import { AppError } from '../../server/shared/errors.js';
import { exportBpmn } from '../../server/engine/bpmn/export.js';
import type { Bounds, GraphNode, ProcessGraph } from '../../server/engine/workflow.js';
import { contains, extension, is, laidOutGraph, list, onBorder, parse, supportGraph, type Parsed } from '../helpers/export-graphs.js';

describe.each([
  ['without a layout (bpmn-auto-layout)', supportGraph],
  ['with the graph’s own layout', laidOutGraph],
])('exportBpmn %s', (_, build) => {
  let graph: ProcessGraph;
  let xml: string;
  let doc: Parsed;

  beforeAll(async () => {
    graph = build();
    xml = await exportBpmn(graph);
    doc = await parse(xml);
  });

  test('writes formatted UTF-8 BPMN that parses without warnings', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions')).toBe(true);
    expect(doc.warnings).toEqual([]);
  });

  test('draws every flow node, lane and the pool, and every flow with at least two waypoints', () => {
    const elements = Object.values(doc.byId);
    const drawn = elements.filter((e) => is(e, 'bpmn:FlowNode') || is(e, 'bpmn:Lane') || is(e, 'bpmn:Participant'));
    expect(drawn).toHaveLength(graph.nodes.length + graph.lanes.length + 1);
    for (const element of drawn) expect(doc.shapes.has(element.id!)).toBe(true);
    const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
    expect(flows).toHaveLength(graph.flows.length);
    for (const flow of flows) expect(doc.edges.get(flow.id!)!.length).toBeGreaterThanOrEqual(2);
    expect(doc.planeElement.$type).toBe('bpmn:Collaboration');
    expect(doc.shapes.get('Pool_support')!.isHorizontal).toBe(true);
    expect(doc.shapes.get('investigate')!.isExpanded).toBe(true);
    expect(doc.shapes.get('nudge')!.isExpanded).toBe(true);
  });

  test('writes the kind of every node', () => {
    const types = Object.fromEntries(graph.nodes.map((n) => [n.id, doc.byId[n.id]!.$type]));
    expect(types).toMatchObject({
      start: 'bpmn:StartEvent',
      triage: 'bpmn:UserTask',
      remind: 'bpmn:BoundaryEvent',
      notify: 'bpmn:SendTask',
      route: 'bpmn:ExclusiveGateway',
      investigate: 'bpmn:SubProcess',
      inv_check: 'bpmn:ManualTask',
      inv_rule: 'bpmn:BusinessRuleTask',
      ask: 'bpmn:ReceiveTask',
      evgw: 'bpmn:EventBasedGateway',
      wait2d: 'bpmn:IntermediateCatchEvent',
      paid: 'bpmn:IntermediateCatchEvent',
      fork: 'bpmn:ParallelGateway',
      refund: 'bpmn:ServiceTask',
      log: 'bpmn:ScriptTask',
      close: 'bpmn:Task',
      end: 'bpmn:EndEvent',
      abort: 'bpmn:EndEvent',
      nudge: 'bpmn:SubProcess',
      nudge_start: 'bpmn:StartEvent',
    });
    for (const node of graph.nodes) expect(doc.byId[node.id]!.name).toBe(node.name);
    expect(list(doc.byId.abort!.eventDefinitions).map((d) => d.$type)).toEqual(['bpmn:TerminateEventDefinition']);
    expect(doc.byId.nudge!.triggeredByEvent).toBe(true);
    expect(doc.byId.investigate!.triggeredByEvent).toBe(false);
    expect(doc.byId.nudge_start!.isInterrupting).toBe(false);
  });

  test('nests subprocess children and their flows, in the graph’s order', () => {
    const order: string[] = [];
    const visit = (container: ModdleElement) => {
      for (const element of list(container.flowElements)) {
        order.push(element.id!);
        if (element.$type === 'bpmn:SubProcess') visit(element);
      }
    };
    visit(doc.byId.Refund!);
    const nodes = new Set(graph.nodes.map((n) => n.id));
    expect(order.filter((id) => nodes.has(id))).toEqual(graph.nodes.map((n) => n.id));
    expect(order.filter((id) => !nodes.has(id))).toEqual(graph.flows.map((f) => f.id));
    expect(list(doc.byId.investigate!.flowElements).map((e) => e.id)).toEqual([
      'inv_start',
      'inv_check',
      'inv_rule',
      'inv_timeout',
      'inv_end',
      'i1',
      'i2',
      'i3',
      'i4',
    ]);
    expect(list(doc.byId.nudge!.flowElements).map((e) => e.id)).toEqual(['nudge_start', 'nudge_task', 'nudge_end', 'n1', 'n2']);
  });

  test('writes boundary events, timers and messages', () => {
    const timer = (id: string) => list(doc.byId[id]!.eventDefinitions)[0]!;
    const body = (id: string, property: string) => (timer(id)[property] as ModdleElement).body;
    expect((doc.byId.remind!.attachedToRef as ModdleElement).id).toBe('triage');
    expect(doc.byId.remind!.cancelActivity).toBe(false);
    expect(body('remind', 'timeDuration')).toBe('PT2H');
    expect(extension(doc.byId.remind!, 'sop:Reminder')).toMatchObject({ to: 'L1', message: 'Triage is late' });
    expect((doc.byId.reply!.attachedToRef as ModdleElement).id).toBe('ask');
    expect(doc.byId.reply!.cancelActivity).toBe(true);
    expect((doc.byId.inv_timeout!.attachedToRef as ModdleElement).id).toBe('inv_check');
    expect(body('inv_timeout', 'timeDate')).toBe('2030-01-01T00:00:00Z');
    expect(body('wait2d', 'timeDuration')).toBe('P2D');
    expect(body('nudge_start', 'timeCycle')).toBe('R/PT4H');
    expect(extension(doc.byId.nudge_start!, 'sop:Reminder')).toMatchObject({ to: 'L2', message: 'Still open' });
    const message = (id: string) => timer(id).messageRef as ModdleElement;
    expect(message('reply')).toMatchObject({ id: 'Msg_reply', name: 'customer.replied' });
    expect(message('paid')).toMatchObject({ id: 'Message_payment.received', name: 'payment.received' });
  });

  test('writes conditions, the default flow, flow names and event keys', () => {
    const condition = doc.byId.f_l2!.conditionExpression as ModdleElement;
    expect(condition.$type).toBe('bpmn:FormalExpression');
    expect(condition.body).toBe('level = "L2" and amount > 100');
    expect((doc.byId.route!.default as ModdleElement).id).toBe('f_l1');
    expect(doc.byId.f_l1!.name).toBe('L1');
    expect(doc.byId.f_route!.get('sop:event')).toBe('triaged');
    expect(doc.byId.f_reply!.get('sop:event')).toBe('customer.replied');
    expect(doc.byId.f_start!.get('sop:event')).toBeUndefined();
    expect(list(doc.byId.route!.outgoing).map((f) => f.id)).toEqual(['f_l1', 'f_l2']);
  });

  test('writes step properties, checklists, fields, documentation and process properties', () => {
    const step = extension(doc.byId.triage!, 'sop:Step')!;
    expect(step).toMatchObject({ owner: 'L1', sla: 'PT4H', vipSla: 'PT1H', calendar: 'support-eu', waitingOnCustomer: false, warnAt: 0.8 });
    expect(list(step.items).map((i) => i.text)).toEqual(['Check order', 'Check identity']);
    expect(list(step.fields).map(({ name, label, type, options, required, min, max }) => ({ name, label, type, options, required, min, max }))).toEqual([
      { name: 'level', label: 'Level', type: 'enum', options: 'L1,L2', required: true, min: undefined, max: undefined },
      { name: 'amount', label: undefined, type: 'number', options: undefined, required: false, min: 0, max: 1000 },
    ]);
    expect(extension(doc.byId.ask!, 'sop:Step')!.waitingOnCustomer).toBe(true);
    expect(extension(doc.byId.investigate!, 'sop:Step')!.owner).toBe('L2');
    expect(list(doc.byId.triage!.documentation).map((d) => d.text)).toEqual(['Read the ticket first']);
    const process = doc.byId.Refund!;
    expect(process).toMatchObject({ name: 'Refund request', isExecutable: true });
    expect(list(process.documentation).map((d) => d.text)).toEqual(['How refunds are handled']);
    expect(extension(process, 'sop:Process')).toMatchObject({ calendar: 'support-eu', sla: 'P2D', vipSla: 'P1D', channels: 'email,chat' });
  });

  test('writes lanes inside the pool', () => {
    const participant = doc.byId.Pool_support!;
    expect(participant.name).toBe('Support');
    expect((participant.processRef as ModdleElement).id).toBe('Refund');
    const laneSets = list(doc.byId.Refund!.laneSets);
    expect(laneSets).toHaveLength(1);
    const lanes = list(laneSets[0]!.lanes).map((l) => ({ id: l.id, name: l.name, nodeIds: list(l.flowNodeRef).map((n) => n.id) }));
    expect(lanes).toEqual(graph.lanes.map(({ id, name, nodeIds }) => ({ id, name, nodeIds })));
  });
});

describe('exportBpmn with the graph’s own layout', () => {
  test('keeps its bounds and waypoints and routes flows that have none between the shapes', async () => {
    const graph = laidOutGraph();
    const doc = await parse(await exportBpmn(graph));
    for (const item of [...graph.nodes, ...graph.lanes, graph.pool!]) expect(doc.shapes.get(item.id)).toMatchObject(item.bounds!);
    for (const flow of graph.flows) {
      const points = doc.edges.get(flow.id)!;
      if (flow.waypoints) expect(points).toEqual(flow.waypoints);
      else {
        expect(onBorder(points[0]!, doc.shapes.get(flow.source)!)).toBe(true);
        expect(onBorder(points[points.length - 1]!, doc.shapes.get(flow.target)!)).toBe(true);
      }
    }
  });

  test('puts lanes without a pool into one drawn around them', async () => {
    const { pool: _, ...graph } = laidOutGraph();
    const doc = await parse(await exportBpmn(graph));
    const participant = Object.values(doc.byId).find((e) => e.$type === 'bpmn:Participant')!;
    expect(doc.shapes.get(participant.id!)).toMatchObject({ x: 0, y: 0, width: 3000, height: 600 });
  });
});

describe('exportBpmn without a layout', () => {
  let graph: ProcessGraph;
  let doc: Parsed;

  beforeAll(async () => {
    graph = supportGraph();
    doc = await parse(await exportBpmn(graph));
  });

  const bounds = (id: string) => doc.shapes.get(id)!;
  const byId = () => new Map(graph.nodes.map((n) => [n.id, n]));

  test('draws subprocess children inside their subprocess', () => {
    for (const node of graph.nodes.filter((n) => n.parentId)) expect(contains(bounds(node.parentId!), bounds(node.id))).toBe(true);
  });

  test('puts boundary events on the bottom border of their activity', () => {
    for (const node of graph.nodes.filter((n) => n.attachedTo)) {
      const [event, host] = [bounds(node.id), bounds(node.attachedTo!)];
      expect(event.y + event.height / 2).toBe(host.y + host.height);
      expect(event.x).toBeGreaterThanOrEqual(host.x);
      expect(event.x + event.width).toBeLessThanOrEqual(host.x + host.width);
    }
  });

  test('keeps shapes that share a container apart', () => {
    const siblings = graph.nodes.filter((n) => !n.attachedTo);
    const overlap = (a: Bounds, b: Bounds) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    for (const [i, a] of siblings.entries()) {
      for (const b of siblings.slice(i + 1))
        if (a.parentId === b.parentId) expect([a.id, b.id, overlap(bounds(a.id), bounds(b.id))]).toEqual([a.id, b.id, false]);
    }
  });

  test('draws each node of a lane inside it, and the lanes stacked inside the pool', () => {
    const nodes = byId();
    const topLevel = (node: GraphNode): GraphNode => {
      const up = node.attachedTo ?? node.parentId;
      return up ? topLevel(nodes.get(up)!) : node;
    };
    const [l1, l2, pool] = [bounds('lane_l1'), bounds('lane_l2'), bounds('Pool_support')];
    expect(l1.y + l1.height).toBe(l2.y);
    expect(contains(pool, l1) && contains(pool, l2)).toBe(true);
    for (const lane of graph.lanes) {
      for (const node of graph.nodes.filter((n) => lane.nodeIds.includes(topLevel(n).id) && !n.attachedTo)) {
        expect([node.id, contains(bounds(lane.id), bounds(node.id))]).toEqual([node.id, true]);
      }
    }
  });

  test('routes every flow orthogonally from the border of its source to the border of its target', () => {
    for (const flow of graph.flows) {
      const points = doc.edges.get(flow.id)!;
      expect([flow.id, onBorder(points[0]!, bounds(flow.source)), onBorder(points[points.length - 1]!, bounds(flow.target))]).toEqual([flow.id, true, true]);
      for (const [i, p] of points.slice(1).entries()) expect(p.x === points[i]!.x || p.y === points[i]!.y).toBe(true);
    }
  });

  test('draws a process without lanes or pool on the process itself', async () => {
    const { pool: _, ...rest } = supportGraph();
    const plain = await parse(await exportBpmn({ ...rest, lanes: [] }));
    expect(plain.planeElement.$type).toBe('bpmn:Process');
    expect(Object.values(plain.byId).some((e) => e.$type === 'bpmn:Collaboration')).toBe(false);
    expect(plain.shapes.size).toBe(rest.nodes.length);
    expect(plain.edges.size).toBe(rest.flows.length);
  });
});

describe('exportBpmn text', () => {
  test('brings names with markup characters, quotes and Chinese back unchanged', async () => {
    const odd = 'Refund <VIP> & "urgent" \'now\' — 退款审核';
    const graph: ProcessGraph = {
      id: 'Odd',
      name: odd,
      documentation: `Check <b>amount</b> & reply "soon" 请尽快`,
      pool: { id: 'Pool_odd', name: `客服 & <support>` },
      nodes: [
        { id: 'start', kind: 'startEvent', name: '开始 <start>' },
        {
          id: 'check',
          kind: 'userTask',
          name: odd,
          step: {
            owner: '一线 & "L1"',
            checklist: ['核对 <订单>', 'a & b'],
            fields: [{ name: 'note', label: '备注 "note" <x>', type: 'text', required: false }],
          },
        },
        { id: 'wait', kind: 'messageCatchEvent', name: '等待 & see', message: '客户回复 <reply> & "more"' },
        { id: 'end', kind: 'endEvent', name: '结束 & done' },
      ],
      flows: [
        { id: 'f1', source: 'start', target: 'check', name: '“go” & <go>' },
        { id: 'f2', source: 'check', target: 'wait', condition: 'amount < 100 and note = "a & b"', event: '完成 & "done"' },
        { id: 'f3', source: 'wait', target: 'end' },
      ],
      lanes: [{ id: 'lane', name: '一线 <L1> & "first"', nodeIds: ['start', 'check', 'wait', 'end'] }],
    };
    const doc = await parse(await exportBpmn(graph));
    expect(doc.warnings).toEqual([]);
    expect(doc.byId.Odd).toMatchObject({ name: odd });
    expect(list(doc.byId.Odd!.documentation)[0]!.text).toBe(graph.documentation);
    expect(doc.byId.Pool_odd!.name).toBe('客服 & <support>');
    for (const node of graph.nodes) expect(doc.byId[node.id]!.name).toBe(node.name);
    const step = extension(doc.byId.check!, 'sop:Step')!;
    expect(step.owner).toBe('一线 & "L1"');
    expect(list(step.items).map((i) => i.text)).toEqual(['核对 <订单>', 'a & b']);
    expect(list(step.fields)[0]!.label).toBe('备注 "note" <x>');
    const message = list(doc.byId.wait!.eventDefinitions)[0]!.messageRef as ModdleElement;
    expect(message.name).toBe('客户回复 <reply> & "more"');
    expect(message.id).toMatch(/^Message_[\w.-]+$/);
    expect(doc.byId.f1!.name).toBe('“go” & <go>');
    expect((doc.byId.f2!.conditionExpression as ModdleElement).body).toBe('amount < 100 and note = "a & b"');
    expect(doc.byId.f2!.get('sop:event')).toBe('完成 & "done"');
    expect(doc.byId.lane!.name).toBe('一线 <L1> & "first"');
  });
});

describe('exportBpmn messages', () => {
  test('writes one bpmn:Message per message, reusing the graph’s ids, and keeps message start and end events', async () => {
    const graph: ProcessGraph = {
      id: 'Messages',
      messages: { Known: 'ticket.created' },
      nodes: [
        { id: 'start', kind: 'startEvent', message: 'ticket.created' },
        { id: 'a', kind: 'messageCatchEvent', message: 'customer replied' },
        { id: 'b', kind: 'messageCatchEvent', message: 'customer replied' },
        { id: 'end', kind: 'endEvent', message: 'ticket.closed' },
      ],
      flows: [
        { id: 'f1', source: 'start', target: 'a' },
        { id: 'f2', source: 'a', target: 'b' },
        { id: 'f3', source: 'b', target: 'end' },
      ],
      lanes: [],
    };
    const doc = await parse(await exportBpmn(graph));
    const messages = list(doc.definitions.rootElements).filter((e) => e.$type === 'bpmn:Message');
    expect(messages.map(({ id, name }) => ({ id, name }))).toEqual([
      { id: 'Known', name: 'ticket.created' },
      { id: 'Message_customer_replied', name: 'customer replied' },
      { id: 'Message_ticket.closed', name: 'ticket.closed' },
    ]);
    const messageOf = (id: string) => (list(doc.byId[id]!.eventDefinitions)[0]!.messageRef as ModdleElement).id;
    expect(['start', 'a', 'b', 'end'].map(messageOf)).toEqual(['Known', 'Message_customer_replied', 'Message_customer_replied', 'Message_ticket.closed']);
  });
});

describe('exportBpmn errors', () => {
  test('refuses a graph whose flow points at a node it does not have', async () => {
    const graph = supportGraph();
    graph.flows.push({ id: 'stray', source: 'start', target: 'nowhere' });
    await expect(exportBpmn(graph)).rejects.toMatchObject({ code: 'internal' });
    await expect(exportBpmn(graph)).rejects.toBeInstanceOf(AppError);
  });
});
