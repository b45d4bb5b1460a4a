import { isJuel, juelToFeel } from '../../engine/bpmn/juel.js';
import { DEFAULT_WORKFLOW_LIMITS, workflowLimitSetting, type WorkflowLimits } from '../../shared/config.js';
import { checkConditions } from '../../engine/compile/check-conditions.js';
import { conditionSyntaxError } from './condition-syntax.js';
import { bpmnError, InvalidBpmnError, TooLargeError, type BpmnProblem, type BpmnProblemCode, type ProblemValues } from '../../shared/errors.js';
import type { CompileOptions } from '../../engine/compile/compile.js';
import { bpmnSize, type ParsedBpmn } from '../../engine/bpmn/parse.js';
import { importBpmnWithWarnings } from '../../engine/import-bpmn.js';
import type { ReadOptions } from '../../engine/bpmn/read-graph.js';
import type { Workflow } from '../../engine/workflow.js';
import { CHANNELS } from '../tickets/channels.js';

/** What the editor's condition check refuses a condition for: the import's problem code, its English, its values. */
export interface ConditionProblem {
  code: BpmnProblemCode;
  message: string;
  values?: ProblemValues;
}

/**
 * Everything a BPMN file must pass before it may run here: its size, the importer's structure and limits, the
 * cost of its gateway conditions and the calendars it names. The library checks each upload with it, and
 * `sopflow validate` / `compile` check files with the same settings, so a file the CLI accepts imports.
 */
export class WorkflowChecks {
  constructor(
    private readonly calendars: ReadonlySet<string>,
    /** What one imported file may cost (size, elements, text lengths, compile time): refused beyond. */
    readonly limits: WorkflowLimits = DEFAULT_WORKFLOW_LIMITS,
    /** What imports check beyond the structure (the cost of gateway conditions). */
    private readonly compile: CompileOptions = {},
  ) {}

  /**
   * What is wrong with a gateway condition as the editor types it, or undefined: its FEEL syntax, then what
   * an import would refuse it for (unbounded iteration, a backtracking pattern), under the same limits. The
   * problem's code is the one an import would report (`untranslatable_condition`, `invalid_condition` with
   * the character `at` when known, `condition_too_costly`), for pages to word.
   */
  conditionProblem(typed: string): ConditionProblem | undefined {
    // A JUEL condition (`${…}`) is translated to FEEL on import: checked as what it imports as.
    let expression = typed;
    if (isJuel(typed)) {
      const translated = juelToFeel(typed);
      if ('error' in translated) return { code: 'untranslatable_condition', message: translated.error };
      expression = translated.feel;
    }
    const syntax = conditionSyntaxError(expression);
    if (syntax) return { code: 'invalid_condition', message: syntax.message, ...(syntax.at !== undefined ? { values: { at: syntax.at } } : {}) };
    const [costly] = checkConditions([{ id: 'condition', source: '', target: '', condition: expression }], this.compile.conditions);
    return costly && { code: costly.code, message: costly.message };
  }

  /**
   * The workflow in `source`, or InvalidBpmnError with every problem, or TooLargeError (413) when the file is
   * larger than `limits.maxBytes`. `parsed`: `source` as `parseBpmn` read it with these limits, when the caller has it.
   */
  async check(source: Uint8Array | string, options: ReadOptions = {}, parsed?: ParsedBpmn): Promise<Workflow> {
    return (await this.checkWithWarnings(source, options, parsed)).workflow;
  }

  /** As `check`, with the warnings of the import (what it set aside without changing what runs). */
  async checkWithWarnings(
    source: Uint8Array | string,
    options: ReadOptions = {},
    parsed?: ParsedBpmn,
  ): Promise<{ workflow: Workflow; warnings: BpmnProblem[] }> {
    const size = bpmnSize(source);
    if (size > this.limits.maxBytes) {
      const setting = workflowLimitSetting('maxBytes');
      throw new TooLargeError(`the BPMN file is ${size} bytes; the limit is ${this.limits.maxBytes} (${setting})`, setting, this.limits.maxBytes);
    }
    const imported = await importBpmnWithWarnings(source, this.limits, { ...this.compile, ...options }, parsed);
    this.checkNames(imported.workflow);
    return imported;
  }

  /** The calendars and channels a workflow names must exist here: a ticket could never run on it otherwise. */
  private checkNames(workflow: Workflow): void {
    const problems: BpmnProblem[] = [];
    const unknownChannels = workflow.channels.filter((channel) => !(CHANNELS as readonly string[]).includes(channel));
    if (unknownChannels.length) {
      problems.push(
        bpmnError(
          workflow.key,
          'process',
          'unknown_channel',
          `channels ${unknownChannels.map((c) => `"${c}"`).join(', ')} unknown; known channels: ${CHANNELS.join(', ')}`,
          { channels: unknownChannels.join(', '), known: CHANNELS.join(', ') },
        ),
      );
    }
    const known = [...this.calendars].join(', ');
    for (const attribute of ['calendar', 'vipCalendar'] as const) {
      const name = workflow[attribute];
      if (name && !this.calendars.has(name)) {
        problems.push(
          bpmnError(workflow.key, 'process', 'unknown_calendar', `${attribute} "${name}" is not defined; known calendars: ${known}`, { calendar: name, known }),
        );
      }
    }
    for (const step of Object.values(workflow.steps)) {
      if (step.calendar && !this.calendars.has(step.calendar)) {
        problems.push(
          bpmnError(step.id, 'step', 'unknown_calendar', `calendar "${step.calendar}" is not defined; known calendars: ${known}`, {
            calendar: step.calendar,
            known,
          }),
        );
      }
    }
    if (problems.length) throw new InvalidBpmnError(problems);
  }
}
