import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import type { ProcessGraph } from '../engine/workflow.js';

/**
 * The shape of a compiled workflow's `graph` (`ProcessGraph`), as far as the compiler reads it: a file edited
 * by hand is refused naming the field that is wrong, never with the TypeError the compiler would meet.
 */
const Text = z.string();
const Bounds = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const Field = z.object({
  name: Text,
  label: Text.optional(),
  type: z.enum(['string', 'text', 'number', 'integer', 'boolean', 'date', 'enum']),
  required: z.boolean(),
  options: z.array(Text).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
const Step = z.object({
  owner: Text.optional(),
  sla: Text.optional(),
  vipSla: Text.optional(),
  calendar: Text.optional(),
  waitingOnCustomer: z.boolean().optional(),
  warnAt: z.number().optional(),
  checklist: z.array(Text).optional(),
  fields: z.array(Field).optional(),
});
const Loop = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('standard'), maximum: z.number().optional(), condition: Text.optional(), testBefore: z.boolean().optional() }),
  z.object({
    kind: z.literal('multi'),
    sequential: z.boolean(),
    collection: Text.optional(),
    cardinality: Text.optional(),
    element: Text.optional(),
    completion: Text.optional(),
  }),
]);
const Node = z.object({
  id: Text,
  kind: Text,
  name: Text.optional(),
  parentId: Text.optional(),
  documentation: Text.optional(),
  step: Step.optional(),
  attachedTo: Text.optional(),
  cancelActivity: z.boolean().optional(),
  timer: z.object({ type: z.enum(['duration', 'date', 'cycle']), value: Text }).optional(),
  message: Text.optional(),
  signal: Text.optional(),
  interrupting: z.literal(true).optional(),
  thrown: Text.optional(),
  link: Text.optional(),
  reminder: z.object({ to: Text.optional(), message: Text.optional() }).optional(),
  defaultFlow: Text.optional(),
  called: z.object({ key: Text, version: z.number().optional() }).optional(),
  loop: Loop.optional(),
  bounds: Bounds.optional(),
});
const Flow = z.object({
  id: Text,
  name: Text.optional(),
  source: Text,
  target: Text,
  condition: Text.optional(),
  event: Text.optional(),
  waypoints: z.array(z.object({ x: z.number(), y: z.number() })).optional(),
});
const Graph = z.object({
  id: Text,
  name: Text.optional(),
  documentation: Text.optional(),
  properties: z
    .object({
      calendar: Text.optional(),
      vipCalendar: Text.optional(),
      sla: Text.optional(),
      vipSla: Text.optional(),
      levelSla: z.record(Text, Text).optional(),
      channels: z.array(Text).optional(),
    })
    .optional(),
  nodes: z.array(Node),
  flows: z.array(Flow),
  lanes: z.array(z.object({ id: Text, name: Text.optional(), nodeIds: z.array(Text), bounds: Bounds.optional() })),
  messages: z.record(Text, Text).optional(),
  pool: z.object({ id: Text, name: Text.optional(), bounds: Bounds.optional() }).optional(),
});
const Compiled = z.object({ graph: Graph }, 'must be a JSON object with a "graph", as `sopflow compile` prints it');

/** The problems named at most: enough to find the first, without flooding the terminal. */
const SHOWN = 5;

/** The graph of a compiled workflow JSON (`sopflow compile`'s output), or an error naming the file and what is wrong. */
export function compiledGraphOf(path: string, text: string): ProcessGraph {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('bad_request', `${path} is not JSON${whereIn(text, (error as Error).message)}: ${(error as Error).message}`);
  }
  const result = Compiled.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(the whole file)'}: ${issue.message}`);
    const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : '';
    throw new AppError('bad_request', `${path} is not a compiled SOPflow workflow: ${problems.slice(0, SHOWN).join('; ')}${more}`);
  }
  // The parsed value, not zod's copy: fields this schema does not list are the compiler's to judge.
  return (parsed as { graph: ProcessGraph }).graph;
}

/** " (line L, column C)" from the position JSON.parse names, 1-based as editors count; empty when it names none. */
function whereIn(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  if (!position) return '';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}
