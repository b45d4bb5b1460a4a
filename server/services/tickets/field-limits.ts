import { INPUT_LIMIT_SETTINGS, overChars, type InputLimits } from '../../shared/config.js';
import { TooLargeError, ValidationError, type FieldProblem, type ProblemMessage } from '../../shared/errors.js';
import { declaredFields } from '../../engine/fields.js';
import type { FieldDefinition, Workflow } from '../../engine/workflow.js';

/**
 * The bounds on what a ticket carries, checked before the engine runs so that the API and the pages refuse
 * the same input with the same codes, and nothing is written. Per value: by the type a step declares for the
 * field (the engine checks the type itself and the step's own min/max/options); a field no step declares may
 * hold text, a number, true/false, null or a short list of those, never an object. Per ticket: a number of
 * fields and a size of them all, serialized.
 */
export class FieldLimits {
  constructor(private readonly limits: InputLimits) {}

  /** The subject and the customer's name, not blank; they and the customer's id within their lengths. */
  checkTicketText(input: { subject: string; customer: { name: string; externalId?: string } }): void {
    const { subjectChars, customerNameChars } = this.limits;
    const problems: FieldProblem[] = [];
    if (input.subject.trim() === '') problems.push({ field: 'subject', message: 'is required', code: 'required' });
    if (input.customer.name.trim() === '') problems.push({ field: 'customer.name', message: 'is required', code: 'required' });
    if (overChars(input.subject, subjectChars)) problems.push(tooLong('subject', subjectChars, INPUT_LIMIT_SETTINGS.subjectChars));
    if (overChars(input.customer.name, customerNameChars)) problems.push(tooLong('customer.name', customerNameChars, INPUT_LIMIT_SETTINGS.customerNameChars));
    if (input.customer.externalId !== undefined && overChars(input.customer.externalId, customerNameChars))
      problems.push(tooLong('customer.externalId', customerNameChars, INPUT_LIMIT_SETTINGS.customerNameChars));
    refuse(problems);
  }

  /** Values sent with a new ticket or an event, each within the limits of its type; a problem names the field as the engine's do. */
  checkValues(workflow: Workflow, fields: Record<string, unknown> | undefined): void {
    if (!fields) return;
    const { fieldsPerTicket, fieldNameChars } = this.limits;
    const names = Object.keys(fields);
    if (names.length > fieldsPerTicket)
      throw new TooLargeError(`a ticket holds at most ${fieldsPerTicket} fields`, INPUT_LIMIT_SETTINGS.fieldsPerTicket, fieldsPerTicket);
    const declared = declaredFields(workflow);
    const problems: FieldProblem[] = [];
    for (const name of names) {
      if (overChars(name, fieldNameChars)) {
        problems.push({
          field: `${name.slice(0, 40)}…`,
          message: `a field name is at most ${fieldNameChars} characters (${INPUT_LIMIT_SETTINGS.fieldNameChars})`,
        });
        continue;
      }
      const problem = this.problemOf(declared.get(name), fields[name]);
      if (problem) problems.push({ field: name, ...problem });
    }
    refuse(problems);
  }

  /** The ticket's fields after a change, all of them, within the count and the serialized size. */
  checkTotal(fields: Record<string, unknown>): void {
    const { fieldsPerTicket, fieldsBytes } = this.limits;
    if (Object.keys(fields).length > fieldsPerTicket)
      throw new TooLargeError(`a ticket holds at most ${fieldsPerTicket} fields`, INPUT_LIMIT_SETTINGS.fieldsPerTicket, fieldsPerTicket);
    const bytes = Buffer.byteLength(JSON.stringify(fields));
    if (bytes > fieldsBytes)
      throw new TooLargeError(
        `the ticket's fields would take ${bytes} bytes, more than the limit of ${fieldsBytes}`,
        INPUT_LIMIT_SETTINGS.fieldsBytes,
        fieldsBytes,
      );
  }

  private problemOf(definition: FieldDefinition | undefined, value: unknown): ProblemMessage | undefined {
    const { fieldStringChars, fieldTextChars, fieldListItems } = this.limits;
    if (definition) {
      // Type, options and bounds are the engine's to check, wherever the field is sent (engine/fields.ts); only sizes are checked here.
      if (typeof value === 'string') {
        const most = definition.type === 'text' ? fieldTextChars : fieldStringChars;
        const setting = definition.type === 'text' ? INPUT_LIMIT_SETTINGS.fieldTextChars : INPUT_LIMIT_SETTINGS.fieldStringChars;
        return overChars(value, most) ? tooLongText(most, setting) : undefined;
      }
      if (typeof value === 'number') return this.numberProblem(value);
      if (value === null || typeof value === 'boolean') return undefined;
      return {
        message: `must be ${definition.type === 'boolean' ? 'true or false' : definition.type === 'number' || definition.type === 'integer' ? 'a number' : 'text'}`,
      };
    }
    if (Array.isArray(value)) {
      if (value.length > fieldListItems)
        return {
          message: `a list holds at most ${fieldListItems} items (${INPUT_LIMIT_SETTINGS.fieldListItems})`,
          code: 'tooManyItems',
          values: { limit: fieldListItems },
        };
      for (const item of value) {
        const problem = Array.isArray(item) ? { message: 'a list holds only text, numbers, true/false or null' } : this.problemOf(undefined, item);
        if (problem) return problem;
      }
      return undefined;
    }
    if (typeof value === 'string') return overChars(value, fieldTextChars) ? tooLongText(fieldTextChars, INPUT_LIMIT_SETTINGS.fieldTextChars) : undefined;
    if (typeof value === 'number') return this.numberProblem(value);
    if (value === null || typeof value === 'boolean') return undefined;
    return { message: 'must be text, a number, true/false, null or a list of those' };
  }

  private numberProblem(value: number): ProblemMessage | undefined {
    const { fieldNumberMagnitude } = this.limits;
    if (!Number.isFinite(value)) return { message: 'must be a finite number' };
    return Math.abs(value) > fieldNumberMagnitude
      ? {
          message: `must be between -${fieldNumberMagnitude} and ${fieldNumberMagnitude} (${INPUT_LIMIT_SETTINGS.fieldNumberMagnitude})`,
          code: 'outOfRange',
          values: { min: -fieldNumberMagnitude, max: fieldNumberMagnitude },
        }
      : undefined;
  }
}

/** Text past its limit: the API's message names the setting; `tooLong` and the limit let pages word it. */
function tooLongText(most: number, setting: string): ProblemMessage {
  return { message: `is at most ${most} characters (${setting})`, code: 'tooLong', values: { limit: most } };
}

function tooLong(field: string, most: number, setting: string): FieldProblem {
  return { field, ...tooLongText(most, setting) };
}

function refuse(problems: FieldProblem[]): void {
  if (problems.length) throw new ValidationError(`the input is not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}
