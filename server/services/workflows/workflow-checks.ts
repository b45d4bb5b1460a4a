import { DEFAULT_WORKFLOW_LIMITS, workflowLimitSetting, type WorkflowLimits } from '../../shared/config.js';
import { InvalidBpmnError, TooLargeError, type BpmnProblem } from '../../shared/errors.js';
import type { CompileOptions } from '../../engine/compile/compile.js';
import { bpmnSize } from '../../engine/bpmn/parse.js';
import { importBpmnOrThrow } from '../../engine/import-bpmn.js';
import type { Workflow } from '../../engine/workflow.js';

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
   * The workflow in `source`, or InvalidBpmnError with every problem, or TooLargeError (413) when the file is
   * larger than `limits.maxBytes`.
   */
  async check(source: Uint8Array | string): Promise<Workflow> {
    const size = bpmnSize(source);
    if (size > this.limits.maxBytes) {
      const setting = workflowLimitSetting('maxBytes');
      throw new TooLargeError(`the BPMN file is ${size} bytes; the limit is ${this.limits.maxBytes} (${setting})`, setting, this.limits.maxBytes);
    }
    const workflow = await importBpmnOrThrow(source, this.limits, this.compile);
    this.checkCalendars(workflow);
    return workflow;
  }

  private checkCalendars(workflow: Workflow): void {
    const problems: BpmnProblem[] = [];
    const known = [...this.calendars].join(', ');
    for (const attribute of ['calendar', 'vipCalendar'] as const) {
      const name = workflow[attribute];
      if (name && !this.calendars.has(name)) {
        problems.push({ elementId: workflow.key, type: 'process', message: `${attribute} "${name}" is not defined; known calendars: ${known}` });
      }
    }
    for (const step of Object.values(workflow.steps)) {
      if (step.calendar && !this.calendars.has(step.calendar)) {
        problems.push({ elementId: step.id, type: 'step', message: `calendar "${step.calendar}" is not defined; known calendars: ${known}` });
      }
    }
    if (problems.length) throw new InvalidBpmnError(problems);
  }
}
