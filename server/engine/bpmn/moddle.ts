import { BpmnModdle, type ModdleElement } from 'bpmn-moddle';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import sop from './sopflow-moddle.json' with { type: 'json' };

/**
 * The extension descriptors every SOPflow moddle knows: our own `sop:` namespace and Camunda 7's, so their
 * attributes parse as typed properties. Zeebe's descriptor clashes with Camunda's (both define
 * `modelerTemplate`), so Camunda 8 extensions are read from the generic elements moddle keeps for them.
 */
const packages = { sop, camunda };

/**
 * One instance for every parse and export: moddle builds each type's descriptor on first use and caches it on
 * the instance, which then halves the time of a parse (6 ms against 12 ms for a built-in SOP). Each
 * `fromXML` and `toXML` has a reader or writer of its own; the cache is the instance's only changing state.
 * Made on first use: a process that never reads or writes BPMN (most CLI commands) does not build it.
 */
let moddle: BpmnModdle | undefined;

export function sharedModdle(): BpmnModdle {
  return (moddle ??= new BpmnModdle(packages));
}

/** The children of an element's `extensionElements`, typed (sop:, camunda:) or generic (zeebe:, flowable:). */
export function extensionValues(element: ModdleElement): ModdleElement[] {
  const values = (element.extensionElements as ModdleElement | undefined)?.values;
  return Array.isArray(values) ? (values as ModdleElement[]) : [];
}

/** `bpmn:UserTask` → `userTask`: element names as they stand in the XML, which is what problems report. */
export function localName(type: string): string {
  const local = type.replace(/^[\w-]+:/, '');
  return local.charAt(0).toLowerCase() + local.slice(1);
}

/** A moddle collection property as an array (moddle leaves absent collections undefined). */
export function list(value: unknown): ModdleElement[] {
  return Array.isArray(value) ? (value as ModdleElement[]) : [];
}

/** A string attribute trimmed, or undefined when absent or blank. */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
