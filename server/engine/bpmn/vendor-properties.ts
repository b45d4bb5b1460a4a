import type { ModdleElement } from 'bpmn-moddle';
import type { FieldDefinition, FieldType, StepProperties } from '../workflow.js';
import { extensionValues } from './moddle.js';

const CAMUNDA_FIELD_TYPES: Record<string, FieldType> = {
  string: 'string',
  long: 'integer',
  boolean: 'boolean',
  date: 'date',
  enum: 'enum',
};

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function attr(element: ModdleElement, name: string): string | undefined {
  const value = element[name] ?? element.$attrs?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * What Camunda 7/8 and Flowable/Activiti models already say about a step: candidate groups are the owner,
 * a due date given as a duration is the SLA, form fields are the fields to fill.
 */
export function readCamundaStepProperties(element: ModdleElement): StepProperties {
  const properties: StepProperties = {};
  const values = extensionValues(element);
  const zeebeAssignment = values.find((v) => v.$type === 'zeebe:assignmentDefinition');
  const groups =
    attr(element, 'candidateGroups') ??
    (zeebeAssignment && attr(zeebeAssignment, 'candidateGroups')) ??
    attr(element, 'flowable:candidateGroups') ??
    attr(element, 'activiti:candidateGroups');
  if (groups && !groups.includes('${')) properties.owner = groups.split(',')[0]!.trim();
  const zeebeSchedule = values.find((v) => v.$type === 'zeebe:taskSchedule');
  const due = attr(element, 'dueDate') ?? (zeebeSchedule && attr(zeebeSchedule, 'dueDate'))?.replace(/^=\s*"?|"$/g, '');
  if (due && ISO_DURATION.test(due)) properties.sla = due;
  const formData = values.find((v) => v.$type === 'camunda:FormData');
  const fields = ((formData?.fields as ModdleElement[] | undefined) ?? []).map(toField).filter((f): f is FieldDefinition => !!f);
  if (fields.length) properties.fields = fields;
  return properties;
}

function toField(field: ModdleElement): FieldDefinition | undefined {
  const name = attr(field, 'id');
  if (!name) return undefined;
  const type = CAMUNDA_FIELD_TYPES[attr(field, 'type') ?? 'string'] ?? 'string';
  const constraints = ((field.validation as ModdleElement | undefined)?.constraints as ModdleElement[] | undefined) ?? [];
  const definition: FieldDefinition = { name, type, required: constraints.some((c) => attr(c, 'name') === 'required') };
  const label = attr(field, 'label');
  if (label) definition.label = label;
  const options = ((field.values as ModdleElement[] | undefined) ?? []).map((v) => attr(v, 'id')).filter((v): v is string => !!v);
  if (type === 'enum' && options.length) definition.options = options;
  return definition;
}
