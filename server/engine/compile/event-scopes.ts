import { PROCESS_SCOPE, type GraphNode, type StateNodeJson, type TransitionJson, type Workflow } from '../workflow.js';
import { ACTIONS, timerEvent } from './build-machine.js';
import { slug } from './event-names.js';
import { addAction, catalogue, qualify, sends, signalActions, stepsUnder, triggerStep, type EventContext } from './event-steps.js';
import { EVENT_ACTIONS, IN_STATE_GUARD, triggerOf } from './event-kinds.js';
import type { GraphIndex } from './graph-index.js';
import { runsSteps, sidePaths, startOf, type SidePath } from './side-paths.js';

/** What holds states: the machine, a compound state, a region. */
type Holder = { id?: string; type?: 'parallel' | 'final'; initial?: string; states?: Record<string, StateNodeJson> };

/** A container (the process, a subprocess, a parallel region) whose steps something can run beside or interrupt. */
interface Scope {
  holder: Holder;
  key: string;
  /** Graph id of the container, for the timers it arms (`$process` at process level). */
  scope: string;
  interrupting: Array<{ sub: GraphNode; start: GraphNode; state: StateNodeJson }>;
  beside: Array<{ key: string; region: StateNodeJson }>;
  /** What goes on the flow's `__main` state once it exists (timers it arms and fires). */
  onMain: Array<(main: StateNodeJson) => void>;
  main?: StateNodeJson;
}

const inState = (key: string) => ({ type: IN_STATE_GUARD, params: { state: `#${key}` } });
const record = () => [{ type: ACTIONS.record }];

/**
 * What the builder leaves to this pass, on the machine it built: event subprocesses and the paths beside a
 * step that non-interrupting boundaries open. A container holding either becomes a parallel state: its flow
 * (the steps as drawn, then each interrupting event subprocess, then `over`) and, beside it, one region per
 * path that may run beside the steps (idle until its event comes while its step, or the flow, is active;
 * closed once the flow is over and it is idle). An interrupting event subprocess leaves the flow and sends
 * every region beside it back to idle. Each event that starts something is a step of its own (`wait`, passed at
 * once), so the step log records who sent it and when. Also: signal actions, send steps, the trigger catalogue.
 */
export function applyEventScopes(workflow: Workflow, index: GraphIndex, keys: Map<string, string>): Workflow {
  new EventScopes(workflow, index, keys).apply();
  return workflow;
}

class EventScopes implements EventContext {
  private readonly holderOf = new Map<string, Holder>();
  private readonly parentKey = new Map<string, string | undefined>();
  readonly stateOf = new Map<string, StateNodeJson>();
  private readonly scopes = new Map<Holder, Scope>();
  private readonly taken: Set<string>;
  private readonly usedEvents = new Set<string>();

  constructor(
    readonly workflow: Workflow,
    readonly index: GraphIndex,
    readonly keys: Map<string, string>,
  ) {
    this.taken = new Set(keys.values());
    for (const step of Object.values(workflow.steps)) for (const action of step.actions) this.usedEvents.add(action.event);
  }

  apply(): void {
    this.walk(this.workflow.machine, undefined);
    const subs = this.index.graph.nodes.filter((n) => runsSteps(this.index, n) && this.keys.has(n.id));
    const paths = [...sidePaths(this.index).values()].filter((p) => this.keys.has(p.boundary.attachedTo!));
    const agentEvents = new Map<string, string>();
    for (const sub of subs) {
      const start = startOf(this.index, sub)!;
      if (start.kind === 'errorStartEvent' || start.kind === 'escalationStartEvent') agentEvents.set(start.id, this.freshEvent(start.thrown ?? start.id));
    }
    // Detach first, then wrap: a scope's states are moved by reference, so nested scopes stay intact.
    const detached = new Map<string, StateNodeJson>();
    for (const sub of subs) detached.set(sub.id, this.detach(this.keys.get(sub.id)!));
    const pathStates = new Map(paths.map((path) => [path.boundary.id, this.detachPath(path)]));
    for (const sub of subs) this.placeSubProcess(sub, detached.get(sub.id)!, agentEvents);
    for (const path of paths) this.placePath(path, pathStates.get(path.boundary.id)!);
    for (const scope of this.scopes.values()) this.wrap(scope);
    for (const scope of this.scopes.values()) for (const beside of scope.beside) qualify(this, beside.region.states![beside.key]!);
    for (const sub of subs) this.listOnSteps(sub, agentEvents);
    signalActions(this);
    sends(this);
    catalogue(this);
  }

  private walk(holder: Holder, parent: string | undefined): void {
    for (const [key, state] of Object.entries(holder.states ?? {})) {
      this.holderOf.set(key, holder);
      this.parentKey.set(key, parent);
      this.stateOf.set(key, state);
      this.walk(state, key);
    }
  }

  private detach(key: string): StateNodeJson {
    const holder = this.holderOf.get(key)!;
    const state = holder.states![key]!;
    delete holder.states![key];
    return state;
  }

  private fresh(base: string): string {
    let key = base.replace(/[.#\s/]/g, '_');
    for (let n = 2; this.taken.has(key); n++) key = `${base.replace(/[.#\s/]/g, '_')}_${n}`;
    this.taken.add(key);
    return key;
  }

  /** An agent's event key for an error or escalation that starts an event subprocess: unique in the workflow. */
  private freshEvent(label: string): string {
    const base = slug(label);
    let event = base;
    for (let n = 2; this.usedEvents.has(event); n++) event = `${base}_${n}`;
    this.usedEvents.add(event);
    return event;
  }

  private scopeOf(holder: Holder): Scope {
    let scope = this.scopes.get(holder);
    if (!scope) {
      const key = holder.id ?? this.workflow.machine.id;
      const node = [...this.keys].find(([, k]) => k === holder.id)?.[0];
      const scopeId = node && this.index.nodes.get(node)?.kind === 'subProcess' ? node : PROCESS_SCOPE;
      scope = { holder, key, scope: scopeId, interrupting: [], beside: [], onMain: [] };
      this.scopes.set(holder, scope);
    }
    return scope;
  }

  /** An event subprocess: into its container's flow when it interrupts, else into a region beside it. */
  private placeSubProcess(sub: GraphNode, state: StateNodeJson, agentEvents: Map<string, string>): void {
    const scope = this.scopeOf(this.holderOf.get(this.keys.get(sub.id)!)!);
    const start = startOf(this.index, sub)!;
    triggerStep(this.workflow, start, this.stateOf.get(this.keys.get(start.id)!)!);
    if (start.interrupting) {
      scope.interrupting.push({ sub, start, state });
      return;
    }
    const key = this.keys.get(sub.id)!;
    const side = this.besideRegion(scope, key, state);
    const idle = side.states![`${key}__idle`]!;
    const event = this.eventOf(start, agentEvents);
    if (start.kind === 'timerStartEvent') {
      this.armOnFlow(scope, start, 'reminder');
      idle.on = { [timerEvent(start.id)]: { target: `#${key}` } };
    } else if (event) idle.on = { [event]: { target: `#${key}`, guard: inState(`${scope.key}__main`), actions: record() } };
    for (const end of this.caughtEnds(start)) {
      const endState = this.stateOf.get(this.keys.get(end.id)!)!;
      endState.type = 'final';
      idle.always = [{ target: `#${key}`, guard: inState(this.keys.get(end.id)!) }, ...[idle.always ?? []].flat()];
    }
  }

  /** The path a non-interrupting boundary opens, detached from where the builder put it: its states and its own end. */
  private detachPath(path: SidePath): { states: Record<string, StateNodeJson>; first: string; event?: string; end: string } {
    const host = this.stateOf.get(this.keys.get(path.boundary.attachedTo!)!)!;
    const first = this.keys.get(this.index.outgoing(path.boundary.id)[0]!.target)!;
    const members = new Set([path.boundary.id, ...path.nodes, ...path.boundaries]);
    const own = path.ends.filter((id) => this.index.incoming(id).every((f) => members.has(f.source)));
    const moving = new Set([...path.nodes, ...own].map((id) => this.keys.get(id)!).filter((key) => this.stateOf.has(key)));
    const states: Record<string, StateNodeJson> = {};
    for (const key of moving) {
      let inside = false;
      for (let parent = this.parentKey.get(key); parent; parent = this.parentKey.get(parent)) if (moving.has(parent)) inside = true;
      if (!inside) states[key] = this.detach(key);
    }
    const end = this.fresh(`${path.boundary.id}__end`);
    const shared = new Set(path.ends.filter((id) => !own.includes(id)).map((id) => `#${this.keys.get(id)!}`));
    if (shared.size) retarget(states, (target) => (shared.has(target) ? `#${end}` : target));
    // The builder put the boundary's transition on its host; it moves beside it.
    const on = host.on ?? {};
    const event = Object.keys(on).find((type) => [on[type]!].flat().some((t) => t.target === `#${first}`));
    if (event) delete on[event];
    return { states, first, end, ...(event ? { event } : {}) };
  }

  private placePath(path: SidePath, detached: ReturnType<EventScopes['detachPath']>): void {
    const boundary = path.boundary;
    const hostKey = this.keys.get(boundary.attachedTo!)!;
    const scope = this.scopeOf(this.holderOf.get(hostKey)!);
    const key = this.fresh(boundary.id);
    const trigger: StateNodeJson = { id: key, always: { target: `#${detached.first}` } };
    triggerStep(this.workflow, boundary, trigger);
    const run: StateNodeJson = {
      id: `${key}__run`,
      initial: key,
      states: { [key]: trigger, ...detached.states, [detached.end]: { id: detached.end, type: 'final' } },
    };
    const side = this.besideRegion(scope, `${key}__run`, run, key);
    const idle = side.states![`${key}__idle`]!;
    if (boundary.kind === 'timerBoundaryEvent') {
      const host = this.stateOf.get(hostKey)!;
      host.on![timerEvent(boundary.id)] = { actions: [{ type: EVENT_ACTIONS.repeat, params: { timer: boundary.id } }] };
      delete this.workflow.timers[boundary.id]!.reminder;
      idle.on = { [timerEvent(boundary.id)]: { target: `#${key}`, guard: inState(hostKey) } };
    } else if (detached.event) {
      idle.on = { [detached.event]: { target: `#${key}`, guard: inState(hostKey), actions: record() } };
    }
    // An escalation throw event inside the host opens the path as it passes: its flow goes on beside it.
    const throws = this.index.graph.nodes.filter((n) => n.kind === 'escalationThrowEvent' && this.index.escalationCatcher(n) === boundary);
    for (const thrown of throws) idle.always = [{ target: `#${key}`, guard: inState(this.keys.get(thrown.id)!) }, ...[idle.always ?? []].flat()];
    // On a call activity, a called escalation end event opens it as it ends the called workflow (`link-calls.ts`).
    const site = boundary.kind === 'escalationBoundaryEvent' ? this.workflow.calls?.[boundary.attachedTo!] : undefined;
    if (site)
      site.catches = [
        { kind: 'escalation', host: boundary.attachedTo!, target: `#${key}`, opens: idle.id!, ...(boundary.thrown ? { thrown: boundary.thrown } : {}) },
        ...(site.catches ?? []),
      ];
  }

  /** A region beside the flow: idle, running `runKey`, or closed once the flow is over. */
  private besideRegion(scope: Scope, runKey: string, run: StateNodeJson, base = runKey): StateNodeJson {
    const idle = `${base}__idle`;
    const closed = `${base}__closed`;
    run.onDone = { target: `#${idle}` };
    const region: StateNodeJson = {
      id: `${base}__beside`,
      initial: idle,
      states: {
        [idle]: { id: idle, always: { target: `#${closed}`, guard: inState(`${scope.key}__over`) }, meta: { rests: true } },
        [runKey]: run,
        [closed]: { id: closed, type: 'final' },
      },
    };
    scope.beside.push({ key: runKey, region });
    return region;
  }

  /** The container becomes parallel: its flow (the steps, the interrupting event subprocesses, `over`) and what runs beside. */
  private wrap(scope: Scope): void {
    const { holder, key } = scope;
    const main: StateNodeJson = { id: `${key}__main`, initial: holder.initial!, states: holder.states!, onDone: { target: `#${key}__over` } };
    const flow: StateNodeJson = { id: `${key}__flow`, initial: main.id!, states: { [main.id!]: main } };
    for (const { sub, start, state } of scope.interrupting) {
      const subKey = this.keys.get(sub.id)!;
      flow.states![subKey] = state;
      state.onDone = { target: `#${key}__over` };
      if (start.kind === 'timerStartEvent') {
        this.armOnFlow(scope, start, 'interrupting');
        scope.onMain.push((m) => ((m.on ??= {})[timerEvent(start.id)] = { target: `#${subKey}` }));
      }
      for (const end of this.caughtEnds(start)) this.stateOf.get(this.keys.get(end.id)!)!.always = { target: `#${subKey}` };
      // Whatever runs beside the flow stops with it.
      for (const beside of scope.beside) {
        const run = beside.region.states![beside.key]!;
        const idle = beside.region.initial!;
        run.always = [...[run.always ?? []].flat(), { target: `#${idle}`, guard: inState(subKey) }];
      }
    }
    flow.states![`${key}__over`] = { id: `${key}__over`, type: 'final' };
    holder.states = { [flow.id!]: flow, ...Object.fromEntries(scope.beside.map((b) => [b.region.id!, b.region])) };
    holder.type = 'parallel';
    delete holder.initial;
    scope.main = main;
    for (const add of scope.onMain) add(main);
  }

  /** The steps of the flow of `sub`'s container list the message, signal, error or escalation that starts it. */
  private listOnSteps(sub: GraphNode, agentEvents: Map<string, string>): void {
    const start = startOf(this.index, sub)!;
    const event = this.eventOf(start, agentEvents);
    if (!event) return;
    const main = [...this.scopes.values()].find(
      (s) => s.interrupting.some((i) => i.sub === sub) || s.beside.some((b) => b.key === this.keys.get(sub.id)),
    )?.main;
    if (!main) return;
    if (start.interrupting) (main.on ??= {})[event] = { target: `#${this.keys.get(sub.id)!}`, actions: record() };
    const flow = this.index.outgoing(start.id)[0];
    const label = start.name ?? sub.name ?? start.message ?? start.signal ?? start.thrown ?? event;
    for (const step of stepsUnder(main)) addAction(this.workflow, step, { event, label, flowId: flow?.id ?? start.id });
  }

  /** The event that starts an event subprocess: its message or signal, the agent's action for an error or escalation; none for a timer. */
  private eventOf(start: GraphNode, agentEvents: Map<string, string>): string | undefined {
    return triggerOf(start) ?? agentEvents.get(start.id);
  }

  /** Error and escalation end events of the container that this start catches (`GraphIndex.caughtInside`). */
  private caughtEnds(start: GraphNode): GraphNode[] {
    return this.index.graph.nodes.filter((n) => (n.kind === 'errorEndEvent' || n.kind === 'escalationEndEvent') && this.index.caughtInside(n) === start);
  }

  /** A timer start armed while the flow runs: it interrupts it, or starts (and, for a cycle, restarts) what runs beside. */
  private armOnFlow(scope: Scope, start: GraphNode, behaviour: 'interrupting' | 'reminder'): void {
    this.workflow.timers[start.id] = { id: start.id, spec: start.timer!, behaviour, scope: scope.scope, ...(start.name ? { name: start.name } : {}) };
    scope.onMain.push((main) => {
      (main.entry ??= []).push({ type: ACTIONS.arm, params: { timer: start.id } });
      (main.exit ??= []).unshift({ type: ACTIONS.cancel, params: { timer: start.id } });
      if (behaviour === 'reminder') (main.on ??= {})[timerEvent(start.id)] = { actions: [{ type: EVENT_ACTIONS.repeat, params: { timer: start.id } }] };
    });
  }
}

/** Every transition target in these states, rewritten. */
function retarget(states: Record<string, StateNodeJson>, rewrite: (target: string) => string): void {
  const fix = (t: TransitionJson) => {
    if (t.target) t.target = rewrite(t.target);
  };
  for (const state of Object.values(states)) {
    for (const transitions of Object.values(state.on ?? {})) [transitions].flat().forEach(fix);
    [state.always ?? []].flat().forEach(fix);
    if (state.onDone) fix(state.onDone);
    retarget(state.states ?? {}, rewrite);
  }
}
