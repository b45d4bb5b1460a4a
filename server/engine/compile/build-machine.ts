import { unreachable } from '../exhaustive.js';
import { durationMs } from '../time/iso8601.js';
import type {
  GraphFlow,
  GraphNode,
  MachineConfigJson,
  StateNodeJson,
  StepAction,
  StepDefinition,
  StepKind,
  TimerDefinition,
  TransitionJson,
  Workflow,
} from '../workflow.js';
import { DEFAULT_WARN_AT, PROCESS_SCOPE, WORKFLOW_FORMAT } from '../workflow.js';
import { callCatches, callSites, GraphIndex, isAutomaticTask, isThrownBoundary, isWaitTask, throwingEnd, throwMark } from './graph-index.js';
import { blockSize, type ParallelBlock } from './parallel-blocks.js';
import { nameEvents, slug } from './event-names.js';
import { isCatch, isStart, sendsAtEnd, stateKind, triggerOf } from './event-kinds.js';
import { reenterSelfLoops } from './self-loops.js';
import { CONDITION_GUARD, inclusiveCheck, inclusiveGate, waitForACondition } from './guards.js';

export { ANY_HOLDS_GUARD, CONDITION_GUARD, NONE_HOLD_GUARD } from './guards.js';

export const ACTIONS = {
  enter: 'sop.enter',
  exit: 'sop.exit',
  arm: 'sop.arm',
  cancel: 'sop.cancel',
  remind: 'sop.remind',
  record: 'sop.record',
} as const;

export function timerEvent(timerId: string): string {
  return `timer.${timerId}`;
}

/**
 * Turns a checked graph into the workflow: step metadata plus an XState machine config in which every
 * BPMN flow node is a state with the element's id (made safe and unique: `keys` gets it), so a snapshot reads like the diagram.
 */
export function buildWorkflow(index: GraphIndex, blocks: Map<string, ParallelBlock>, keys = new Map<string, string>()): Workflow {
  return new MachineBuilder(index, blocks, keys).build();
}

class MachineBuilder {
  private readonly takenKeys = new Set<string>();
  private readonly container = new Map<string, string>();
  private readonly blockByJoin = new Map<string, ParallelBlock>();
  private readonly states = new Map<string, StateNodeJson>();
  private readonly steps: Record<string, StepDefinition> = {};
  private readonly timers: Record<string, TimerDefinition> = {};
  private eventNames = new Map<string, string>();
  private readonly afterEventGateway = new Set<string>();
  /** The event key of each error and escalation boundary: its name, made unique on its host. */
  private readonly thrownEvents = new Map<string, string>();

  constructor(
    private readonly index: GraphIndex,
    private readonly blocks: Map<string, ParallelBlock>,
    private readonly keys: Map<string, string>,
  ) {}

  build(): Workflow {
    const { graph } = this.index;
    const executable = graph.nodes.filter(
      (n) => !this.index.remindsOnly(n) && !n.attachedTo && !this.index.inEventSubProcess(n) && !this.index.onReminderPath(n),
    );
    for (const node of graph.nodes) if (node.kind === 'eventBasedGateway') for (const f of this.index.outgoing(node.id)) this.afterEventGateway.add(f.target);
    for (const node of executable) this.key(node.id);
    this.assignContainers(executable);
    const stepNodes = executable.filter((n) => this.stepKind(n) !== undefined);
    this.eventNames = nameEvents(
      this.index,
      this.blocks,
      stepNodes.filter((n) => this.agentActs(n)).map((n) => n.id),
    );

    for (const node of executable) this.states.set(node.id, this.stateFor(node));
    for (const node of graph.nodes) if (node.attachedTo && this.states.has(node.attachedTo)) this.attachBoundary(node);
    for (const node of stepNodes) this.steps[node.id] = this.stepFor(node);

    const root: MachineConfigJson = { id: graph.id, initial: '', context: { fields: {} }, states: {} };
    const containers = new Map<string, { initial?: string; states: Record<string, StateNodeJson> }>([['', root]]);
    for (const node of executable) {
      const state = this.states.get(node.id)!;
      if (state.states) containers.set(node.id, state as { states: Record<string, StateNodeJson> });
    }
    for (const block of this.blocks.values()) this.buildRegions(block, containers);
    for (const node of executable) {
      const target = containers.get(this.container.get(node.id) ?? '')!;
      target.states[this.key(node.id)] = this.states.get(node.id)!;
      if (isStart(node.kind)) target.initial = this.key(node.id);
    }
    this.addEventSubProcesses(root);
    for (const timer of Object.values(this.timers)) this.steps[timer.scope]?.timers.push(timer.id);

    const workflow: Workflow = {
      format: WORKFLOW_FORMAT,
      key: graph.id,
      name: graph.name ?? graph.id,
      channels: graph.properties?.channels ?? [],
      steps: this.steps,
      timers: this.timers,
      machine: reenterSelfLoops(root),
      graph,
      ...callSites(executable, (n) => ({ state: this.key(n.id), actions: this.actionsOf(n), ...callCatches(this.index, n, (f) => this.targetOf(f)) })),
    };
    const properties = graph.properties ?? {};
    if (properties.calendar) workflow.calendar = properties.calendar;
    if (properties.vipCalendar) workflow.vipCalendar = properties.vipCalendar;
    if (properties.sla) workflow.slaMs = durationMs(properties.sla);
    if (properties.vipSla) workflow.vipSlaMs = durationMs(properties.vipSla);
    if (properties.levelSla) workflow.levelSlaMs = Object.fromEntries(Object.entries(properties.levelSla).map(([level, sla]) => [level, durationMs(sla)]));
    return workflow;
  }

  /** State keys double as XState ids (`#key`), which must not contain `.` or `#`. */
  private key(id: string): string {
    let key = this.keys.get(id);
    if (key) return key;
    const base = id.replace(/[.#\s/]/g, '_');
    key = base;
    for (let n = 2; this.takenKeys.has(key); n++) key = `${base}_${n}`;
    this.keys.set(id, key);
    this.takenKeys.add(key);
    return key;
  }

  private regionKey(block: ParallelBlock, branch: number): string {
    return `${this.key(block.fork)}__branch${branch + 1}`;
  }

  private assignContainers(nodes: GraphNode[]): void {
    for (const node of nodes) this.container.set(node.id, node.parentId ?? '');
    const outerFirst = [...this.blocks.values()].sort((a, b) => blockSize(b) - blockSize(a));
    for (const block of outerFirst) {
      this.blockByJoin.set(block.join, block);
      block.branches.forEach((branch, i) => {
        for (const id of branch.nodes) this.container.set(id, this.regionKey(block, i));
      });
    }
  }

  /** Where a flow leads in XState terms: into a join from inside a branch means "this branch is done". */
  private targetOf(flow: GraphFlow): string {
    const block = this.blockByJoin.get(flow.target);
    if (block) {
      const source = this.index.node(flow.source);
      const region =
        flow.source === block.fork ? this.regionKey(block, this.index.outgoing(block.fork).indexOf(flow)) : this.container.get(source.attachedTo ?? source.id);
      return `#${region}__joined`;
    }
    return `#${this.key(flow.target)}`;
  }

  private buildRegions(block: ParallelBlock, containers: Map<string, { initial?: string; states: Record<string, StateNodeJson> }>): void {
    const fork = this.states.get(block.fork)!;
    fork.type = 'parallel';
    fork.states = {};
    delete fork.always;
    fork.onDone = { target: `#${this.key(block.join)}` };
    const flows = this.index.outgoing(block.fork);
    block.branches.forEach((branch, i) => {
      const key = this.regionKey(block, i);
      const joined = `${key}__joined`;
      const first = branch.first === block.join ? joined : this.key(branch.first);
      const region: StateNodeJson & { states: Record<string, StateNodeJson> } = {
        id: key,
        initial: first,
        states: { [joined]: { id: joined, type: 'final' } },
      };
      if (block.inclusive) {
        const gate = `${key}__gate`;
        region.initial = gate;
        region.states[gate] = { id: gate, always: inclusiveGate(this.index.node(block.fork), flows[i]!, flows, `#${first}`, `#${joined}`) };
      }
      fork.states![key] = region;
      containers.set(key, region);
    });
    const check = block.inclusive ? inclusiveCheck(this.index.node(block.fork), flows) : undefined;
    if (check) waitForACondition(fork, check);
  }

  /** A step whose ways out are actions, one per outgoing flow: a wait task, a choice gateway, an automatic task awaiting its outcome. */
  private agentActs(node: GraphNode): boolean {
    return isWaitTask(node.kind) || this.index.isChoice(node) || this.index.awaitsOutcome(node);
  }

  private stepKind(node: GraphNode): StepKind | undefined {
    if (this.agentActs(node)) return this.index.awaitsOutcome(node) ? 'wait' : 'human';
    if (isAutomaticTask(node.kind) || sendsAtEnd(node)) return 'automatic';
    if (node.kind === 'eventBasedGateway') return 'wait';
    if (isCatch(node.kind) && !this.afterEventGateway.has(node.id)) return 'wait';
    return undefined;
  }

  private stateFor(node: GraphNode): StateNodeJson {
    const state: StateNodeJson = { id: this.key(node.id), ...throwMark(node) };
    const outgoing = this.index.outgoing(node.id);
    if (this.stepKind(node)) {
      state.entry = [{ type: ACTIONS.enter, params: { step: node.id } }];
      state.exit = [{ type: ACTIONS.exit, params: { step: node.id } }];
    }
    const kind = stateKind(node.kind);
    switch (kind) {
      case 'endEvent':
      case 'terminateEndEvent':
        state.type = 'final';
        break;
      case 'errorEndEvent':
      case 'escalationEndEvent':
        Object.assign(state, outgoing[0] ? { always: { target: this.targetOf(outgoing[0]) } } : throwingEnd(this.index, node));
        break;
      case 'exclusiveGateway': {
        if (this.index.isChoice(node)) {
          this.agentTransitions(state, outgoing);
          break;
        }
        const conditional = outgoing.filter((f) => f.id !== node.defaultFlow && f.condition !== undefined);
        const fallback = outgoing.find((f) => f.id === node.defaultFlow) ?? outgoing.find((f) => f.condition === undefined);
        const branches: TransitionJson[] = conditional.map((f) => ({
          target: this.targetOf(f),
          guard: { type: CONDITION_GUARD, params: { expression: f.condition!, flow: f.id } },
        }));
        if (fallback) branches.push({ target: this.targetOf(fallback) });
        state.always = branches;
        break;
      }
      case 'subProcess':
      case 'callActivity':
      case 'eventSubProcess': {
        state.states = {};
        if (outgoing[0]) state.onDone = { target: this.targetOf(outgoing[0]) };
        break;
      }
      case 'eventBasedGateway':
        state.on = {};
        for (const flow of outgoing) {
          const target = this.index.node(flow.target);
          if (target.kind === 'timerCatchEvent') {
            this.defineTimer(target, node.id, 'interrupting');
            this.armWith(state, target.id);
            state.on[timerEvent(target.id)] = { target: this.targetOf(flow) };
          } else if (triggerOf(target)) {
            state.on[triggerOf(target)!] = { target: this.targetOf(flow), actions: [{ type: ACTIONS.record }] };
          }
        }
        break;
      case 'timerCatchEvent':
        if (this.afterEventGateway.has(node.id)) state.always = { target: this.targetOf(outgoing[0]!) };
        else {
          this.defineTimer(node, node.id, 'interrupting');
          this.armWith(state, node.id);
          state.on = { [timerEvent(node.id)]: { target: this.targetOf(outgoing[0]!) } };
        }
        break;
      case 'messageCatchEvent':
        if (this.afterEventGateway.has(node.id)) state.always = { target: this.targetOf(outgoing[0]!) };
        else state.on = { [triggerOf(node)!]: { target: this.targetOf(outgoing[0]!), actions: [{ type: ACTIONS.record }] } };
        break;
      case 'startEvent':
      case 'task':
      case 'userTask':
      case 'manualTask':
      case 'receiveTask':
      case 'serviceTask':
      case 'scriptTask':
      case 'sendTask':
      case 'businessRuleTask':
      case 'parallelGateway':
      case 'inclusiveGateway':
      case 'timerBoundaryEvent':
      case 'messageBoundaryEvent':
      case 'errorBoundaryEvent':
      case 'escalationBoundaryEvent':
      case 'linkThrowEvent':
      case 'escalationThrowEvent':
      case 'linkCatchEvent':
      case 'timerStartEvent':
        if (isWaitTask(node.kind) || this.index.awaitsOutcome(node)) this.agentTransitions(state, outgoing);
        else if (outgoing[0]) state.always = { target: this.targetOf(this.index.thrownTo(node) ?? outgoing[0]) };
        break;
      default:
        unreachable(kind, 'node kind');
    }
    return state;
  }

  private agentTransitions(state: StateNodeJson, outgoing: GraphFlow[]): void {
    state.on = {};
    for (const flow of outgoing) {
      state.on[this.eventNames.get(flow.id)!] = { target: this.targetOf(flow), actions: [{ type: ACTIONS.record }] };
    }
  }

  private armWith(state: StateNodeJson, timerId: string): void {
    const entry = (state.entry ??= []);
    entry.push({ type: ACTIONS.arm, params: { timer: timerId } });
    const exit = (state.exit ??= []);
    exit.unshift({ type: ACTIONS.cancel, params: { timer: timerId } });
  }

  private attachBoundary(boundary: GraphNode): void {
    const hostState = this.states.get(boundary.attachedTo!)!;
    const on = (hostState.on ??= {});
    const outgoing = this.index.outgoing(boundary.id);
    const interrupting = boundary.cancelActivity !== false;
    if (triggerOf(boundary)) {
      on[triggerOf(boundary)!] = { target: this.targetOf(outgoing[0]!), actions: [{ type: ACTIONS.record }] };
      return;
    }
    if (isThrownBoundary(boundary.kind)) {
      const base = slug(boundary.thrown ?? boundary.id);
      let key = base;
      for (let n = 2; on[key]; n++) key = `${base}_${n}`;
      this.thrownEvents.set(boundary.id, key);
      on[key] = { target: this.targetOf(outgoing[0]!), actions: [{ type: ACTIONS.record }] };
      return;
    }
    this.defineTimer(boundary, boundary.attachedTo!, interrupting ? 'interrupting' : 'reminder');
    this.armWith(hostState, boundary.id);
    on[timerEvent(boundary.id)] = interrupting
      ? { target: this.targetOf(outgoing[0]!) }
      : { actions: [{ type: ACTIONS.remind, params: { timer: boundary.id } }] };
  }

  private defineTimer(node: GraphNode, scope: string, behaviour: TimerDefinition['behaviour']): void {
    const timer: TimerDefinition = { id: node.id, spec: node.timer!, behaviour, scope };
    if (node.name) timer.name = node.name;
    const reminder = node.reminder ?? this.index.reminderAfter(node);
    if (reminder) timer.reminder = reminder;
    this.timers[node.id] = timer;
  }

  private addEventSubProcesses(root: MachineConfigJson): void {
    for (const sub of this.index.graph.nodes.filter((n) => this.index.remindsOnly(n) && !n.parentId)) {
      const start = this.index.children(sub.id).find((n) => n.kind === 'timerStartEvent');
      if (!start?.timer) continue;
      const timer: TimerDefinition = { id: start.id, spec: start.timer, behaviour: 'reminder', scope: PROCESS_SCOPE };
      const name = start.name ?? sub.name;
      if (name) timer.name = name;
      const reminder = start.reminder ?? this.index.reminderAfter(start);
      if (reminder) timer.reminder = reminder;
      this.timers[start.id] = timer;
      (root.entry ??= []).push({ type: ACTIONS.arm, params: { timer: start.id } });
      (root.on ??= {})[timerEvent(start.id)] = { actions: [{ type: ACTIONS.remind, params: { timer: start.id } }] };
    }
  }

  private stepFor(node: GraphNode): StepDefinition {
    const properties = node.step ?? {};
    const step: StepDefinition = {
      id: node.id,
      name: node.name ?? node.id,
      kind: this.stepKind(node)!,
      waitingOnCustomer: properties.waitingOnCustomer ?? false,
      warnAt: properties.warnAt ?? DEFAULT_WARN_AT,
      checklist: properties.checklist ?? [],
      fields: properties.fields ?? [],
      actions: this.actionsOf(node),
      timers: [],
    };
    if (properties.owner) step.owner = properties.owner;
    if (properties.sla) step.slaMs = durationMs(properties.sla);
    if (properties.vipSla) step.vipSlaMs = durationMs(properties.vipSla);
    if (properties.calendar) step.calendar = properties.calendar;
    if (node.documentation) step.guidance = node.documentation;
    return step;
  }

  private actionsOf(node: GraphNode): StepAction[] {
    const actions: StepAction[] = [];
    const label = (flow: GraphFlow, fallback: string) => flow.name ?? this.index.nodes.get(flow.target)?.name ?? fallback;
    if (this.agentActs(node)) {
      for (const flow of this.index.outgoing(node.id)) {
        const event = this.eventNames.get(flow.id)!;
        actions.push({ event, label: label(flow, event), flowId: flow.id });
      }
    }
    const messageSources = node.kind === 'eventBasedGateway' ? this.index.outgoing(node.id).map((f) => this.index.node(f.target)) : [node];
    for (const source of messageSources) {
      if (source.kind !== 'messageCatchEvent' || !source.message) continue;
      const flow = this.index.outgoing(source.id)[0];
      actions.push({ event: source.message, label: source.name ?? source.message, flowId: flow?.id ?? source.id });
    }
    // A message caught on an enclosing subprocess can arrive while any step inside it is active.
    const hosts = [node.id];
    for (let parent = node.parentId; parent; parent = this.index.nodes.get(parent)?.parentId) hosts.push(parent);
    for (const boundary of hosts.flatMap((id) => this.index.boundaryEvents(id))) {
      const flow = this.index.outgoing(boundary.id)[0];
      const thrown = this.thrownEvents.get(boundary.id);
      if (thrown) actions.push({ event: thrown, label: boundary.name ?? boundary.thrown ?? thrown, flowId: flow?.id ?? boundary.id });
      if (boundary.kind !== 'messageBoundaryEvent' || !boundary.message) continue;
      actions.push({ event: boundary.message, label: boundary.name ?? boundary.message, flowId: flow?.id ?? boundary.id });
    }
    return actions;
  }
}
