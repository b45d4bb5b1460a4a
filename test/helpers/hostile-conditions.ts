import { bpmn, flow, timer } from './bpmn.js';

/**
 * Gateway conditions that pass the import checks yet run away when evaluated: a regular expression whose
 * alternatives overlap backtracks 2^n times on n letters that end in a mismatch.
 */
export const RUNAWAY_CONDITION = 'matches(note, "^(a|a)*$")';
export const RUNAWAY_NOTE = `${'a'.repeat(32)}b`;

/** XML text of a condition: `<`, `>` and `&` escaped. */
const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * start → Write (a note) → gateway G: F_runaway (the condition) to Special, default F_plain to Plain → end;
 * with `timer`, Write also has a 1-hour interrupting timer that takes the ticket to the same gateway.
 */
export function gatewayWorkflow(key: string, condition = RUNAWAY_CONDITION, { timed = false } = {}): string {
  return bpmn(
    `<bpmn:startEvent id="start"/>
    <bpmn:userTask id="Write" name="Write"><bpmn:extensionElements><sop:step><sop:field name="note" type="text"/></sop:step></bpmn:extensionElements></bpmn:userTask>
    ${timed ? `<bpmn:boundaryEvent id="Late" attachedToRef="Write">${timer('timeDuration', 'PT1H')}</bpmn:boundaryEvent>` : ''}
    <bpmn:exclusiveGateway id="G" default="F_plain"/>
    <bpmn:userTask id="Special" name="Special"/>
    <bpmn:userTask id="Plain" name="Plain"/>
    <bpmn:endEvent id="end"/>
    ${flow('start', 'Write')}
    ${flow('Write', 'G', { attrs: 'sop:event="complete"' })}
    ${timed ? flow('Late', 'G') : ''}
    ${flow('G', 'Special', { id: 'F_runaway', condition: xmlText(condition) })}
    ${flow('G', 'Plain', { id: 'F_plain' })}
    ${flow('Special', 'end')}
    ${flow('Plain', 'end', { id: 'F_plain_end' })}`,
    { id: key },
  );
}
