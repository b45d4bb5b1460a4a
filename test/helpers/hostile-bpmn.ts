/**
 * Adversarial BPMN uploads of several shapes, any size: what the XML screening must refuse in time that
 * grows linearly with the size (issue 13, item 3). Each is deterministic.
 */
import { bpmn, flow, timer } from './bpmn.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:x="urn:x" id="d" targetNamespace="urn:t">
<bpmn:process id="p" isExecutable="true">`;
const TAIL = `</bpmn:process></bpmn:definitions>`;

const fill = (unit: string, bytes: number) => unit.repeat(Math.max(1, Math.ceil(bytes / unit.length)));

export const HOSTILE_SHAPES: Record<string, (bytes: number) => string> = {
  'comments never closed': (n) => HEAD + fill('<!--', n),
  'DOCTYPE-like prefixes': (n) => fill('<!DOCTYPE x [<!ENTITY y "', n),
  'an XML declaration never closed': (n) => `<?xml version="1.0" ${fill(' encoding ', n)}`,
  'an attribute value never closed': (n) => `${HEAD}<bpmn:task id="t" name="${fill('x', n)}`,
  'an endless run of attributes': (n) => `${HEAD}<bpmn:task id="t" ${fill('x:a="b" ', n)}/>${TAIL}`,
  'tags never closed': (n) => HEAD + fill('<a "', n),
  'deep nesting': (n) => HEAD + fill('<bpmn:documentation>', n),
  'entity-looking text': (n) => `${HEAD}<bpmn:task id="t"><bpmn:documentation>${fill('&lol;&#x41;', n)}</bpmn:documentation></bpmn:task>${TAIL}`,
  'elements the parser warns about': (n) => HEAD + fill('<x:y xmlns:x="urn:y"/>', n) + TAIL,
  'a tag name without end': (n) => `${HEAD}<${fill('a', n)}`,
};

/** A workflow of `tasks` tasks in a row, as compact as BPMN gets: what an element limit must refuse quickly. */
export function manyTasks(tasks: number): string {
  const parts: string[] = ['<bpmn:startEvent id="s"/>'];
  for (let i = 0; i < tasks; i++) parts.push(`<bpmn:task id="t${i}"/><bpmn:sequenceFlow id="f${i}" sourceRef="${i ? `t${i - 1}` : 's'}" targetRef="t${i}"/>`);
  parts.push(`<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="fe" sourceRef="t${tasks - 1}" targetRef="e"/>`);
  return HEAD + parts.join('') + TAIL;
}

/** A step with a way back to itself ("retry contact") and an interrupting timer that restarts it. */
export const SELF_LOOP_BPMN = bpmn(`
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="Task_Contact" name="Contact the customer">
    <bpmn:extensionElements><sop:step sla="PT1H"/></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:boundaryEvent id="Timer_Retry" attachedToRef="Task_Contact">${timer('timeDuration', 'PT2H')}</bpmn:boundaryEvent>
  <bpmn:endEvent id="end"/>
  ${flow('start', 'Task_Contact')}
  ${flow('Task_Contact', 'Task_Contact', { id: 'Flow_Retry', attrs: 'name="Retry contact" sop:event="retry"' })}
  ${flow('Task_Contact', 'end', { id: 'Flow_Done', attrs: 'name="Reached" sop:event="reached"' })}
  ${flow('Timer_Retry', 'Task_Contact', { id: 'Flow_TimerRetry' })}
`);
