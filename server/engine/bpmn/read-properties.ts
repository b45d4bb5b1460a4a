// What an element says beyond its kind: SOPflow's extension attributes, timers, fields, documentation.
import type { ModdleElement } from 'bpmn-moddle';
import { durationMs, validateTimer } from '../time/iso8601.js';
import type { FieldDefinition, FieldType, ProcessProperties, StepProperties, TimerSpec } from '../workflow.js';
import { extensionValues, list, text } from './moddle.js';
import type { ReportProblem } from './read-node-kind.js';
import { readCamundaStepProperties } from './vendor-properties.js';

type Element = ModdleElement;

const FIELD_TYPES: ReadonlySet<string> = new Set(['string', 'text', 'number', 'integer', 'boolean', 'date', 'enum']);

/** A timer event's one time expression (duration, date or cycle), checked only for presence here. */
export function readTimer(element: Element, definition: Element, problem: ReportProblem): TimerSpec | undefined {
  const forms: Array<[TimerSpec['type'], unknown]> = [
    ['duration', definition.timeDuration],
    ['date', definition.timeDate],
    ['cycle', definition.timeCycle],
  ];
  const present = forms.filter(([, expression]) => expression);
  if (present.length === 0) {
    problem(element, 'invalid_timer', 'the timer has no time expression: set a duration (e.g. PT2H), a date or a cycle (e.g. R/PT4H)');
    return undefined;
  }
  if (present.length > 1) {
    problem(element, 'invalid_timer', 'the timer sets more than one of timeDuration, timeDate and timeCycle');
    return undefined;
  }
  const [type, expression] = present[0]!;
  const value = text((expression as Element).body);
  if (!value) {
    problem(element, 'invalid_timer', `the timer's time${type[0]!.toUpperCase()}${type.slice(1)} is empty: set a value such as PT2H`);
    return undefined;
  }
  return { type, value };
}

/** A step's `sop:Step` extension over what Camunda/Zeebe/Flowable attributes say (sop: wins field by field). */
export function readStepProperties(element: Element, problem: ReportProblem): StepProperties | undefined {
  const sop = extensionValues(element).find((v) => v.$type === 'sop:Step');
  const properties: StepProperties = readCamundaStepProperties(element);
  if (sop) {
    for (const key of ['owner', 'sla', 'vipSla', 'calendar'] as const) {
      const value = text(sop[key]);
      if (value) properties[key] = value;
    }
    if (typeof sop.waitingOnCustomer === 'boolean') properties.waitingOnCustomer = sop.waitingOnCustomer;
    if (typeof sop.warnAt === 'number') properties.warnAt = sop.warnAt;
    const checklist = list(sop.items)
      .map((item) => text(item.text))
      .filter((item): item is string => !!item);
    if (checklist.length) properties.checklist = checklist;
    const fields = list(sop.fields)
      .map((field) => readField(element, field, problem))
      .filter((f): f is FieldDefinition => !!f);
    if (fields.length) properties.fields = [...(properties.fields ?? []).filter((f) => !fields.some((g) => g.name === f.name)), ...fields];
  }
  return Object.keys(properties).length ? properties : undefined;
}

function readField(element: Element, field: Element, problem: ReportProblem): FieldDefinition | undefined {
  const name = text(field.name);
  const type = text(field.type) ?? 'string';
  if (!name) {
    problem(element, 'invalid_property', 'a sop:field has no name');
    return undefined;
  }
  if (!FIELD_TYPES.has(type)) {
    problem(element, 'invalid_property', `field "${name}" has unknown type "${type}" (use ${[...FIELD_TYPES].join(', ')})`);
    return undefined;
  }
  const definition: FieldDefinition = { name, type: type as FieldType, required: field.required === true };
  const label = text(field.label);
  if (label) definition.label = label;
  const options = text(field.options)
    ?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (type === 'enum' && !options?.length) problem(element, 'invalid_property', `enum field "${name}" lists no options`);
  if (options?.length) definition.options = options;
  if (typeof field.min === 'number') definition.min = field.min;
  if (typeof field.max === 'number') definition.max = field.max;
  return definition;
}

export function readDocumentation(element: Element): string | undefined {
  const parts = list(element.documentation)
    .map((d) => text(d.text))
    .filter((t): t is string => !!t);
  return parts.length ? parts.join('\n\n') : undefined;
}

export function readProcessProperties(process: Element, report: (message: string) => void): ProcessProperties | undefined {
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
  const channels = text(sop.channels)
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
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
    const problem = validateTimer({ type: 'duration', value: sla });
    if (problem) return `levelSla ${JSON.stringify(value)} for ${level}: ${problem}`;
    if (durationMs(sla) <= 0) return `levelSla ${JSON.stringify(value)}: the limit for ${level} must be longer than zero`;
    levels[level] = sla;
  }
  return levels;
}
