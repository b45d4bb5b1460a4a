import { diff } from 'bpmn-js-differ';
import type { ModdleElement } from 'bpmn-moddle';
import type { StepDefinition, TimerDefinition, Workflow } from '../../engine/workflow.js';

/** An element of the diagram named in a difference. */
export interface DiffElement {
  id: string;
  /** The BPMN type without prefix (`userTask`, `sequenceFlow`, …). */
  type: string;
  name?: string;
}

/**
 * A property's value as data, for pages to word in their reader's language: none, a duration, durations by
 * level, a yes/no, a list (channels, checklist items), or text as the English shows it (ids, JSON, expressions).
 */
export type ChangeValue =
  | { kind: 'none' }
  | { kind: 'duration'; ms: number }
  | { kind: 'levels'; ms: Record<string, number> }
  | { kind: 'flag'; value: boolean }
  | { kind: 'list'; items: string[] }
  | { kind: 'text'; text: string };

/** One property that differs between the published version and the draft: as text for people, and as data. */
export interface PropertyChange {
  property: string;
  before: string;
  after: string;
  values: { before: ChangeValue; after: ChangeValue };
}

/** The semantic differences between the published version and a draft: what the publish page lists and paints. */
export interface WorkflowDiff {
  added: DiffElement[];
  removed: DiffElement[];
  changed: Array<DiffElement & { changes: PropertyChange[] }>;
  /** Elements only moved or resized on the diagram. */
  layoutChanged: string[];
  /** e.g. "1 added, 0 removed, 2 changed": what the audit log keeps beside the changed ids. */
  summary: string;
}

const STEP_PROPERTIES = ['owner', 'slaMs', 'vipSlaMs', 'warnAt', 'calendar', 'waitingOnCustomer', 'guidance', 'checklist', 'fields', 'actions'] as const;
const TIMER_PROPERTIES = ['spec', 'behaviour', 'reminder'] as const;
/** The whole process's SOP terms (`sop:process`): the resolution limits, calendars and channels. */
const PROCESS_PROPERTIES = ['slaMs', 'vipSlaMs', 'levelSlaMs', 'calendar', 'vipCalendar', 'channels'] as const;

/** The properties pages name in the reader's language (`editor.diff.properties`); other BPMN attributes keep their own name. */
export const NAMED_PROPERTIES = [
  ...new Set([
    ...STEP_PROPERTIES,
    ...TIMER_PROPERTIES,
    ...PROCESS_PROPERTIES,
    'condition',
    'name',
    'sourceRef',
    'targetRef',
    'default',
    'cancelActivity',
    'isInterrupting',
    'attachedToRef',
  ]),
];

/**
 * What changed from `before` to `after`: the BPMN structure as bpmn-js-differ sees it on the moddle
 * definitions (elements added, removed, their attributes changed, layout moved), plus what it cannot see
 * inside SOPflow's extension elements: each step's and timer's compiled SOP metadata (owner, limits,
 * checklist, fields, actions, reminders) and each flow's condition, compared on the compiled workflows.
 */
export function diffWorkflows(
  before: { definitions: ModdleElement; workflow: Workflow },
  after: { definitions: ModdleElement; workflow: Workflow },
): WorkflowDiff {
  const structural = diff(before.definitions, after.definitions);
  const describe = (element: ModdleElement): DiffElement => ({
    id: element.id ?? '',
    type: localType(element.$type),
    ...(typeof element.name === 'string' && element.name ? { name: element.name } : {}),
  });
  const isFlowElement = (element: ModdleElement) => !!element.id && !/^bpmndi:|^dc:|^di:/.test(element.$type) && element.$type !== 'bpmn:Definitions';
  const added = Object.values(structural._added).filter(isFlowElement).map(describe);
  const removed = Object.values(structural._removed).filter(isFlowElement).map(describe);
  const changed = new Map<string, DiffElement & { changes: PropertyChange[] }>();
  const changeOf = (element: DiffElement) => {
    let entry = changed.get(element.id);
    if (!entry) changed.set(element.id, (entry = { ...element, changes: [] }));
    return entry;
  };
  // One walk of the old definitions, not one per changed element: a 300-step diff stays linear.
  let oldById: Map<string, ModdleElement> | undefined;
  for (const [id, { model, attrs }] of Object.entries(structural._changed)) {
    if (!isFlowElement(model)) continue;
    const old = (oldById ??= elementsById(before.definitions)).get(id);
    for (const property of Object.keys(attrs)) {
      if (property === 'extensionElements' || property === 'conditionExpression') continue; // compared below, compiled
      changeOf(describe(model)).changes.push(changeBetween(property, old?.get(property), model.get(property), ''));
    }
  }
  compareRecords(
    before.workflow.steps,
    after.workflow.steps,
    STEP_PROPERTIES,
    (step: StepDefinition) => ({ id: step.id, type: 'step', name: step.name }),
    changeOf,
  );
  compareRecords(
    before.workflow.timers,
    after.workflow.timers,
    TIMER_PROPERTIES,
    (timer: TimerDefinition) => ({ id: timer.id, type: 'timer', ...(timer.name ? { name: timer.name } : {}) }),
    changeOf,
  );
  const processOf = (workflow: Workflow) => ({ [workflow.graph.id]: workflow });
  compareRecords(
    before.workflow.graph.id === after.workflow.graph.id ? processOf(before.workflow) : {},
    processOf(after.workflow),
    PROCESS_PROPERTIES,
    (workflow: Workflow) => ({ id: workflow.graph.id, type: 'process', name: workflow.name }),
    changeOf,
  );
  const oldFlows = new Map(before.workflow.graph.flows.map((flow) => [flow.id, flow]));
  for (const flow of after.workflow.graph.flows) {
    const old = oldFlows.get(flow.id);
    if (old && (old.condition ?? '') !== (flow.condition ?? ''))
      changeOf({ id: flow.id, type: 'sequenceFlow', ...(flow.name ? { name: flow.name } : {}) }).changes.push(
        changeBetween('condition', old.condition, flow.condition, ''),
      );
  }
  for (const id of [...added, ...removed].map((e) => e.id)) changed.delete(id);
  const changes = [...changed.values()].filter((entry) => entry.changes.length > 0);
  const layoutChanged = Object.keys(structural._layoutChanged).filter((id) => !changed.has(id) && !added.some((e) => e.id === id));
  return {
    added,
    removed,
    changed: changes,
    layoutChanged,
    summary: `${added.length} added, ${removed.length} removed, ${changes.length} changed`,
  };
}

function compareRecords<T extends object, K extends keyof T>(
  before: Record<string, T>,
  after: Record<string, T>,
  properties: readonly K[],
  describe: (value: T) => DiffElement,
  changeOf: (element: DiffElement) => { changes: PropertyChange[] },
): void {
  for (const [id, now] of Object.entries(after)) {
    const old = before[id];
    if (!old) continue;
    for (const property of properties) {
      const a = JSON.stringify(old[property] ?? null);
      const b = JSON.stringify(now[property] ?? null);
      if (a !== b) changeOf(describe(now)).changes.push(changeBetween(String(property), old[property], now[property], String(property)));
    }
  }
}

function elementsById(definitions: ModdleElement): Map<string, ModdleElement> {
  const byId = new Map<string, ModdleElement>();
  const stack: unknown[] = [definitions];
  const seen = new Set<unknown>();
  while (stack.length) {
    const value = stack.pop();
    if (!value || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    const element = value as ModdleElement;
    if (element.$type && typeof element.id === 'string' && !byId.has(element.id)) byId.set(element.id, element);
    for (const [key, child] of Object.entries(element))
      if (!key.startsWith('$') && child && typeof child === 'object') stack.push(...(Array.isArray(child) ? child : [child]));
  }
  return byId;
}

/** `property` from `before` to `after`, each shown as `shownAs` says (a compiled property's name; '' for a BPMN attribute). */
function changeBetween(property: string, before: unknown, after: unknown, shownAs: string): PropertyChange {
  return {
    property,
    before: show(before, shownAs),
    after: show(after, shownAs),
    values: { before: valueOf(before, shownAs), after: valueOf(after, shownAs) },
  };
}

/** A value as data: what `show` writes as English, kept apart where a page words it in its own language. */
function valueOf(value: unknown, property: string): ChangeValue {
  if (value === undefined || value === null || value === '') return { kind: 'none' };
  if (typeof value === 'number' && property.endsWith('Ms')) return { kind: 'duration', ms: value };
  if (property === 'levelSlaMs' && typeof value === 'object') return { kind: 'levels', ms: value as Record<string, number> };
  if (typeof value === 'boolean') return { kind: 'flag', value };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { kind: 'list', items: value };
  return { kind: 'text', text: show(value, property) };
}

/** A value as text: durations in ms as hours/minutes, lists joined, objects as JSON; "—" for none. */
function show(value: unknown, property = ''): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'number' && property.endsWith('Ms')) return duration(value);
  if (property === 'levelSlaMs' && typeof value === 'object')
    return Object.entries(value as Record<string, number>)
      .map(([level, ms]) => `${level} ${duration(ms)}`)
      .join('; ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('; ');
  if (Array.isArray(value) && property === 'actions') return (value as Array<{ event: string }>).map((a) => a.event).join(', ');
  if (Array.isArray(value) && property === 'fields') return (value as Array<{ name: string; type: string }>).map((f) => `${f.name}:${f.type}`).join(', ');
  // A reference to another element (a flow's source or target) is that element, by id; an unnamed one by its type.
  if (typeof value === 'object' && '$type' in value) {
    const element = value as ModdleElement;
    return typeof element.id === 'string' ? element.id : localType(String(element.$type));
  }
  return JSON.stringify(value);
}

export function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

function localType(type: string): string {
  const local = type.replace(/^[\w-]+:/, '');
  return local.charAt(0).toLowerCase() + local.slice(1);
}
