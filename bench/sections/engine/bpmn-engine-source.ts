/**
 * Rewrites the FEEL conditions of a SOPflow BPMN file into what bpmn-engine's default expression handler
 * evaluates, leaving everything else as it is. That handler only resolves `${path}` and `${fn(args)}`, with
 * no operators, so a comparison becomes a call to one of `CONDITION_SERVICES`:
 * `level = "L1"` → `${environment.services.eq(environment.variables.level,'L1')}`.
 */

/** The functions the rewritten conditions call; pass them as bpmn-engine's `services`. */
export const CONDITION_SERVICES = {
  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: unknown, b: unknown) => Number(a) < Number(b),
  le: (a: unknown, b: unknown) => Number(a) <= Number(b),
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  ge: (a: unknown, b: unknown) => Number(a) >= Number(b),
  not: (a: unknown) => a !== true,
  isTrue: (a: unknown) => a === true,
};

const OPERATORS: Record<string, keyof typeof CONDITION_SERVICES> = { '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const COMPARISON = new RegExp(`^(${NAME})\\s*(!=|<=|>=|=|<|>)\\s*(.+)$`);
const NEGATION = new RegExp(`^not\\s*\\(\\s*(${NAME})\\s*\\)$`);
const CONDITION_ELEMENT = /<((?:[\w-]+:)?conditionExpression)\b([^>]*)>([\s\S]*?)<\/\1>/g;

const variable = (name: string) => `environment.variables.${name}`;

function literal(text: string, condition: string): string {
  const quoted = /^"([^"',]*)"$/.exec(text);
  if (quoted) return `'${quoted[1]}'`;
  if (/^(true|false|null|-?\d+(\.\d+)?)$/.test(text)) return text;
  throw new Error(`cannot rewrite the FEEL condition ${JSON.stringify(condition)} for bpmn-engine: unsupported value ${text}`);
}

/** One FEEL condition → a bpmn-engine expression. Throws for what it cannot express, naming the condition. */
export function toBpmnEngineExpression(feel: string): string {
  const condition = feel.trim().replace(/^=\s*/, '');
  const comparison = COMPARISON.exec(condition);
  if (comparison) {
    const [, name, operator, value] = comparison as unknown as [string, string, string, string];
    return `\${environment.services.${OPERATORS[operator]}(${variable(name)},${literal(value.trim(), feel)})}`;
  }
  const negation = NEGATION.exec(condition);
  if (negation) return `\${environment.services.not(${variable(negation[1]!)})}`;
  if (new RegExp(`^${NAME}$`).test(condition)) return `\${environment.services.isTrue(${variable(condition)})}`;
  throw new Error(`cannot rewrite the FEEL condition ${JSON.stringify(feel)} for bpmn-engine: extend bench/sections/engine/bpmn-engine-source.ts`);
}

const decode = (text: string) =>
  text
    .replace(/^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/, '$1')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The whole file with every condition rewritten; a `language` attribute is dropped so none runs as a script. */
export function toBpmnEngineSource(xml: string): string {
  return xml.replace(CONDITION_ELEMENT, (_match, tag: string, attributes: string, body: string) => {
    const kept = attributes.replace(/\s+language="[^"]*"/, '');
    return `<${tag}${kept}>${toBpmnEngineExpression(decode(body))}</${tag}>`;
  });
}
