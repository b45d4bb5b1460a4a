/**
 * The compiled, serializable form of an SOP. Everything here is plain JSON: it is stored in the database,
 * printed by `sopflow compile`, and turned back into BPMN by the exporter.
 */
import type { CalledElement, CallSite, LinkedCall, LoopSpec, StepLoop } from './workflow-activities.js';
export { THROWS_META } from './workflow-activities.js';

export type { CalledElement, CallCatch, CallSite, LinkedCall, LoopSpec, StepInstance, StepLoop } from './workflow-activities.js';

/** What a BPMN flow node became. */
export type NodeKind =
  | 'startEvent'
  | 'endEvent'
  | 'terminateEndEvent'
  | 'task' // bpmn:Task, UserTask: waits for a person
  | 'userTask'
  | 'manualTask'
  | 'receiveTask'
  | 'serviceTask' // automatic, passes through at once
  | 'scriptTask'
  | 'sendTask'
  | 'businessRuleTask'
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway' // forks every flow whose condition holds (else the default); its join waits for those
  | 'eventBasedGateway'
  | 'timerCatchEvent'
  | 'messageCatchEvent'
  | 'timerBoundaryEvent'
  | 'messageBoundaryEvent'
  | 'errorBoundaryEvent' // on a step: an action named after the error, interrupting it
  | 'escalationBoundaryEvent'
  | 'errorEndEvent' // inside a subprocess: leaves it by the boundary catching the error
  | 'escalationEndEvent'
  | 'escalationThrowEvent' // inside a subprocess: raises the escalation its boundary catches, and goes on (or not, if that interrupts)
  | 'linkThrowEvent' // a drawing's go-to: the ticket goes on at the link catch event of the same name
  | 'linkCatchEvent'
  | 'signalCatchEvent' // waits for a signal (`POST /api/signals`), event `signal.<name>`
  | 'signalBoundaryEvent'
  | 'throwEvent' // intermediate none or message throw: a send step, recorded in the step log
  | 'messageStartEvent' // these four only as the start of an event subprocess
  | 'signalStartEvent'
  | 'errorStartEvent'
  | 'escalationStartEvent'
  | 'subProcess'
  | 'eventSubProcess'
  | 'timerStartEvent' // only as the start of an event subprocess
  | 'callActivity'; // runs another published workflow's steps inside the ticket (workflow-activities.ts)

const BPMN_TYPE_OF_KIND: Partial<Record<NodeKind, string>> = {
  terminateEndEvent: 'endEvent',
  timerCatchEvent: 'intermediateCatchEvent',
  messageCatchEvent: 'intermediateCatchEvent',
  timerBoundaryEvent: 'boundaryEvent',
  messageBoundaryEvent: 'boundaryEvent',
  errorBoundaryEvent: 'boundaryEvent',
  escalationBoundaryEvent: 'boundaryEvent',
  errorEndEvent: 'endEvent',
  escalationEndEvent: 'endEvent',
  escalationThrowEvent: 'intermediateThrowEvent',
  linkThrowEvent: 'intermediateThrowEvent',
  linkCatchEvent: 'intermediateCatchEvent',
  signalCatchEvent: 'intermediateCatchEvent',
  signalBoundaryEvent: 'boundaryEvent',
  throwEvent: 'intermediateThrowEvent',
  messageStartEvent: 'startEvent',
  signalStartEvent: 'startEvent',
  errorStartEvent: 'startEvent',
  escalationStartEvent: 'startEvent',
  eventSubProcess: 'subProcess',
  timerStartEvent: 'startEvent',
};

/** The BPMN element name (as in the XML, without prefix) a node kind came from: what problems report. */
export function bpmnTypeOf(kind: NodeKind): string {
  return BPMN_TYPE_OF_KIND[kind] ?? kind;
}

/** A workflow's key is its process id: at most this long, in URLs and the API. */
export const MAX_WORKFLOW_KEY_CHARS = 200;

export const WAIT_TASKS: ReadonlySet<NodeKind> = new Set(['task', 'userTask', 'manualTask', 'receiveTask']);
/** Automatic steps pass through at once; a throw event is one (it sends, and is recorded as sent). */
export const AUTOMATIC_TASKS: ReadonlySet<NodeKind> = new Set(['serviceTask', 'scriptTask', 'sendTask', 'businessRuleTask', 'throwEvent']);

export type FieldType = 'string' | 'text' | 'number' | 'integer' | 'boolean' | 'date' | 'enum';

export interface FieldDefinition {
  name: string;
  label?: string;
  type: FieldType;
  required: boolean;
  options?: string[];
  min?: number;
  max?: number;
}

/** SOP properties of a step, from `sop:step` or the Camunda/Zeebe/Flowable equivalents. */
export interface StepProperties {
  owner?: string;
  /** ISO 8601 duration. */
  sla?: string;
  vipSla?: string;
  calendar?: string;
  waitingOnCustomer?: boolean;
  /** Share of the SLA at which a warning goes out (0..1). */
  warnAt?: number;
  checklist?: string[];
  fields?: FieldDefinition[];
}

export type TimerSpec = { type: 'duration'; value: string } | { type: 'date'; value: string } | { type: 'cycle'; value: string };

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name?: string;
  /** Id of the enclosing (event) subprocess; absent at process level. */
  parentId?: string;
  documentation?: string;
  step?: StepProperties;
  /** Boundary events: the activity they sit on, and whether they interrupt it. */
  attachedTo?: string;
  cancelActivity?: boolean;
  timer?: TimerSpec;
  /** Message catch/boundary/start/throw and message end events: the message name, which becomes the event type. */
  message?: string;
  /** Signal catch/boundary/start events: the signal's name; the event type is `signal.<name>`. */
  signal?: string;
  /** The start event of an event subprocess that interrupts what runs beside it (absent: it does not). */
  interrupting?: true;
  /** Error and escalation boundary events: the error's or escalation's name, which labels the agent's action. */
  thrown?: string;
  /** Link events: the link's name, which pairs a throw with the catch it goes to. */
  link?: string;
  /** Non-interrupting timers: who is reminded of what. */
  reminder?: { to?: string; message?: string };
  /** Exclusive gateways: the flow taken when no condition holds. */
  defaultFlow?: string;
  /** Call activities: the workflow called. */
  called?: CalledElement;
  /** Steps that repeat: a standard loop or one instance per item. */
  loop?: LoopSpec;
  bounds?: Bounds;
}

export interface GraphFlow {
  id: string;
  name?: string;
  source: string;
  target: string;
  /** FEEL expression over the ticket's fields. */
  condition?: string;
  /** Explicit event key (`sop:event`). */
  event?: string;
  waypoints?: Array<{ x: number; y: number }>;
}

export interface GraphLane {
  id: string;
  name?: string;
  nodeIds: string[];
  bounds?: Bounds;
}

/** SOP properties of the whole process, from `sop:process`. */
export interface ProcessProperties {
  calendar?: string;
  /** Calendar of VIP tickets, instead of `calendar`. */
  vipCalendar?: string;
  /** ISO 8601 durations: the ticket's resolution limit. */
  sla?: string;
  vipSla?: string;
  /** Resolution limit per ticket level, ISO 8601 durations by level, e.g. { L1: 'PT4H' }. */
  levelSla?: Record<string, string>;
  channels?: string[];
}

/** The executable part of one BPMN process, normalized: what the compiler reads and the exporter writes. */
export interface ProcessGraph {
  id: string;
  name?: string;
  documentation?: string;
  properties?: ProcessProperties;
  nodes: GraphNode[];
  flows: GraphFlow[];
  lanes: GraphLane[];
  messages?: Record<string, string>;
  /** The participant's pool, when the source was a collaboration. */
  pool?: { id: string; name?: string; bounds?: Bounds };
}

export type StepKind = 'human' | 'automatic' | 'wait';

/** A place a ticket can be, shown to agents: a BPMN task, or a catch event or event gateway it waits at. */
export interface StepDefinition {
  id: string;
  name: string;
  kind: StepKind;
  owner?: string;
  slaMs?: number;
  vipSlaMs?: number;
  calendar?: string;
  waitingOnCustomer: boolean;
  warnAt: number;
  guidance?: string;
  checklist: string[];
  fields: FieldDefinition[];
  /** The actions an agent may take here, one button each. */
  actions: StepAction[];
  /** Timers armed while the ticket is in this step (BPMN timer ids). */
  timers: string[];
  /** A step that repeats (standard loop) or runs once per item (multi-instance). */
  loop?: StepLoop;
  /** A step of a called workflow, linked into the caller: the call it runs in. */
  calledBy?: { path: string } & LinkedCall;
}

export interface StepAction {
  event: string;
  label: string;
  flowId: string;
}

export type TimerBehaviour = 'interrupting' | 'reminder';

/** A BPMN timer: boundary, intermediate catch, or event-subprocess start. */
export interface TimerDefinition {
  id: string;
  name?: string;
  spec: TimerSpec;
  behaviour: TimerBehaviour;
  /** The step (or `$process`) whose entry arms the timer and whose exit cancels it. */
  scope: string;
  reminder?: { to?: string; message?: string };
}

export const PROCESS_SCOPE = '$process';

/** Share of a limit at which a warning goes out, when a step does not say. */
export const DEFAULT_WARN_AT = 0.8;

/** The field that holds a ticket's level (L1/L2/L3), which picks the level's resolution limit. */
export const LEVEL_FIELD = 'level';

export const WORKFLOW_FORMAT = 1;

export interface Workflow {
  format: typeof WORKFLOW_FORMAT;
  key: string;
  name: string;
  calendar?: string;
  vipCalendar?: string;
  /** The ticket's resolution limit, in business time on the ticket's calendar. */
  slaMs?: number;
  vipSlaMs?: number;
  /** Resolution limit by the ticket's `level` field, replacing `slaMs` once the level is known. */
  levelSlaMs?: Record<string, number>;
  channels: string[];
  steps: Record<string, StepDefinition>;
  timers: Record<string, TimerDefinition>;
  /** XState v5 machine config: plain JSON, guards and actions referenced by name with params. */
  machine: MachineConfigJson;
  graph: ProcessGraph;
  /** Call activities by element id: the workflow each calls. A ticket runs the workflow linked (`link-calls.ts`). */
  calls?: Record<string, CallSite>;
  /** A linked workflow: by call path (`Call_1`, `Call_1/Call_2`), the workflow and version each call runs. */
  linked?: Record<string, LinkedCall>;
  /**
   * The events that come from outside rather than from an agent's action, by event type: messages (`POST
   * /api/tickets/:id/messages`) and signals (`POST /api/signals`), with the fields a message may carry.
   * Absent in versions compiled before: messages are then read off the graph.
   */
  triggers?: Record<string, TriggerDefinition>;
}

export interface TriggerDefinition {
  kind: 'message' | 'signal';
  name: string;
  fields: FieldDefinition[];
}

/** The owner roles (lanes) of a workflow's steps, each once, sorted: what users are assigned to and queues filter by. */
export function ownersOf(workflows: Iterable<Workflow>): string[] {
  const owners = new Set<string>();
  for (const workflow of workflows) for (const step of Object.values(workflow.steps)) if (step.owner) owners.add(step.owner);
  return [...owners].sort((a, b) => a.localeCompare(b));
}

export interface MachineConfigJson {
  id: string;
  /** A process with a path beside its steps (event subprocess, non-interrupting boundary) runs its regions in parallel. */
  type?: 'parallel';
  initial?: string;
  context: { fields: Record<string, unknown> };
  states: Record<string, StateNodeJson>;
  on?: Record<string, TransitionJson | TransitionJson[]>;
  entry?: ActionJson[];
}

export interface ActionJson {
  type: string;
  params?: Record<string, unknown>;
}

export interface TransitionJson {
  target?: string;
  guard?: { type: string; params: Record<string, unknown> };
  actions?: ActionJson[];
  reenter?: boolean;
}

export interface StateNodeJson {
  id?: string;
  type?: 'parallel' | 'final';
  initial?: string;
  states?: Record<string, StateNodeJson>;
  on?: Record<string, TransitionJson | TransitionJson[]>;
  always?: TransitionJson | TransitionJson[];
  onDone?: TransitionJson;
  entry?: ActionJson[];
  exit?: ActionJson[];
  meta?: Record<string, unknown>;
}
