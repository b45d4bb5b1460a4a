/**
 * Hostile BPMN documents and request bodies, built in memory and deterministic: workflows with unbounded
 * FEEL conditions, a self-loop and 50,000 tasks; adversarial XML of several shapes at a chosen size; and
 * the malformed requests of issue 13's class 7.
 */

const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="${BPMN_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sop="urn:sopflow:bpmn:1" id="Definitions" targetNamespace="urn:bench">`;

function definitions(key: string, body: string): string {
  return `${HEAD}\n<bpmn:process id="${key}" isExecutable="true">\n${body}\n</bpmn:process>\n</bpmn:definitions>\n`;
}

function task(id: string, fields = ''): string {
  return `<bpmn:userTask id="${id}" name="${id}"><bpmn:extensionElements><sop:step owner="Agent">${fields}</sop:step></bpmn:extensionElements></bpmn:userTask>`;
}

function flow(id: string, source: string, target: string, extra = '', condition?: string): string {
  const body = condition === undefined ? '' : `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>`;
  return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" ${extra}>${body}</bpmn:sequenceFlow>`;
}

/** The event that carries a ticket from the first step to the gateway of `conditionWorkflow`. */
export const SUBMIT = 'submit';

/**
 * start → Task_Fill (a `level` text field) → gateway: `condition` to Task_Hot, else (default) to Task_Cold.
 * The advance `submit` from Task_Fill evaluates the condition.
 */
export function conditionWorkflow(key: string, condition: string): string {
  return definitions(
    key,
    [
      '<bpmn:startEvent id="Start"/>',
      task('Task_Fill', '<sop:field name="level" label="Level" type="string" required="false"/>'),
      '<bpmn:exclusiveGateway id="Gateway_Check" default="Flow_Cold"/>',
      task('Task_Hot'),
      task('Task_Cold'),
      '<bpmn:endEvent id="End"/>',
      flow('Flow_Start', 'Start', 'Task_Fill'),
      flow('Flow_Submit', 'Task_Fill', 'Gateway_Check', `sop:event="${SUBMIT}"`),
      flow('Flow_Hot', 'Gateway_Check', 'Task_Hot', '', condition),
      flow('Flow_Cold', 'Gateway_Check', 'Task_Cold'),
      flow('Flow_HotDone', 'Task_Hot', 'End', 'sop:event="done"'),
      flow('Flow_ColdDone', 'Task_Cold', 'End', 'sop:event="done"'),
    ].join('\n'),
  );
}

/** The event of the self-loop of `selfLoopWorkflow`: Task_Loop back to Task_Loop. */
export const AGAIN = 'again';

export function selfLoopWorkflow(key: string): string {
  return definitions(
    key,
    [
      '<bpmn:startEvent id="Start"/>',
      task('Task_Loop'),
      '<bpmn:endEvent id="End"/>',
      flow('Flow_Start', 'Start', 'Task_Loop'),
      flow('Flow_Again', 'Task_Loop', 'Task_Loop', `sop:event="${AGAIN}"`),
      flow('Flow_Done', 'Task_Loop', 'End', 'sop:event="done"'),
    ].join('\n'),
  );
}

/** start → `tasks` plain tasks in a row → end, in the default namespace to stay under the 5-MB body limit (about 4 MB for 50,000). */
export function hugeWorkflow(key: string, tasks = 50_000): string {
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="${BPMN_NS}" id="D" targetNamespace="urn:bench"><process id="${key}" isExecutable="true"><startEvent id="s"/>`,
  ];
  for (let i = 1; i <= tasks; i++) parts.push(`<task id="t${i}"/>`);
  parts.push('<endEvent id="e"/>');
  for (let i = 0; i <= tasks; i++) parts.push(`<sequenceFlow id="f${i}" sourceRef="${i ? `t${i}` : 's'}" targetRef="${i < tasks ? `t${i + 1}` : 'e'}"/>`);
  parts.push('</process></definitions>\n');
  return parts.join('');
}

/** `unit` repeated to exactly `size` bytes (ASCII), between `prefix` and `suffix`. */
function fill(size: number, unit: string, prefix = '', suffix = ''): string {
  const room = size - prefix.length - suffix.length;
  return prefix + unit.repeat(Math.ceil(room / unit.length)).slice(0, room) + suffix;
}

/**
 * Adversarial XML shapes, each built to `size` bytes: unterminated tags with long attribute runs, comments
 * that never end, processing instructions and DOCTYPE-like prefixes left open, deep nesting, and text full
 * of entity-looking references inside an otherwise ordinary document.
 */
export const XML_SHAPES: Record<string, (size: number) => string> = {
  attributeRuns: (size) => fill(size, '<x a="1" b="2" c="3" ', `${HEAD}\n`),
  openComments: (size) => fill(size, '<!--', `${HEAD}\n`),
  openInstructions: (size) => fill(size, '<?x ', `${HEAD}\n`),
  doctypeLike: (size) => fill(size, '<!DOCTYP [<!ENTIT x "', '<?xml version="1.0"?>\n'),
  deepNesting: (size) => fill(size, '<bpmn:documentation>', `${HEAD}\n<bpmn:process id="p">`),
  entityText: (size) =>
    fill(size, '&#x41;&amp;&a;&#65', `${HEAD}\n<bpmn:process id="p"><bpmn:documentation>`, '</bpmn:documentation></bpmn:process></bpmn:definitions>'),
};

export const XML_SIZES: readonly { label: string; bytes: number }[] = [
  { label: '1KB', bytes: 1_000 },
  { label: '10KB', bytes: 10_000 },
  { label: '100KB', bytes: 100_000 },
  { label: '1MB', bytes: 1_000_000 },
];

/** A JSON ticket whose `fields` nest `depth` objects deep: about 6 bytes a level. */
export function deepJson(depth: number): string {
  return `{"workflow":"customer-inquiry","channel":"chat","subject":"deep","customer":{"name":"Deep"},"fields":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

/** A multipart upload cut off inside its file part: no closing boundary, though Content-Length is exact. */
export function truncatedMultipart(boundary: string, file: Buffer): Buffer {
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.xlsx"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), file.subarray(0, Math.floor(file.length / 2))]);
}

/** A multipart body with one file part, complete. */
export function multipart(boundary: string, file: Buffer): Buffer {
  return Buffer.concat([truncatedMultipart(boundary, Buffer.alloc(0)), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}
