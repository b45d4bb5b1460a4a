import type { ModdleElement } from 'bpmn-moddle';
import type { BpmnProblem } from '../../shared/errors.js';
import { durationMs, validateTimer } from '../time/iso8601.js';
import type { Bounds, FieldDefinition, FieldType, GraphFlow, GraphLane, GraphNode, NodeKind, ProcessGraph, ProcessProperties, StepProperties, TimerSpec } from '../workflow.js';
import { extensionValues, localName } from './moddle.js';
import { readCamundaStepProperties } from './vendor-properties.js';

export interface ReadResult {
  graph?: ProcessGraph;
  problems: BpmnProblem[];
}

type Element = ModdleElement;

const TASK_KINDS: Record<string, NodeKind> = {
  'bpmn:Task': 'task',
  'bpmn:UserTask': 'userTask',
  'bpmn:ManualTask': 'manualTask',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:ScriptTask': 'scriptTask',
  'bpmn:SendTask': 'sendTask',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
};

const GATEWAY_KINDS: Record<string, NodeKind> = {
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
};

/** Flow elements that carry no behaviour: read past them. */
const INERT = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

const FIELD_TYPES: ReadonlySet<string> = new Set(['string', 'text', 'number', 'integer', 'boolean', 'date', 'enum']);

function list(value: unknown): Element[] {
  return Array.isArray(value) ? (value as Element[]) : [];
}

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads the executable process of a parsed BPMN document into a `ProcessGraph`, collecting a problem for
 * every element SOPflow cannot execute. Structural rules that need the whole graph live in the compiler.
 */
export function readGraph(definitions: Element, elementsById: Record<string, Element> = {}): ReadResult {
  const reader = new GraphReader();
  const process = reader.pickProcess(definitions);
  if (!process) return { problems: reader.problems };
  const graph = reader.read(definitions, process, elementsById);
  return { graph, problems: reader.problems };
}

class GraphReader {
  readonly problems: BpmnProblem[] = [];
  private pool?: { id: string; name?: string };
  private readonly nodes: GraphNode[] = [];
  private readonly flows: GraphFlow[] = [];
  private readonly messages: Record<string, string> = {};
  private usedIds = new Set<string>();

  private problem(element: Element | undefined, message: string): void {
    this.problems.push({ elementId: element?.id ?? 'document', type: element ? localName(element.$type) : 'document', message });
  }

  pickProcess(definitions: Element): Element | undefined {
    const roots = list(definitions.rootElements);
    const collaboration = roots.find((r) => r.$type === 'bpmn:Collaboration');
    const participant = list(collaboration?.participants).find((p) => p.processRef);
    if (participant) {
      this.pool = { id: participant.id!, ...(text(participant.name) ? { name: text(participant.name)! } : {}) };
      return participant.processRef as Element;
    }
    const processes = roots.filter((r) => r.$type === 'bpmn:Process');
    const chosen = processes.find((p) => p.isExecutable === true) ?? processes[0];
    if (!chosen) this.problem(definitions, 'the file defines no process');
    return chosen;
  }

  read(definitions: Element, process: Element, elementsById: Record<string, Element>): ProcessGraph {
    this.usedIds = new Set(Object.keys(elementsById));
    for (const root of list(definitions.rootElements)) {
      if (root.$type === 'bpmn:Message' && root.id) this.messages[root.id] = text(root.name) ?? root.id;
    }
    this.readFlowElements(process, undefined);
    const lanes = this.readLanes(process);
    this.applyLaneOwners(lanes);
    const graph: ProcessGraph = {
      id: process.id!,
      nodes: this.nodes,
      flows: this.flows,
      lanes,
    };
    const name = text(process.name) ?? this.pool?.name;
    if (name) graph.name = name;
    const documentation = readDocumentation(process);
    if (documentation) graph.documentation = documentation;
    const properties = readProcessProperties(process, (message) => this.problem(process, message));
    if (properties) graph.properties = properties;
    if (Object.keys(this.messages).length) graph.messages = this.messages;
    if (this.pool) graph.pool = this.pool;
    applyDiagram(definitions, graph);
    if (list(process.laneSets).length > 1) this.problem(process, 'only one lane set per process is supported');
    return graph;
  }

  private readFlowElements(container: Element, parentId: string | undefined): void {
    for (const element of list(container.flowElements)) {
      if (INERT.has(element.$type)) continue;
      if (element.$type === 'bpmn:SequenceFlow') this.readFlow(element);
      else this.readNode(element, parentId);
    }
  }

  private readFlow(element: Element): void {
    const source = element.sourceRef as Element | undefined;
    const target = element.targetRef as Element | undefined;
    if (!source?.id || !target?.id) {
      this.problem(element, `dangling sequence flow: it has no ${source?.id ? 'target' : 'source'}`);
      return;
    }
    const flow: GraphFlow = { id: element.id ?? this.generatedFlowId(source.id, target.id), source: source.id, target: target.id };
    const name = text(element.name);
    if (name) flow.name = name;
    const event = text(element.event ?? element.get('sop:event'));
    if (event) flow.event = event;
    const condition = element.conditionExpression as Element | undefined;
    if (condition) {
      const body = text(condition.body);
      const language = text(condition.language);
      if (!body) this.problem(element, 'the condition expression is empty');
      else if (language && !/feel/i.test(language)) this.problem(element, `condition language "${language}" is not supported: write the condition in FEEL`);
      else if (/^\$\{|^#\{/.test(body)) this.problem(element, `condition ${JSON.stringify(body)} is a JUEL/EL expression: write it in FEEL, e.g. level = "L1"`);
      else flow.condition = body.replace(/^=\s*/, '');
    }
    this.flows.push(flow);
  }

  /** BPMN makes ids optional; some modelers (Flowable) omit them on flows. Name those after their ends. */
  private generatedFlowId(source: string, target: string): string {
    const base = `Flow_${source}_${target}`;
    let id = base;
    for (let n = 2; this.flows.some((f) => f.id === id) || this.usedIds.has(id); n++) id = `${base}_${n}`;
    return id;
  }

  private readNode(element: Element, parentId: string | undefined): void {
    if (!element.id) {
      this.problem(element, `a ${localName(element.$type)}${element.name ? ` named "${String(element.name)}"` : ''} has no id, so no flow can reach it`);
      return;
    }
    const kind = this.kindOf(element);
    if (!kind) return;
    if (element.loopCharacteristics) {
      this.problem(element, 'loops and multi-instance activities are not supported: model the repetition with a gateway');
      return;
    }
    const node: GraphNode = { id: element.id!, kind };
    const name = text(element.name);
    if (name) node.name = name;
    if (parentId) node.parentId = parentId;
    const documentation = readDocumentation(element);
    if (documentation) node.documentation = documentation;
    const step = this.readStepProperties(element);
    if (step) node.step = step;
    if (element.$type === 'bpmn:BoundaryEvent') {
      const host = element.attachedToRef as Element | undefined;
      if (!host?.id) this.problem(element, 'the boundary event is not attached to an activity (attachedToRef is missing)');
      else node.attachedTo = host.id;
      node.cancelActivity = element.cancelActivity !== false;
    }
    if (kind === 'exclusiveGateway' && element.default) node.defaultFlow = (element.default as Element).id!;
    const definition = list(element.eventDefinitions)[0];
    if (definition?.$type === 'bpmn:TimerEventDefinition') {
      const timer = this.readTimer(element, definition);
      if (timer) node.timer = timer;
    }
    if (definition?.$type === 'bpmn:MessageEventDefinition') {
      const message = definition.messageRef as Element | undefined;
      node.message = message ? (text(message.name) ?? message.id!) : (name ?? element.id!);
    }
    const reminder = extensionValues(element).find((v) => v.$type === 'sop:Reminder');
    if (reminder) node.reminder = { ...(text(reminder.to) ? { to: text(reminder.to)! } : {}), ...(text(reminder.message) ? { message: text(reminder.message)! } : {}) };
    this.nodes.push(node);
    if (kind === 'subProcess' || kind === 'eventSubProcess') this.readFlowElements(element, element.id!);
  }

  /** Maps a BPMN element to what SOPflow executes, or records why it cannot. */
  private kindOf(element: Element): NodeKind | undefined {
    const type = element.$type;
    const task = TASK_KINDS[type];
    if (task) return task;
    const gateway = GATEWAY_KINDS[type];
    if (gateway) return gateway;
    const definitions = list(element.eventDefinitions);
    if (definitions.length > 1) {
      this.problem(element, 'events with several event definitions are not supported');
      return undefined;
    }
    const definition = definitions[0]?.$type;
    const inEventSubProcess = element.$parent?.triggeredByEvent === true;
    switch (type) {
      case 'bpmn:StartEvent':
        if (inEventSubProcess) {
          if (definition === 'bpmn:TimerEventDefinition' && element.isInterrupting === false) return 'timerStartEvent';
          this.problem(element, 'an event subprocess must start with a non-interrupting timer (a periodic reminder such as R/PT4H)');
          return undefined;
        }
        if (!definition || definition === 'bpmn:MessageEventDefinition') return 'startEvent';
        this.problem(element, `${eventName(definition)} start events are not supported: tickets start when they are created`);
        return undefined;
      case 'bpmn:EndEvent':
        if (!definition || definition === 'bpmn:MessageEventDefinition') return 'endEvent';
        if (definition === 'bpmn:TerminateEventDefinition') return 'terminateEndEvent';
        this.problem(element, `${eventName(definition)} end events are not supported`);
        return undefined;
      case 'bpmn:IntermediateCatchEvent':
        if (definition === 'bpmn:TimerEventDefinition') return 'timerCatchEvent';
        if (definition === 'bpmn:MessageEventDefinition') return 'messageCatchEvent';
        this.problem(element, definition ? `${eventName(definition)} catch events are not supported` : 'the catch event has no event definition');
        return undefined;
      case 'bpmn:IntermediateThrowEvent':
        this.problem(element, 'intermediate throw events are not supported: use a send task');
        return undefined;
      case 'bpmn:BoundaryEvent':
        if (definition === 'bpmn:TimerEventDefinition') return 'timerBoundaryEvent';
        if (definition === 'bpmn:MessageEventDefinition') return 'messageBoundaryEvent';
        this.problem(element, definition ? `${eventName(definition)} boundary events are not supported` : 'the boundary event has no event definition');
        return undefined;
      case 'bpmn:SubProcess':
        return element.triggeredByEvent === true ? 'eventSubProcess' : 'subProcess';
      case 'bpmn:CallActivity':
        this.problem(element, 'call activities are not supported: embed the called steps as a subprocess');
        return undefined;
      case 'bpmn:InclusiveGateway':
      case 'bpmn:ComplexGateway':
        this.problem(element, `${localName(type)} is not supported: use exclusive or parallel gateways`);
        return undefined;
      default:
        this.problem(element, `${localName(type)} is not supported`);
        return undefined;
    }
  }

  private readTimer(element: Element, definition: Element): TimerSpec | undefined {
    const forms: Array<[TimerSpec['type'], unknown]> = [
      ['duration', definition.timeDuration],
      ['date', definition.timeDate],
      ['cycle', definition.timeCycle],
    ];
    const present = forms.filter(([, expression]) => expression);
    if (present.length === 0) {
      this.problem(element, 'the timer has no time expression: set a duration (e.g. PT2H), a date or a cycle (e.g. R/PT4H)');
      return undefined;
    }
    if (present.length > 1) {
      this.problem(element, 'the timer sets more than one of timeDuration, timeDate and timeCycle');
      return undefined;
    }
    const [type, expression] = present[0]!;
    const value = text((expression as Element).body);
    if (!value) {
      this.problem(element, `the timer's time${type[0]!.toUpperCase()}${type.slice(1)} is empty: set a value such as PT2H`);
      return undefined;
    }
    return { type, value };
  }

  private readStepProperties(element: Element): StepProperties | undefined {
    const sop = extensionValues(element).find((v) => v.$type === 'sop:Step');
    const properties: StepProperties = readCamundaStepProperties(element);
    if (sop) {
      for (const key of ['owner', 'sla', 'vipSla', 'calendar'] as const) {
        const value = text(sop[key]);
        if (value) properties[key] = value;
      }
      if (typeof sop.waitingOnCustomer === 'boolean') properties.waitingOnCustomer = sop.waitingOnCustomer;
      if (typeof sop.warnAt === 'number') properties.warnAt = sop.warnAt;
      const checklist = list(sop.items).map((item) => text(item.text)).filter((item): item is string => !!item);
      if (checklist.length) properties.checklist = checklist;
      const fields = list(sop.fields).map((field) => this.readField(element, field)).filter((f): f is FieldDefinition => !!f);
      if (fields.length) properties.fields = [...(properties.fields ?? []).filter((f) => !fields.some((g) => g.name === f.name)), ...fields];
    }
    return Object.keys(properties).length ? properties : undefined;
  }

  private readField(element: Element, field: Element): FieldDefinition | undefined {
    const name = text(field.name);
    const type = text(field.type) ?? 'string';
    if (!name) {
      this.problem(element, 'a sop:field has no name');
      return undefined;
    }
    if (!FIELD_TYPES.has(type)) {
      this.problem(element, `field "${name}" has unknown type "${type}" (use ${[...FIELD_TYPES].join(', ')})`);
      return undefined;
    }
    const definition: FieldDefinition = { name, type: type as FieldType, required: field.required === true };
    const label = text(field.label);
    if (label) definition.label = label;
    const options = text(field.options)?.split(',').map((o) => o.trim()).filter(Boolean);
    if (type === 'enum' && !options?.length) this.problem(element, `enum field "${name}" lists no options`);
    if (options?.length) definition.options = options;
    if (typeof field.min === 'number') definition.min = field.min;
    if (typeof field.max === 'number') definition.max = field.max;
    return definition;
  }

  private readLanes(process: Element): GraphLane[] {
    const lanes: GraphLane[] = [];
    const visit = (laneSet: Element | undefined): void => {
      for (const lane of list(laneSet?.lanes)) {
        const child = lane.childLaneSet as Element | undefined;
        if (child && list(child.lanes).length) {
          visit(child);
          continue;
        }
        const entry: GraphLane = { id: lane.id!, nodeIds: list(lane.flowNodeRef).map((n) => n.id!).filter(Boolean) };
        const name = text(lane.name) ?? ancestorLaneName(lane);
        if (name) entry.name = name;
        lanes.push(entry);
      }
    };
    for (const laneSet of list(process.laneSets)) visit(laneSet);
    return lanes;
  }

  /** A lane's name is the owner role of the steps in it, unless a step names its owner itself. */
  private applyLaneOwners(lanes: GraphLane[]): void {
    const byId = new Map(this.nodes.map((n) => [n.id, n]));
    for (const lane of lanes) {
      if (!lane.name) continue;
      for (const id of lane.nodeIds) {
        const node = byId.get(id);
        if (!node || node.step?.owner) continue;
        node.step = { ...node.step, owner: lane.name };
      }
    }
  }
}

function ancestorLaneName(lane: Element): string | undefined {
  for (let parent = lane.$parent; parent; parent = parent.$parent) {
    if (parent.$type === 'bpmn:Lane' && text(parent.name)) return text(parent.name);
  }
  return undefined;
}

function eventName(definitionType: string): string {
  return localName(definitionType).replace(/EventDefinition$/, '').toLowerCase();
}

function readDocumentation(element: Element): string | undefined {
  const parts = list(element.documentation).map((d) => text(d.text)).filter((t): t is string => !!t);
  return parts.length ? parts.join('\n\n') : undefined;
}

function readProcessProperties(process: Element, report: (message: string) => void): ProcessProperties | undefined {
  const sop = extensionValues(process).find((v) => v.$type === 'sop:Process');
  if (!sop) return undefined;
  const properties: ProcessProperties = {};
  for (const key of ['calendar', 'vipCalendar', 'sla', 'vipSla'] as const) {
    const value = text(sop[key]);
    if (value) properties[key] = value;
  }
  const levelSla = text(sop.levelSla);
  if (levelSla) {
    const parsed = parseLevelSla(levelSla);
    if (typeof parsed === 'string') report(parsed);
    else properties.levelSla = parsed;
  }
  const channels = text(sop.channels)?.split(',').map((c) => c.trim()).filter(Boolean);
  if (channels?.length) properties.channels = channels;
  return properties;
}

/**
 * Reads `levelSla`, e.g. "L1=PT4H,L2=P1D,L3=P2D", into durations by level; a message saying what is wrong
 * when it is malformed.
 */
export function parseLevelSla(value: string): Record<string, string> | string {
  const levels: Record<string, string> = {};
  const example = 'write it as LEVEL=DURATION pairs such as L1=PT4H,L2=P1D,L3=P2D';
  for (const entry of value.split(',')) {
    const match = /^\s*([^\s=,]+)\s*=\s*(\S+)\s*$/.exec(entry);
    if (!match) return `levelSla ${JSON.stringify(value)}: entry ${JSON.stringify(entry.trim())} is not LEVEL=DURATION; ${example}`;
    const [, level, sla] = match as unknown as [string, string, string];
    if (Object.hasOwn(levels, level)) return `levelSla ${JSON.stringify(value)} names level ${level} twice`;
    if (validateTimer({ type: 'duration', value: sla })) return `levelSla ${JSON.stringify(value)}: ${JSON.stringify(sla)} for ${level} is not an ISO 8601 duration such as PT4H or P1D`;
    if (durationMs(sla) <= 0) return `levelSla ${JSON.stringify(value)}: the limit for ${level} must be longer than zero`;
    levels[level] = sla;
  }
  return levels;
}

/** Copies shapes and edges of the diagram that shows the process, so export can keep the author's layout. */
function applyDiagram(definitions: Element, graph: ProcessGraph): void {
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
        waypoints.set(target, list(item.waypoint).map((w) => ({ x: Number(w.x), y: Number(w.y) })));
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
