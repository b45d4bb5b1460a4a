/**
 * The compiled form of the activities that run more than one step: call activities (another published
 * workflow's steps, inside the ticket), standard loops and multi-instance steps. Plain JSON, like the rest
 * of `workflow.ts`, which re-exports these.
 */
/** What a call activity calls: a published workflow by key, at a pinned version or (absent) the latest when the ticket starts. */
export interface CalledElement {
  key: string;
  version?: number;
}

/**
 * A step's loop characteristics.
 * - `standard` (BPMN standardLoopCharacteristics): the step runs again. With a `condition` (FEEL over the
 *   ticket's fields and `loopCounter`), again after each pass while it holds; without one, when the agent
 *   chooses the step's "repeat" action. Never more than `maximum` passes.
 * - `multi` (multiInstanceLoopCharacteristics): one instance of the step per item of `collection` (a FEEL
 *   expression, usually a list field's name) or `cardinality` times; `sequential` one after the other, else
 *   all at once. `completion` (FEEL, with `nrOfInstances`, `nrOfCompletedInstances`, `nrOfActiveInstances`,
 *   `loopCounter` and the item as `element`) ends the step early.
 */
export type LoopSpec =
  | { kind: 'standard'; maximum?: number; condition?: string; testBefore?: boolean }
  | { kind: 'multi'; sequential: boolean; collection?: string; cardinality?: string; element?: string; completion?: string };

/** How a step repeats at run time: what the engine needs to number its visits and offer its actions. */
export interface StepLoop {
  mode: 'standard' | 'sequential' | 'parallel';
  /** Standard loops: the most passes. */
  maximum?: number;
  /** Standard loops without a condition: the agent's action that runs the step again. */
  repeat?: string;
  /** Multi-instance: the name the current item goes by in the completion condition and on the step. */
  element?: string;
}

/** Which pass or item one visit of a looping step is. */
export interface StepInstance {
  /** 1-based: the pass of a standard loop, the item's position for multi-instance. */
  index: number;
  /** Multi-instance: how many instances the step runs. */
  count?: number;
  /** Multi-instance over a collection: the item. */
  item?: unknown;
}

/** A call activity of a compiled workflow, by element id: what it calls and what linking it needs. */
export interface CallSite {
  key: string;
  version?: number;
  /** The id of its state in the machine config: linking puts the called machine inside it. */
  state: string;
  /** The actions its boundary events (and those of enclosing subprocesses) offer on every called step (`StepAction`s). */
  actions: Array<{ event: string; label: string; flowId: string }>;
  /** Its interrupting error and escalation boundaries (then those of enclosing subprocesses): where what a called end event throws goes. */
  catches?: CallCatch[];
}

/** An interrupting error or escalation boundary that catches what a called workflow throws at its end. */
export interface CallCatch {
  kind: 'error' | 'escalation';
  /** The error or escalation name it catches; absent: any of its kind. */
  thrown?: string;
  /** The activity it sits on: the call activity, or a subprocess around it. */
  host: string;
  /** Where its flow leads, a machine target (`#state`) of the caller. */
  target: string;
  /**
   * A non-interrupting escalation boundary: the id of the idle state of the path it opens beside the call
   * activity, which the called end event opens as it passes (the called workflow ends there all the same).
   */
  opens?: string;
}

/**
 * The `meta` key of the final state of an error or escalation end event at process level: what it throws
 * (`{kind, thrown?}`), so that linking sends a called workflow's end to the call activity's boundary.
 */
export const THROWS_META = 'throws';

/** One call linked into a workflow: by call path, the workflow and version it runs. */
export interface LinkedCall {
  key: string;
  version: number;
  name: string;
}

/** The key a state node of a linked call gets: the call path, `/`, the called workflow's own key (ids never hold `/`). */
export const CALL_PATH_SEPARATOR = '/';
