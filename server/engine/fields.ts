import type { FieldProblem, ProblemValues } from '../shared/errors.js';
import { unreachable } from './exhaustive.js';
import type { FieldDefinition, Workflow } from './workflow.js';

/**
 * What can be wrong with a value of a declared field: each a `problems.` catalog entry naming the field
 * (`label`) and what it allows (`min`, `max`, `options`), for pages that say why a recorded value fails.
 */
export const FIELD_PROBLEM_CODES = [
  'fieldRequired',
  'fieldNotText',
  'fieldNotBoolean',
  'fieldNotNumber',
  'fieldNotInteger',
  'fieldBelowMin',
  'fieldAboveMax',
  'fieldNotDate',
  'fieldNotOption',
] as const;

export type FieldProblemCode = (typeof FIELD_PROBLEM_CODES)[number];

export interface FieldCheck {
  values: Record<string, unknown>;
  problems: FieldProblem[];
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Checks what an agent entered against the fields a step asks for, turning form text into typed values
 * ("3" → 3, "true" → true). Required fields may already hold a value from an earlier step. A value of a field
 * the step does not ask for but another step declares (`declared`, from `declaredFields`) must still be of
 * that field's type and bounds: a satisfaction of 99 sent early would otherwise pass the step that asks for it.
 */
const VIP_FIELD = 'vip';

export function checkFields(
  definitions: readonly FieldDefinition[],
  provided: Record<string, unknown>,
  existing: Record<string, unknown>,
  declared: ReadonlyMap<string, FieldDefinition> = new Map(),
): FieldCheck {
  const values: Record<string, unknown> = { ...provided };
  const problems: FieldProblem[] = [];
  const asked = new Set(definitions.map((definition) => definition.name));
  for (const [name, raw] of Object.entries(provided)) {
    if (name === '') {
      problems.push({ field: 'fields', message: 'a field needs a name: "" is none' });
      continue;
    }
    // The ticket's VIP flag is a field too (conditions route on it), set only through the flag itself.
    if (name === VIP_FIELD && !asked.has(name) && !declared.has(name)) {
      problems.push({ field: name, message: 'vip is the ticket’s VIP flag, not a field: set it with `vip` on the ticket' });
      continue;
    }
    const definition = asked.has(name) || isBlank(raw) ? undefined : declared.get(name);
    if (!definition) continue;
    const coerced = coerce(definition, raw);
    if (coerced.ok) values[name] = coerced.value;
    else problems.push(problemOf(definition, coerced));
  }
  for (const definition of definitions) {
    const raw = provided[definition.name];
    if (isBlank(raw)) {
      if (definition.required && isBlank(existing[definition.name]))
        problems.push(problemOf(definition, { ok: false, problem: `${definition.label ?? definition.name} is required`, code: 'fieldRequired' }));
      if (raw !== undefined) delete values[definition.name];
      continue;
    }
    const coerced = coerce(definition, raw);
    if (coerced.ok) values[definition.name] = coerced.value;
    else problems.push(problemOf(definition, coerced));
  }
  return { values, problems };
}

type Failed = { ok: false; problem: string; code: FieldProblemCode; values?: ProblemValues };
type Coerced = { ok: true; value: unknown } | Failed;

const ok = (value: unknown): Coerced => ({ ok: true, value });
const fail = (problem: string, code: FieldProblemCode, values?: ProblemValues): Coerced => ({ ok: false, problem, code, ...(values ? { values } : {}) });

/** The field's problem: the English the API answers, and its code with the field's label for pages to word. */
function problemOf(definition: FieldDefinition, failed: Failed): FieldProblem {
  return { field: definition.name, message: failed.problem, code: failed.code, values: { label: definition.label ?? definition.name, ...failed.values } };
}

function coerce(definition: FieldDefinition, raw: unknown): Coerced {
  const label = definition.label ?? definition.name;
  switch (definition.type) {
    case 'string':
    case 'text':
      return typeof raw === 'string' ? ok(raw) : fail(`${label} must be text`, 'fieldNotText');
    case 'boolean':
      if (typeof raw === 'boolean') return ok(raw);
      if (raw === 'true' || raw === 'false') return ok(raw === 'true');
      return fail(`${label} must be true or false`, 'fieldNotBoolean');
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return fail(`${label} must be a number`, 'fieldNotNumber');
      if (definition.type === 'integer' && !Number.isInteger(n)) return fail(`${label} must be a whole number`, 'fieldNotInteger');
      if (definition.min !== undefined && n < definition.min)
        return fail(`${label} must be at least ${definition.min}`, 'fieldBelowMin', { min: definition.min });
      if (definition.max !== undefined && n > definition.max)
        return fail(`${label} must be at most ${definition.max}`, 'fieldAboveMax', { max: definition.max });
      return ok(n);
    }
    case 'date':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(Date.parse(raw))
        ? ok(raw)
        : fail(`${label} must be a date such as 2026-12-01`, 'fieldNotDate');
    case 'enum':
      return typeof raw === 'string' && definition.options?.includes(raw)
        ? ok(raw)
        : fail(`${label} must be one of ${definition.options?.join(', ')}`, 'fieldNotOption', { options: (definition.options ?? []).join(', ') });
    default:
      return unreachable(definition.type, 'field type');
  }
}

const declaredByWorkflow = new WeakMap<Workflow, ReadonlyMap<string, FieldDefinition>>();

/**
 * Every field some step or caught message of the workflow declares, by name, none of them required. A name
 * declared twice allows what either allows: the options of both enums, the wider bounds; declared with two
 * types, it is only text-or-anything (nothing certain to check).
 */
export function declaredFields(workflow: Workflow): ReadonlyMap<string, FieldDefinition> {
  let declared = declaredByWorkflow.get(workflow);
  if (!declared) {
    const byName = new Map<string, FieldDefinition | null>();
    const all = [
      ...Object.values(workflow.steps).flatMap((step) => step.fields),
      ...Object.values(workflow.triggers ?? {}).flatMap((trigger) => trigger.fields),
    ];
    for (const field of all) {
      const earlier = byName.get(field.name);
      byName.set(field.name, earlier === undefined ? { ...field, required: false } : earlier && widened(earlier, field));
    }
    declared = new Map([...byName].flatMap(([name, field]) => (field ? [[name, field] as const] : [])));
    declaredByWorkflow.set(workflow, declared);
  }
  return declared;
}

function widened(earlier: FieldDefinition, field: FieldDefinition): FieldDefinition | null {
  if (earlier.type !== field.type) return null;
  if (earlier.type === 'enum') return { ...earlier, options: [...new Set([...(earlier.options ?? []), ...(field.options ?? [])])] };
  const wider: FieldDefinition = { ...earlier };
  if (earlier.min === undefined || field.min === undefined) delete wider.min;
  else wider.min = Math.min(earlier.min, field.min);
  if (earlier.max === undefined || field.max === undefined) delete wider.max;
  else wider.max = Math.max(earlier.max, field.max);
  return wider;
}
