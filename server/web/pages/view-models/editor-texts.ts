import { FIELD_PROBLEM_CODES } from '../../../engine/fields.js';
import { CHANNELS } from '../../../services/tickets/channels.js';
import { LINT_RULES } from '../../../services/workflows/publish-lint.js';
import { SIMULATION_LINE_CODES } from '../../../services/workflows/simulation-lines.js';
import { NAMED_PROPERTIES } from '../../../services/workflows/workflow-diff.js';
import { BPMN_PROBLEM_CODES } from '../../../shared/errors.js';
import type { Formatter } from '../../../shared/i18n.js';

const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'hoursMinutes', 'days', 'daysHours'] as const;
const TIMER_KINDS = ['bpmn', 'sla-warning', 'sla-breach', 'ticket-sla-warning', 'ticket-sla-breach'] as const;
const REMINDER_KINDS = ['reminder', 'escalation', ...TIMER_KINDS.slice(1)] as const;
const DRY_RUN_PARTS = [
  'pass',
  'instance',
  'instanceItem',
  'limit',
  'owner',
  'calledBy',
  'breached',
  'timerStep',
  'to',
  'allowed',
  'noActions',
  'timersOnly',
  'messages',
  'signals',
  'none',
] as const;
const DRY_RUN_CAUSES = ['start', 'timer', 'signal', 'message', 'event'] as const;
/** The refusals a dry run words by its own sentence; others by their error's title. */
export const DRY_RUN_REFUSALS = ['event_not_allowed', 'message_not_awaited', 'validation_failed', 'condition_failed', 'payload_too_large'] as const;
/** What the editor's calls may answer besides their own refusals, each by its title (`csrf`: a 403 for a form of an ended session). */
const ERROR_TITLES = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'csrf',
  'not_found',
  'conflict',
  'invalid_bpmn',
  'payload_too_large',
  'internal',
];

/** `{name: f.t(prefix.name)}` for each name: a catalog section, its `{{value}}` places left for the script to fill. */
function section(f: Formatter, prefix: string, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, f.t(`${prefix}.${name}`)]));
}

/**
 * What the editor's script needs to word the API's answers in the reader's language, as JSON for a data
 * attribute: each problem code's sentence and each enabled lint rule's name and explanation (check and
 * publish), the dry run's line sentences by code, the field problems a refusal names, the diff's property names
 * and channels, the duration units, and the titles of the errors a call may answer. `{{value}}` places are left for the script to fill.
 */
export function editorTexts(f: Formatter): string {
  const lint = Object.fromEntries(
    Object.keys(LINT_RULES).map((rule) => [rule, { name: f.t(`lintRules.${rule}.name`), explanation: f.t(`lintRules.${rule}.explanation`) }]),
  );
  return JSON.stringify({
    problems: section(f, 'bpmnProblems', BPMN_PROBLEM_CODES),
    lint,
    fieldProblems: section(f, 'problems', [...FIELD_PROBLEM_CODES, 'dryRunPath']),
    duration: section(f, 'duration', DURATION_UNITS),
    dryRun: {
      lines: section(f, 'editor.dryRun.lines', SIMULATION_LINE_CODES),
      parts: section(f, 'editor.dryRun.parts', DRY_RUN_PARTS),
      causes: section(f, 'editor.dryRun.causes', DRY_RUN_CAUSES),
      refusals: section(f, 'editor.dryRun.refusals', DRY_RUN_REFUSALS),
      timerKinds: section(f, 'reports.timerKinds', TIMER_KINDS),
      reminderKinds: section(f, 'notifications.kinds', REMINDER_KINDS),
    },
    diff: {
      properties: section(f, 'editor.diff.properties', NAMED_PROPERTIES),
      ...section(f, 'editor.diff', ['separator', 'level', 'change']),
      yes: f.t('fields.yes'),
      no: f.t('fields.no'),
    },
    channels: section(f, 'channels', CHANNELS),
    errors: Object.fromEntries(ERROR_TITLES.map((code) => [code, f.t(`errors.${code}.title`)])),
    // what a refusal's details add to its title: the limit passed (413), what to do about an expired form (CSRF)
    errorDetails: { limit: f.t('errors.payload_too_large.limit'), csrf: f.t('errors.csrf.help') },
    // where in a condition its syntax error is, after the import's sentence for the problem
    feelAt: f.t('editor.feelAt'),
  });
}
