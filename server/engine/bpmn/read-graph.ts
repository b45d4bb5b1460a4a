import type { ModdleElement } from 'bpmn-moddle';
import { bpmnError, bpmnWarning, type BpmnProblem, type BpmnProblemCode, type ProblemValues } from '../../shared/errors.js';
import type { GraphFlow, GraphLane, GraphNode, ProcessGraph } from '../workflow.js';
import { extensionValues, list, localName, text } from './moddle.js';
import { juelToFeel, isJuel } from './juel.js';
import { readCalledElement, readLoop, type ActivityReading } from './read-activity.js';
import { applyDiagram } from './read-diagram.js';
import { readEventDetails } from './read-events.js';
import { nodeKindOf, type ReportProblem } from './read-node-kind.js';
import { readDocumentation, readProcessProperties, readStepProperties, readTimer } from './read-properties.js';

export interface ReadResult {
  graph?: ProcessGraph;
  problems: BpmnProblem[];
}

export interface ReadOptions {
  /** The id of the process to import when the file holds several (`?process=` on the API). */
  process?: string;
}

type Element = ModdleElement;

/** Flow elements that carry no behaviour: read past them. */
const INERT = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

/**
 * Reads the executable process of a parsed BPMN document into a `ProcessGraph`, collecting a problem for
 * every element SOPflow cannot execute. Structural rules that need the whole graph live in the compiler.
 */
export function readGraph(definitions: Element, elementsById: Record<string, Element> = {}, options: ReadOptions = {}): ReadResult {
  const reader = new GraphReader();
  const process = reader.pickProcess(definitions, options.process);
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

  private problem(element: Element | undefined, code: BpmnProblemCode, message: string, make = bpmnError, values?: ProblemValues): void {
    this.problems.push(make(element?.id ?? 'document', element ? localName(element.$type) : 'document', code, message, values));
  }

  private readonly report: ReportProblem = (element, code, message) => this.problem(element, code, message);
  private readonly activities: ActivityReading = { problem: (...args) => this.problem(...args), condition: readCondition };

  /**
   * The process to import: the one asked for, else the only executable one, else the only one in a pool,
   * else the only one with flow elements. Several candidates are refused, each named, so the author chooses with `?process=`; the
   * processes with flow elements left out are named in warnings. Never a silent partial import.
   */
  pickProcess(definitions: Element, asked: string | undefined): Element | undefined {
    const roots = list(definitions.rootElements);
    const processes = roots.filter((r) => r.$type === 'bpmn:Process');
    const named = (p: Element) => `${p.id}${text(p.name) ? ` ("${text(p.name)}")` : ''}`;
    if (!processes.length) {
      this.problem(definitions, 'no_process', 'the file defines no process');
      return undefined;
    }
    const withFlow = processes.filter((p) => list(p.flowElements).length > 0);
    const participants = list(roots.find((r) => r.$type === 'bpmn:Collaboration')?.participants);
    const inPools = new Set(participants.map((p) => p.processRef as Element | undefined));
    let chosen: Element | undefined;
    if (asked !== undefined) {
      chosen = processes.find((p) => p.id === asked);
      if (!chosen) {
        const known = processes.map(named).join(', ');
        this.problem(definitions, 'unknown_process', `the file has no process "${asked}"; its processes: ${known}`, bpmnError, { process: asked, known });
        return undefined;
      }
    } else {
      const executable = withFlow.filter((p) => p.isExecutable === true);
      const pooled = withFlow.filter((p) => inPools.has(p));
      const candidates = executable.length ? executable : pooled.length ? pooled : withFlow;
      if (candidates.length > 1) {
        const ids = candidates.map(named).join(', ');
        const why = executable.length ? 'executable processes' : 'processes with steps, none marked executable';
        for (const candidate of candidates)
          this.problem(candidate, 'ambiguous_process', `the file holds ${candidates.length} ${why} (${ids}): choose one with ?process=ID`);
        return undefined;
      }
      chosen = candidates[0] ?? processes[0]!;
    }
    for (const other of withFlow) {
      if (other === chosen) continue;
      this.problem(
        other,
        'process_left_out',
        `process ${named(other)} is not imported: only ${named(chosen)} is; import it on its own with ?process=${other.id}`,
        bpmnWarning,
      );
    }
    const participant = participants.find((p) => p.processRef === chosen);
    if (participant) this.pool = { id: participant.id!, ...(text(participant.name) ? { name: text(participant.name)! } : {}) };
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
    const properties = readProcessProperties(process, (message) => this.problem(process, 'invalid_property', message));
    if (properties) graph.properties = properties;
    if (Object.keys(this.messages).length) graph.messages = this.messages;
    if (this.pool) graph.pool = this.pool;
    applyDiagram(definitions, graph);
    if (list(process.laneSets).length > 1) this.problem(process, 'unsupported_element', 'only one lane set per process is supported');
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
      this.problem(element, 'dangling_flow', `dangling sequence flow: it has no ${source?.id ? 'target' : 'source'}`);
      return;
    }
    const flow: GraphFlow = { id: element.id ?? this.generatedFlowId(source.id, target.id), source: source.id, target: target.id };
    const name = text(element.name);
    if (name) flow.name = name;
    const event = text(element.event ?? element.get('sop:event'));
    if (event) flow.event = event;
    const condition = element.conditionExpression as Element | undefined;
    if (condition) {
      const read = readCondition(text(condition.body), text(condition.language));
      if ('error' in read) this.problem(element, read.code, read.error);
      else {
        flow.condition = read.feel;
        if (read.from) this.problem(element, 'condition_translated', `the JUEL condition ${read.from} runs as the FEEL condition ${read.feel}`, bpmnWarning);
      }
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
      this.problem(
        element,
        'missing_id',
        `a ${localName(element.$type)}${element.name ? ` named "${String(element.name)}"` : ''} has no id, so no flow can reach it`,
      );
      return;
    }
    const kind = nodeKindOf(element, this.report);
    if (!kind) return;
    const loop = readLoop(element, kind, this.activities);
    const called = kind === 'callActivity' ? readCalledElement(element, this.activities) : undefined;
    if (loop === 'refused' || (kind === 'callActivity' && !called)) return;
    const node: GraphNode = { id: element.id!, kind };
    if (loop) node.loop = loop;
    if (called) node.called = called;
    const name = text(element.name);
    if (name) node.name = name;
    if (parentId) node.parentId = parentId;
    const documentation = readDocumentation(element);
    if (documentation) node.documentation = documentation;
    const step = readStepProperties(element, this.report);
    if (step) node.step = step;
    if (element.$type === 'bpmn:BoundaryEvent') {
      const host = element.attachedToRef as Element | undefined;
      if (!host?.id) this.problem(element, 'invalid_boundary', 'the boundary event is not attached to an activity (attachedToRef is missing)');
      else node.attachedTo = host.id;
      node.cancelActivity = element.cancelActivity !== false;
    }
    if ((kind === 'exclusiveGateway' || kind === 'inclusiveGateway') && element.default) node.defaultFlow = (element.default as Element).id!;
    const definition = list(element.eventDefinitions)[0];
    if (definition?.$type === 'bpmn:TimerEventDefinition') {
      const timer = readTimer(element, definition, this.report);
      if (timer) node.timer = timer;
    }
    if (
      kind === 'errorBoundaryEvent' ||
      kind === 'escalationBoundaryEvent' ||
      kind === 'errorEndEvent' ||
      kind === 'escalationEndEvent' ||
      kind === 'escalationThrowEvent'
    ) {
      const thrown = (definition?.errorRef ?? definition?.escalationRef) as Element | undefined;
      const code = text(definition?.errorRef ? thrown?.errorCode : thrown?.escalationCode);
      node.thrown = text(thrown?.name) ?? code ?? name ?? element.id!;
    }
    if (definition?.$type === 'bpmn:LinkEventDefinition') node.link = text(definition.name) ?? name ?? element.id!;
    if (definition?.$type === 'bpmn:MessageEventDefinition') {
      const message = definition.messageRef as Element | undefined;
      node.message = message ? (text(message.name) ?? message.id!) : (name ?? element.id!);
    }
    readEventDetails(element, definition, node);
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

type ConditionRead = { feel: string; from?: string } | { code: BpmnProblemCode; error: string };

/** A flow's condition as FEEL: FEEL as written (Camunda 8's leading `=` dropped), JUEL translated, scripts refused. */
function readCondition(body: string | undefined, language: string | undefined): ConditionRead {
  if (!body) return { code: 'empty_condition', error: 'the condition expression is empty' };
  const juel = language ? /juel|jsp|^el$|expression-language/i.test(language) : isJuel(body);
  if (language && !juel && !/feel/i.test(language)) {
    return {
      code: 'unsupported_condition_language',
      error: `the condition is a ${language} script, which SOPflow does not run (scripts could do anything on the server): write it in FEEL, e.g. level = "L1"`,
    };
  }
  if (!juel) return { feel: body.replace(/^=\s*/, '') };
  const translated = juelToFeel(body);
  if ('error' in translated)
    return { code: 'untranslatable_condition', error: `the JUEL condition ${JSON.stringify(body)} cannot be translated to FEEL: ${translated.error}` };
  return { feel: translated.feel, from: JSON.stringify(body) };
}
