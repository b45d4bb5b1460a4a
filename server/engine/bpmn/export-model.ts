import type { BpmnModdle, ModdleElement } from 'bpmn-moddle';
import { AppError } from '../../shared/errors.js';
import { unreachable } from '../exhaustive.js';
import type { GraphFlow, GraphNode, NodeKind, ProcessGraph, ProcessProperties, StepProperties, TimerSpec } from '../workflow.js';
import { activityAttributes } from './export-activities.js';
import { createSignals, startsEventSubProcess, triggerDefinition } from './export-events.js';

const ELEMENT_TYPES: Record<NodeKind, string> = {
  startEvent: 'bpmn:StartEvent',
  endEvent: 'bpmn:EndEvent',
  terminateEndEvent: 'bpmn:EndEvent',
  task: 'bpmn:Task',
  userTask: 'bpmn:UserTask',
  manualTask: 'bpmn:ManualTask',
  receiveTask: 'bpmn:ReceiveTask',
  serviceTask: 'bpmn:ServiceTask',
  scriptTask: 'bpmn:ScriptTask',
  sendTask: 'bpmn:SendTask',
  businessRuleTask: 'bpmn:BusinessRuleTask',
  exclusiveGateway: 'bpmn:ExclusiveGateway',
  parallelGateway: 'bpmn:ParallelGateway',
  inclusiveGateway: 'bpmn:InclusiveGateway',
  eventBasedGateway: 'bpmn:EventBasedGateway',
  timerCatchEvent: 'bpmn:IntermediateCatchEvent',
  messageCatchEvent: 'bpmn:IntermediateCatchEvent',
  timerBoundaryEvent: 'bpmn:BoundaryEvent',
  messageBoundaryEvent: 'bpmn:BoundaryEvent',
  errorBoundaryEvent: 'bpmn:BoundaryEvent',
  escalationBoundaryEvent: 'bpmn:BoundaryEvent',
  errorEndEvent: 'bpmn:EndEvent',
  escalationEndEvent: 'bpmn:EndEvent',
  escalationThrowEvent: 'bpmn:IntermediateThrowEvent',
  linkThrowEvent: 'bpmn:IntermediateThrowEvent',
  linkCatchEvent: 'bpmn:IntermediateCatchEvent',
  signalCatchEvent: 'bpmn:IntermediateCatchEvent',
  signalBoundaryEvent: 'bpmn:BoundaryEvent',
  throwEvent: 'bpmn:IntermediateThrowEvent',
  messageStartEvent: 'bpmn:StartEvent',
  signalStartEvent: 'bpmn:StartEvent',
  errorStartEvent: 'bpmn:StartEvent',
  escalationStartEvent: 'bpmn:StartEvent',
  subProcess: 'bpmn:SubProcess',
  eventSubProcess: 'bpmn:SubProcess',
  timerStartEvent: 'bpmn:StartEvent',
  callActivity: 'bpmn:CallActivity',
};

const TIMER_PROPERTIES: Record<TimerSpec['type'], string> = { duration: 'timeDuration', date: 'timeDate', cycle: 'timeCycle' };

/** The semantic model of one exported graph, with every graph id (node, flow, lane) mapped to its element. */
export interface Model {
  definitions: ModdleElement;
  process: ModdleElement;
  collaboration?: ModdleElement;
  participant?: ModdleElement;
  elements: Map<string, ModdleElement>;
  ids: IdPool;
}

/** Hands out ids that clash with nothing in the graph, for the elements the graph does not name. */
export class IdPool {
  private readonly taken: Set<string>;

  constructor(graph: ProcessGraph) {
    this.taken = new Set([
      graph.id,
      ...graph.nodes.map((n) => n.id),
      ...graph.flows.map((f) => f.id),
      ...graph.lanes.map((l) => l.id),
      ...Object.keys(graph.messages ?? {}),
      ...(graph.pool ? [graph.pool.id] : []),
    ]);
  }

  fresh(base: string): string {
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    return id;
  }
}

/** Builds the BPMN semantic model of the graph: definitions, process, messages, lanes and, for lanes or a pool, a collaboration. */
export function buildModel(moddle: BpmnModdle, graph: ProcessGraph): Model {
  const ids = new IdPool(graph);
  const messages = [...createMessages(moddle, graph, ids), ...createThrown(moddle, graph, ids), ...createSignals(moddle, graph, ids)];
  const elements = new Map(graph.nodes.map((n) => [n.id, createNode(moddle, n, messages)]));
  const find = (id: string, referrer: string): ModdleElement => {
    const element = elements.get(id);
    if (!element) throw new AppError('internal', `cannot export "${graph.id}": "${referrer}" refers to unknown element "${id}"`);
    return element;
  };
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const node of graph.nodes) {
    const parent = node.parentId === undefined ? undefined : nodes.get(node.parentId);
    if (node.parentId !== undefined && !(parent && isSubProcess(parent))) {
      throw new AppError('internal', `cannot export "${graph.id}": the parent of "${node.id}" is not a subprocess of the graph`);
    }
    if (node.attachedTo) elements.get(node.id)!.set('attachedToRef', find(node.attachedTo, node.id));
  }
  for (const flow of graph.flows) {
    const [source, target] = [find(flow.source, flow.id), find(flow.target, flow.id)];
    const element = createFlow(moddle, flow, source, target);
    elements.set(flow.id, element);
    many(source, 'outgoing').push(element);
    many(target, 'incoming').push(element);
  }
  for (const node of graph.nodes) {
    if ((node.kind === 'exclusiveGateway' || node.kind === 'inclusiveGateway') && node.defaultFlow)
      elements.get(node.id)!.set('default', find(node.defaultFlow, node.id));
  }
  const process = moddle.create('bpmn:Process', {
    id: graph.id,
    name: graph.name,
    isExecutable: true,
    documentation: documentation(moddle, graph.documentation),
    extensionElements: extensionElements(moddle, [graph.properties && processProperties(moddle, graph.properties)]),
  });
  fillContainers(graph, process, elements);
  if (graph.lanes.length) {
    const lanes = graph.lanes.map((lane) => {
      const element = moddle.create('bpmn:Lane', { id: lane.id, name: lane.name, flowNodeRef: lane.nodeIds.map((id) => find(id, lane.id)) });
      elements.set(lane.id, element);
      return element;
    });
    process.set('laneSets', [moddle.create('bpmn:LaneSet', { id: ids.fresh(`LaneSet_${graph.id}`), lanes })]);
  }

  // bpmn.io draws lanes only inside a pool, so lanes get one even when the source had none.
  const participant =
    graph.pool || graph.lanes.length
      ? moddle.create('bpmn:Participant', { id: graph.pool?.id ?? ids.fresh(`Participant_${graph.id}`), name: graph.pool?.name, processRef: process })
      : undefined;
  const collaboration = participant && moddle.create('bpmn:Collaboration', { id: ids.fresh(`Collaboration_${graph.id}`), participants: [participant] });
  const definitions = moddle.create('bpmn:Definitions', {
    id: ids.fresh(`Definitions_${graph.id}`),
    targetNamespace: 'http://bpmn.io/schema/bpmn',
    exporter: 'SOPflow',
    rootElements: [...(collaboration ? [collaboration] : []), process, ...messages],
  });
  return { definitions, process, collaboration, participant, elements, ids };
}

/**
 * Puts nodes and flows into the process and subprocesses in an order that, read depth-first as the importer does,
 * lists them in the graph's order: a subprocess goes just before the first flow listed after its own flows.
 */
function fillContainers(graph: ProcessGraph, process: ModdleElement, elements: Map<string, ModdleElement>): void {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  // A flow lives where both its ends do; one crossing a subprocess border can only sit at process level.
  const flowParent = (flow: GraphFlow) => {
    const parentId = nodes.get(flow.source)?.parentId;
    return parentId === nodes.get(flow.target)?.parentId ? parentId : undefined;
  };
  const firstFlow = new Map<string, number>();
  graph.flows.forEach((flow, index) => {
    for (let id = flowParent(flow); id !== undefined && !firstFlow.has(id); id = nodes.get(id)?.parentId) firstFlow.set(id, index);
  });
  const fill = (container: ModdleElement, parentId: string | undefined): void => {
    const content = many(container, 'flowElements');
    const flows = graph.flows.flatMap((flow, index) => (flowParent(flow) === parentId ? [{ flow, index }] : []));
    for (const node of graph.nodes.filter((n) => n.parentId === parentId)) {
      while (flows.length && flows[0]!.index < (firstFlow.get(node.id) ?? -1)) content.push(elements.get(flows.shift()!.flow.id)!);
      content.push(elements.get(node.id)!);
      if (isSubProcess(node)) fill(elements.get(node.id)!, node.id);
    }
    content.push(...flows.map(({ flow }) => elements.get(flow.id)!));
  };
  fill(process, undefined);
}

/** One `bpmn:Message` per message id the graph knows, plus one per message name only its events use. */
function createMessages(moddle: BpmnModdle, graph: ProcessGraph, ids: IdPool): ModdleElement[] {
  const messages = Object.entries(graph.messages ?? {}).map(([id, name]) => moddle.create('bpmn:Message', { id, name }));
  for (const name of new Set(graph.nodes.map((n) => n.message))) {
    if (name === undefined || messages.some((m) => m.name === name)) continue;
    messages.push(moddle.create('bpmn:Message', { id: ids.fresh(`Message_${name.replace(/[^\w.-]/g, '_')}`), name }));
  }
  return messages;
}

/** One `bpmn:Error` or `bpmn:Escalation` per name the graph's error and escalation boundaries raise. */
function createThrown(moddle: BpmnModdle, graph: ProcessGraph, ids: IdPool): ModdleElement[] {
  const thrown = new Map<string, ModdleElement>();
  for (const node of graph.nodes) {
    if (node.thrown === undefined) continue;
    const type = node.kind === 'errorBoundaryEvent' || node.kind === 'errorEndEvent' || node.kind === 'errorStartEvent' ? 'Error' : 'Escalation';
    const key = `${type}\u0000${node.thrown}`;
    if (!thrown.has(key))
      thrown.set(key, moddle.create(`bpmn:${type}`, { id: ids.fresh(`${type}_${node.thrown.replace(/[^\w.-]/g, '_')}`), name: node.thrown }));
  }
  return [...thrown.values()];
}

/** The root element of a type with a name: a message, an error, an escalation. */
function named(roots: ModdleElement[], type: string, name: string | undefined): ModdleElement | undefined {
  return roots.find((r) => r.$type === type && r.name === name);
}

function createNode(moddle: BpmnModdle, node: GraphNode, messages: ModdleElement[]): ModdleElement {
  const attributes: Record<string, unknown> = {
    id: node.id,
    name: node.name,
    documentation: documentation(moddle, node.documentation),
    extensionElements: extensionElements(moddle, [
      node.step && stepProperties(moddle, node.step),
      node.reminder && moddle.create('sop:Reminder', node.reminder),
    ]),
  };
  const definition = eventDefinition(moddle, node, messages);
  if (definition) attributes.eventDefinitions = [definition];
  if (node.kind === 'eventSubProcess') attributes.triggeredByEvent = true;
  if (startsEventSubProcess(node.kind)) attributes.isInterrupting = node.interrupting === true;
  if (node.attachedTo !== undefined) attributes.cancelActivity = node.cancelActivity !== false;
  Object.assign(attributes, activityAttributes(moddle, node));
  return moddle.create(ELEMENT_TYPES[node.kind], attributes);
}

function eventDefinition(moddle: BpmnModdle, node: GraphNode, messages: ModdleElement[]): ModdleElement | undefined {
  switch (node.kind) {
    case 'terminateEndEvent':
      return moddle.create('bpmn:TerminateEventDefinition');
    case 'signalCatchEvent':
    case 'signalBoundaryEvent':
    case 'throwEvent':
    case 'messageStartEvent':
    case 'signalStartEvent':
    case 'errorStartEvent':
    case 'escalationStartEvent':
      return triggerDefinition(moddle, node, messages);
    case 'timerCatchEvent':
    case 'timerBoundaryEvent':
    case 'timerStartEvent':
      return moddle.create(
        'bpmn:TimerEventDefinition',
        node.timer ? { [TIMER_PROPERTIES[node.timer.type]]: moddle.create('bpmn:FormalExpression', { body: node.timer.value }) } : {},
      );
    case 'messageCatchEvent':
    case 'messageBoundaryEvent':
      return moddle.create('bpmn:MessageEventDefinition', { messageRef: named(messages, 'bpmn:Message', node.message) });
    case 'linkThrowEvent':
    case 'linkCatchEvent':
      return moddle.create('bpmn:LinkEventDefinition', { name: node.link });
    case 'errorBoundaryEvent':
    case 'errorEndEvent':
      return moddle.create('bpmn:ErrorEventDefinition', { errorRef: named(messages, 'bpmn:Error', node.thrown) });
    case 'escalationBoundaryEvent':
    case 'escalationEndEvent':
    case 'escalationThrowEvent':
      return moddle.create('bpmn:EscalationEventDefinition', { escalationRef: named(messages, 'bpmn:Escalation', node.thrown) });
    case 'startEvent':
    case 'endEvent':
      if (node.signal !== undefined) return triggerDefinition(moddle, node, messages);
      // Message start and end events run as plain ones but keep their message.
      return node.message === undefined
        ? undefined
        : moddle.create('bpmn:MessageEventDefinition', { messageRef: named(messages, 'bpmn:Message', node.message) });
    case 'task':
    case 'userTask':
    case 'manualTask':
    case 'receiveTask':
    case 'serviceTask':
    case 'scriptTask':
    case 'sendTask':
    case 'businessRuleTask':
    case 'exclusiveGateway':
    case 'parallelGateway':
    case 'inclusiveGateway':
    case 'eventBasedGateway':
    case 'subProcess':
    case 'eventSubProcess':
    case 'callActivity':
      return undefined;
    default:
      return unreachable(node.kind, 'node kind');
  }
}

function createFlow(moddle: BpmnModdle, flow: GraphFlow, sourceRef: ModdleElement, targetRef: ModdleElement): ModdleElement {
  return moddle.create('bpmn:SequenceFlow', {
    id: flow.id,
    name: flow.name,
    sourceRef,
    targetRef,
    conditionExpression: flow.condition === undefined ? undefined : moddle.create('bpmn:FormalExpression', { body: flow.condition }),
    event: flow.event,
  });
}

function stepProperties(moddle: BpmnModdle, { checklist, fields, ...attributes }: StepProperties): ModdleElement {
  return moddle.create('sop:Step', {
    ...attributes,
    items: checklist?.map((text) => moddle.create('sop:Item', { text })),
    fields: fields?.map(({ options, ...field }) => moddle.create('sop:Field', { ...field, options: options?.join(',') })),
  });
}

function processProperties(moddle: BpmnModdle, { channels, levelSla, ...attributes }: ProcessProperties): ModdleElement {
  return moddle.create('sop:Process', {
    ...attributes,
    levelSla:
      levelSla &&
      Object.entries(levelSla)
        .map(([level, sla]) => `${level}=${sla}`)
        .join(','),
    channels: channels?.join(','),
  });
}

function documentation(moddle: BpmnModdle, text: string | undefined): ModdleElement[] | undefined {
  return text === undefined ? undefined : [moddle.create('bpmn:Documentation', { text })];
}

function extensionElements(moddle: BpmnModdle, values: Array<ModdleElement | undefined>): ModdleElement | undefined {
  const present = values.filter((v): v is ModdleElement => v !== undefined);
  return present.length ? moddle.create('bpmn:ExtensionElements', { values: present }) : undefined;
}

function isSubProcess(node: GraphNode): boolean {
  return node.kind === 'subProcess' || node.kind === 'eventSubProcess';
}

function many(element: ModdleElement, property: string): ModdleElement[] {
  return element.get(property) as ModdleElement[];
}
