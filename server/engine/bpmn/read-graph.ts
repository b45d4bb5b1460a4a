import type { ModdleElement } from 'bpmn-moddle';
import type { BpmnProblem } from '../../shared/errors.js';
import type { GraphFlow, GraphLane, GraphNode, ProcessGraph } from '../workflow.js';
import { extensionValues, list, localName, text } from './moddle.js';
import { applyDiagram } from './read-diagram.js';
import { nodeKindOf, type ReportProblem } from './read-node-kind.js';
import { readDocumentation, readProcessProperties, readStepProperties, readTimer } from './read-properties.js';

export interface ReadResult {
  graph?: ProcessGraph;
  problems: BpmnProblem[];
}

type Element = ModdleElement;

/** Flow elements that carry no behaviour: read past them. */
const INERT = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

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

  private readonly report: ReportProblem = (element, message) => this.problem(element, message);

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
    const kind = nodeKindOf(element, this.report);
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
    const step = readStepProperties(element, this.report);
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
      const timer = readTimer(element, definition, this.report);
      if (timer) node.timer = timer;
    }
    if (definition?.$type === 'bpmn:MessageEventDefinition') {
      const message = definition.messageRef as Element | undefined;
      node.message = message ? (text(message.name) ?? message.id!) : (name ?? element.id!);
    }
    const reminder = extensionValues(element).find((v) => v.$type === 'sop:Reminder');
    if (reminder)
      node.reminder = { ...(text(reminder.to) ? { to: text(reminder.to)! } : {}), ...(text(reminder.message) ? { message: text(reminder.message)! } : {}) };
    this.nodes.push(node);
    if (kind === 'subProcess' || kind === 'eventSubProcess') this.readFlowElements(element, element.id!);
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
        const entry: GraphLane = {
          id: lane.id!,
          nodeIds: list(lane.flowNodeRef)
            .map((n) => n.id!)
            .filter(Boolean),
        };
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
