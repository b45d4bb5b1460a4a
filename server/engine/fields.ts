import type { FieldProblem } from '../shared/errors.js';
import { unreachable } from './exhaustive.js';
import type { FieldDefinition } from './workflow.js';

export interface FieldCheck {
  values: Record<string, unknown>;
  problems: FieldProblem[];
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Checks what an agent entered against the fields a step asks for, turning form text into typed values
 * ("3" → 3, "true" → true). Required fields may already hold a value from an earlier step.
 */
export function checkFields(definitions: FieldDefinition[], provided: Record<string, unknown>, existing: Record<string, unknown>): FieldCheck {
  const values: Record<string, unknown> = { ...provided };
  const problems: FieldProblem[] = [];
  for (const definition of definitions) {
    const raw = provided[definition.name];
    if (isBlank(raw)) {
      if (definition.required && isBlank(existing[definition.name]))
        problems.push({ field: definition.name, message: `${definition.label ?? definition.name} is required` });
      if (raw !== undefined) delete values[definition.name];
      continue;
    }
    const coerced = coerce(definition, raw);
    if (coerced.ok) values[definition.name] = coerced.value;
    else problems.push({ field: definition.name, message: coerced.problem });
  }
  return { values, problems };
}

type Coerced = { ok: true; value: unknown } | { ok: false; problem: string };

const ok = (value: unknown): Coerced => ({ ok: true, value });
const fail = (problem: string): Coerced => ({ ok: false, problem });

function coerce(definition: FieldDefinition, raw: unknown): Coerced {
  const label = definition.label ?? definition.name;
  switch (definition.type) {
    case 'string':
    case 'text':
      return typeof raw === 'string' ? ok(raw) : fail(`${label} must be text`);
    case 'boolean':
      if (typeof raw === 'boolean') return ok(raw);
      if (raw === 'true' || raw === 'false') return ok(raw === 'true');
      return fail(`${label} must be true or false`);
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return fail(`${label} must be a number`);
      if (definition.type === 'integer' && !Number.isInteger(n)) return fail(`${label} must be a whole number`);
      if (definition.min !== undefined && n < definition.min) return fail(`${label} must be at least ${definition.min}`);
      if (definition.max !== undefined && n > definition.max) return fail(`${label} must be at most ${definition.max}`);
      return ok(n);
    }
    case 'date':
      return typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(Date.parse(raw))
        ? ok(raw)
        : fail(`${label} must be a date such as 2026-12-01`);
    case 'enum':
      return typeof raw === 'string' && definition.options?.includes(raw) ? ok(raw) : fail(`${label} must be one of ${definition.options?.join(', ')}`);
    default:
      return unreachable(definition.type, 'field type');
  }
}
