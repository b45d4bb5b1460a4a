import { importBpmn } from '../../server/engine/import-bpmn.js';
import type { Workflow } from '../../server/engine/workflow.js';
import type { BpmnProblem, BpmnProblemCode } from '../../server/shared/errors.js';

/** Wraps process content in a BPMN 2.0 document with the namespaces SOP files use. */
export function bpmn(body: string, { id = 'p', extra = '' }: { id?: string; extra?: string } = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:sop="urn:sopflow:bpmn:1" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  id="Definitions" targetNamespace="urn:test">
  ${extra}
  <bpmn:process id="${id}" isExecutable="true">
${body}
  </bpmn:process>
</bpmn:definitions>`;
}

/** `flow('a','b')` → a sequence flow; attributes and a FEEL condition optional. */
export function flow(source: string, target: string, { id, attrs = '', condition }: { id?: string; attrs?: string; condition?: string } = {}): string {
  const flowId = id ?? `f_${source}_${target}`;
  const body = condition === undefined ? '' : `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>`;
  return `<bpmn:sequenceFlow id="${flowId}" sourceRef="${source}" targetRef="${target}" ${attrs}>${body}</bpmn:sequenceFlow>`;
}

export function timer(kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string): string {
  return `<bpmn:timerEventDefinition><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${value}</bpmn:${kind}></bpmn:timerEventDefinition>`;
}

export async function compile(xml: string): Promise<Workflow> {
  const { workflow, problems } = await importBpmn(xml);
  if (!workflow) throw new Error(`expected the BPMN to compile, got:\n${problems.map((p) => `${p.elementId} ${p.type}: ${p.message}`).join('\n')}`);
  return workflow;
}

export async function problemsOf(xml: string | Uint8Array): Promise<BpmnProblem[]> {
  const { workflow, problems } = await importBpmn(xml);
  if (workflow) throw new Error('expected the BPMN to be rejected, but it compiled');
  return problems;
}

/** Asserts a refusal of `elementId` (its type and message, and its code when given) is among `problems`. */
export function expectProblem(problems: BpmnProblem[], elementId: string, type: string, message: RegExp, code?: BpmnProblemCode): void {
  expect(problems).toContainEqual(expect.objectContaining({ elementId, type, severity: 'error', message: expect.stringMatching(message) }));
  if (code) expect(problems.find((p) => p.elementId === elementId && message.test(p.message))?.code).toBe(code);
}

/** start → the given tasks in a row → end, as process XML. */
export function linear(...tasks: string[]): string {
  const ids = tasks.map((t) => /id="([^"]+)"/.exec(t)![1]!);
  const chain = ['start', ...ids, 'end'];
  const flows = chain
    .slice(1)
    .map((id, i) => flow(chain[i]!, id))
    .join('\n');
  return `<bpmn:startEvent id="start"/>\n${tasks.join('\n')}\n<bpmn:endEvent id="end"/>\n${flows}`;
}
