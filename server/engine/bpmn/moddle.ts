import { readFileSync } from 'node:fs';
import { BpmnModdle, type ModdleElement } from 'bpmn-moddle';

function descriptor(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const require = (spec: string) => new URL(import.meta.resolve(spec));

/**
 * The extension descriptors every SOPflow moddle knows: our own `sop:` namespace and Camunda 7's, so their
 * attributes parse as typed properties. Zeebe's descriptor clashes with Camunda's (both define
 * `modelerTemplate`), so Camunda 8 extensions are read from the generic elements moddle keeps for them.
 */
const packages = {
  sop: descriptor('./sopflow-moddle.json'),
  camunda: JSON.parse(readFileSync(require('camunda-bpmn-moddle/resources/camunda.json'), 'utf8')),
};

export function createModdle(): BpmnModdle {
  return new BpmnModdle(packages);
}

export const SOP_NAMESPACE = 'urn:sopflow:bpmn:1';

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
