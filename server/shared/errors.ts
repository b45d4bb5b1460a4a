/**
 * The one error vocabulary of SOPflow. Every layer throws these; the web layer maps `code` to a status
 * in one place. Decide by `code`, never by message text.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_bpmn'
  | 'payload_too_large'
  | 'event_not_allowed'
  | 'message_not_awaited'
  | 'condition_failed'
  | 'rate_limited'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What a BPMN problem is about, for machines: each is described in server/engine/README.md. */
export const BPMN_PROBLEM_CODES = [
  'malformed_xml',
  'undeclared_prefix',
  'unsupported_encoding',
  'forbidden_markup',
  'limit_exceeded',
  'duplicate_id',
  'malformed_element',
  'unknown_element',
  'unresolved_reference',
  'diagram_reference',
  'no_process',
  'ambiguous_process',
  'unknown_process',
  'process_left_out',
  'missing_id',
  'unsupported_element',
  'unsupported_event',
  'missing_event_definition',
  'unsupported_loop',
  'invalid_loop',
  'invalid_call_activity',
  'unknown_called_element',
  'call_cycle',
  'dangling_flow',
  'empty_condition',
  'unsupported_condition_language',
  'untranslatable_condition',
  'condition_translated',
  'invalid_condition',
  'condition_too_costly',
  'condition_not_on_gateway',
  'missing_condition',
  'unnamed_choice',
  'invalid_timer',
  'invalid_property',
  'no_start_event',
  'several_start_events',
  'unreachable',
  'no_outgoing_flow',
  'incoming_not_allowed',
  'outgoing_not_allowed',
  'implicit_fork',
  'invalid_gateway',
  'invalid_boundary',
  'invalid_event_subprocess',
  'flow_crosses_subprocess',
  'duplicate_event',
  'instant_loop',
  'unstructured_parallel',
  'unmatched_link',
  'uncaught_error',
  'unknown_calendar',
  'unknown_channel',
  'process_id_changed',
  'lint_error',
  'draft_outdated',
] as const;

export type BpmnProblemCode = (typeof BPMN_PROBLEM_CODES)[number];

/** An error refuses the file; a warning is reported with the import and changes nothing it runs. */
export type ProblemSeverity = 'error' | 'warning';

/** One thing wrong with (or worth telling about) a BPMN element: what the importer says about it, by element id. */
export interface BpmnProblem {
  elementId: string;
  type: string;
  code: BpmnProblemCode;
  severity: ProblemSeverity;
  message: string;
  /** The details the message names (a calendar, a called key…), for the code's catalog entry on pages. */
  values?: ProblemValues;
  /** Where in the file, 1-based, when the problem is about the XML itself. */
  line?: number;
  column?: number;
}

export type ProblemValues = Record<string, string | number>;

/** An error-severity problem: what most checks find. */
export function bpmnError(elementId: string, type: string, code: BpmnProblemCode, message: string, values?: ProblemValues): BpmnProblem {
  return { elementId, type, code, severity: 'error', message, ...(values ? { values } : {}) };
}

export function bpmnWarning(elementId: string, type: string, code: BpmnProblemCode, message: string, values?: ProblemValues): BpmnProblem {
  return { elementId, type, code, severity: 'warning', message, ...(values ? { values } : {}) };
}

export class InvalidBpmnError extends AppError {
  constructor(readonly problems: BpmnProblem[]) {
    super('invalid_bpmn', `The BPMN cannot be executed: ${problems.length} problem(s)`, problems);
  }
}

/** What a problem says: the English message (the API answers it) and, for pages, its catalog entry. */
export interface ProblemMessage {
  message: string;
  /** The message's i18n key under `problems.` and its values, for pages. */
  code?: string;
  values?: ProblemValues;
}

export interface FieldProblem extends ProblemMessage {
  field: string;
}

/** A number outside its bounds: the one wording and structure of every range refusal (`problems.outOfRange`). */
export function outOfRange(field: string, min: number, max: number, setting?: string): Required<FieldProblem> {
  return { field, message: `must be from ${min} to ${max}${setting ? ` (${setting})` : ''}`, code: 'outOfRange', values: { min, max } };
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super('validation_failed', message, problems);
  }
}

export class EventNotAllowedError extends AppError {
  constructor(
    message: string,
    readonly allowedEvents: string[],
  ) {
    super('event_not_allowed', message, { allowedEvents });
  }
}

/** A message (`POST /api/tickets/:id/messages`) the ticket does not wait for now: `awaitedMessages` names those it does. */
export class MessageNotAwaitedError extends AppError {
  constructor(
    message: string,
    readonly awaitedMessages: string[],
  ) {
    super('message_not_awaited', message, { awaitedMessages });
  }
}

/**
 * Input over one of the configured limits (`shared/config.ts`): answered 413 with `details: {limit, maximum}`,
 * the setting's name and its value, so the caller knows what to shrink; `where` adds where it was passed
 * (an uploaded workbook's `sheet` and `cell`).
 */
export class TooLargeError extends AppError {
  constructor(
    message: string,
    readonly limit: string,
    readonly maximum: number,
    readonly where: { sheet?: string; cell?: string } = {},
  ) {
    super('payload_too_large', message, { limit, maximum, ...where });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}

/** One thing wrong with a cell of an uploaded workbook: where a person finds it in Excel, and why. */
export interface CellProblem extends ProblemMessage {
  sheet: string;
  /** The spreadsheet's own row number, 1-based as Excel shows it. */
  row: number;
  /** The column letter (A, B, …) and its header. */
  column: string;
  header: string;
}

/** An uploaded workbook that cannot be applied: refused whole, every bad cell listed. */
export class InvalidWorkbookError extends AppError {
  constructor(
    message: string,
    readonly problems: CellProblem[],
  ) {
    super('validation_failed', message, problems);
  }
}

/** Why a gateway condition gave no answer: it ran out of its time budget, or FEEL failed on it. */
export type ConditionFailure = 'timeout' | 'error';

/**
 * A gateway condition that could not be evaluated: the advance (or the timer) that reached the gateway is
 * refused and nothing is written. `gatewayId` is filled in by the engine, which knows the graph.
 */
export class ConditionFailedError extends AppError {
  constructor(
    readonly flowId: string,
    readonly reason: ConditionFailure,
    readonly problem: string,
    readonly gatewayId?: string,
  ) {
    super(
      'condition_failed',
      `the condition of flow ${flowId}${gatewayId ? ` leaving gateway ${gatewayId}` : ''} ${reason === 'timeout' ? 'ran out of its time budget' : 'failed'}: ${problem}`,
      { gatewayId, flowId, reason },
    );
  }

  /** The same failure, naming the gateway the flow leaves. */
  at(gatewayId: string): ConditionFailedError {
    return new ConditionFailedError(this.flowId, this.reason, this.problem, gatewayId);
  }
}
