import type { FieldDefinition } from '../../../engine/workflow.js';
import type { FieldProblem } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';

/** A step field as a form input. Labels are the workflow's, as authored; the rest is in the reader's language. */
export interface FieldInput {
  name: string;
  inputName: string;
  id: string;
  label: string;
  kind: 'text' | 'textarea' | 'number' | 'select' | 'date';
  required: boolean;
  /** As attributes: strings, so 0 is not taken for "no bound" by the template. */
  min?: string;
  max?: string;
  step?: string;
  options?: Array<{ value: string; label: string; selected: boolean }>;
  value: string;
  error?: string;
}

/** Step fields travel in forms as `field.<name>`, so they never collide with the form's own inputs. */
const PREFIX = 'field.';

export function fieldInputs(
  stepId: string,
  definitions: readonly FieldDefinition[],
  values: Record<string, string>,
  errors: Record<string, string>,
  f: Formatter,
): FieldInput[] {
  return definitions.map((definition) => {
    const value = values[definition.name] ?? '';
    const input: FieldInput = {
      name: definition.name,
      inputName: PREFIX + definition.name,
      id: `f-${stepId}-${definition.name}`,
      label: definition.label ?? definition.name,
      kind: kindOf(definition),
      required: definition.required,
      value,
    };
    if (definition.min !== undefined) input.min = String(definition.min);
    if (definition.max !== undefined) input.max = String(definition.max);
    if (definition.type === 'integer') input.step = '1';
    if (definition.type === 'number') input.step = 'any';
    if (definition.type === 'enum') input.options = (definition.options ?? []).map((o) => ({ value: o, label: o, selected: o === value }));
    if (definition.type === 'boolean') {
      input.options = [
        { value: 'true', label: f.t('fields.yes'), selected: value === 'true' },
        { value: 'false', label: f.t('fields.no'), selected: value === 'false' },
      ];
    }
    const error = errors[definition.name];
    if (error) input.error = error;
    return input;
  });
}

function kindOf(definition: FieldDefinition): FieldInput['kind'] {
  switch (definition.type) {
    case 'text':
      return 'textarea';
    case 'number':
    case 'integer':
      return 'number';
    case 'enum':
    case 'boolean':
      return 'select';
    case 'date':
      return 'date';
    case 'string':
      return 'text';
  }
}

/** What was typed into a step's fields: every `field.*` input, blank ones left out (the engine treats them as not given). */
export function typedValues(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, raw] of Object.entries(body)) {
    if (key.startsWith(PREFIX) && typeof raw === 'string' && raw.trim() !== '') values[key.slice(PREFIX.length)] = raw;
  }
  return values;
}

/**
 * The field problems the ticket service refused an action with, each told in the reader's language by
 * field name; a field the step does not define keeps the service's message.
 */
export function fieldErrors(
  definitions: readonly FieldDefinition[],
  problems: readonly FieldProblem[],
  provided: Record<string, string>,
  f: Formatter,
): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const problem of problems) {
    const definition = definitions.find((d) => d.name === problem.field);
    messages[problem.field] = definition ? problemText(definition, problem, provided[definition.name], f) : problem.message;
  }
  return messages;
}

function problemText(definition: FieldDefinition, problem: FieldProblem, raw: string | undefined, f: Formatter): string {
  const label = definition.label ?? definition.name;
  // A value past a size limit of the ticket service says so by code: its type is right, its length is not.
  if (problem.code === 'tooLong') return f.t('fields.tooLong', { label, max: problem.values?.limit });
  if (raw === undefined || raw.trim() === '') return f.t('fields.required', { label });
  switch (definition.type) {
    case 'number':
    case 'integer': {
      const n = Number(raw);
      if (!Number.isFinite(n)) return f.t('fields.number', { label });
      if (definition.type === 'integer' && !Number.isInteger(n)) return f.t('fields.integer', { label });
      if (definition.min !== undefined && definition.max !== undefined) return f.t('fields.range', { label, min: definition.min, max: definition.max });
      if (definition.min !== undefined) return f.t('fields.min', { label, min: definition.min });
      return f.t('fields.max', { label, max: definition.max });
    }
    case 'boolean':
      return f.t('fields.boolean', { label });
    case 'date':
      return f.t('fields.date', { label });
    case 'enum':
      return f.t('fields.oneOf', { label, options: f.list(definition.options ?? []) });
    case 'string':
    case 'text':
      return f.t('fields.text', { label });
  }
}
