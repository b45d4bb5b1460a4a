import { createRequire } from 'node:module';
import type { ModdleElement } from 'bpmn-moddle';

/** One finding of the linter: an error refuses a publish, a warning is shown and let through. */
export interface LintProblem {
  elementId: string;
  rule: string;
  severity: 'error' | 'warning';
  message: string;
}

/**
 * The bpmnlint rules a publish runs, and how hard each counts. Errors are modelling mistakes a ticket would
 * trip over; warnings are style the manager should see. Left out on purpose: `no-implicit-split` (in an SOP a
 * step's several outgoing flows are the agent's actions, one button each: the built-in SOPs rely on it),
 * `no-bpmndi` (a file without layout imports fine: the exporter lays it out) and `no-implicit-start` (the
 * importer already reports an unreachable node with its id).
 */
export const LINT_RULES = {
  'start-event-required': 'error',
  'end-event-required': 'error',
  'no-disconnected': 'error',
  'no-duplicate-sequence-flows': 'error',
  'single-event-definition': 'error',
  'no-complex-gateway': 'error',
  'no-inclusive-gateway': 'error',
  'event-based-gateway': 'error',
  'label-required': 'warn',
  'fake-join': 'warn',
  'superfluous-gateway': 'warn',
  'no-gateway-join-fork': 'warn',
  'conditional-flows': 'warn',
  'superfluous-termination': 'warn',
  'no-overlapping-elements': 'warn',
} as const satisfies Record<string, 'error' | 'warn'>;

type Report = (id: string, message: string) => void;
type Check =
  | ((node: ModdleElement, reporter: { report: Report }) => unknown)
  | { enter?: (node: ModdleElement, reporter: { report: Report }) => unknown; leave?: (node: ModdleElement, reporter: { report: Report }) => unknown };
type Traverse = (root: ModdleElement, visitor: { enter?: (node: ModdleElement) => unknown; leave?: (node: ModdleElement) => void }) => void;

const require = createRequire(import.meta.url);

/**
 * bpmnlint's rules, resolved statically from its package once, run with bpmnlint's own traversal. Its
 * `Linter` class is not used: it requires the ESM-only min-dash from CommonJS, which only a Node with
 * require(esm) can load (jest cannot), and all it adds is rule resolution and this loop.
 */
const traverse = require('bpmnlint/lib/traverse.js') as Traverse;
const RULES = Object.entries(LINT_RULES).map(([name, level]) => ({
  name,
  severity: level === 'error' ? ('error' as const) : ('warning' as const),
  factory: require(`bpmnlint/rules/${name}.js`) as (config?: unknown) => { check: Check },
}));

/** The lint findings of parsed BPMN definitions (bpmn-moddle with SOPflow's descriptor), errors first. */
export function lintDefinitions(definitions: ModdleElement): LintProblem[] {
  const reminders = connectFlows(definitions);
  const problems: LintProblem[] = [];
  for (const rule of RULES) {
    const reporter = { report: (id: string, message: string) => problems.push({ elementId: id ?? '', rule: rule.name, severity: rule.severity, message }) };
    // A fresh instance per run: some rules remember what they saw (no-duplicate-sequence-flows).
    const { check } = rule.factory();
    const { enter, leave } = typeof check === 'function' ? { enter: check, leave: undefined } : check;
    try {
      traverse(definitions, {
        ...(enter ? { enter: (node: ModdleElement) => enter(node, reporter) } : {}),
        ...(leave ? { leave: (node: ModdleElement) => void leave(node, reporter) } : {}),
      });
    } catch (error) {
      // A rule that fails on a strange file is a finding, not a crash of the publish (as bpmnlint's Linter does).
      problems.push({
        elementId: '',
        rule: rule.name,
        severity: 'warning',
        message: `the rule could not run: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return problems
    .filter((problem) => !(problem.rule === 'no-disconnected' && reminders.has(problem.elementId)))
    .sort((a, b) => (a.severity === b.severity ? a.elementId.localeCompare(b.elementId) : a.severity === 'error' ? -1 : 1));
}

/**
 * What bpmnlint reads but a file need not write: a node's `incoming` and `outgoing` lists, filled in from the
 * sequence flows (many modelers, and hand-written files, leave them out; the importer reads the flows). Answers
 * the ids of the boundary events with no way out: a non-interrupting timer that only reminds (`sop:reminder`)
 * is complete as it is, and the importer checks every boundary on its own terms.
 */
function connectFlows(definitions: ModdleElement): Set<string> {
  const boundaries: ModdleElement[] = [];
  traverse(definitions, {
    enter: (node) => {
      if (node.$type === 'bpmn:BoundaryEvent') boundaries.push(node);
      if (node.$type !== 'bpmn:SequenceFlow') return;
      const link = (end: unknown, list: 'incoming' | 'outgoing') => {
        if (!end || typeof end !== 'object') return;
        const element = end as Record<string, unknown>;
        const flows = Array.isArray(element[list]) ? (element[list] as unknown[]) : [];
        if (!flows.includes(node)) element[list] = [...flows, node];
      };
      link(node.sourceRef, 'outgoing');
      link(node.targetRef, 'incoming');
    },
  });
  return new Set(boundaries.filter((b) => !(Array.isArray(b.outgoing) && b.outgoing.length) && b.attachedToRef).map((b) => String(b.id)));
}
