import type { Workflow } from '../../server/engine/workflow.js';
import { bpmn, compile, flow } from './bpmn.js';

/** Grade → Handle ⇄ Ask (waits on the customer), Handle → Grade again or resolved; `process` holds the sop:process attributes. */
export function supportSop(process: string, handle = '<sop:step sla="PT4H" vipSla="PT1H"/>'): Promise<Workflow> {
  return compile(
    bpmn(
      `<bpmn:extensionElements><sop:process ${process}/></bpmn:extensionElements>
      <bpmn:startEvent id="start"/>
      <bpmn:userTask id="Grade"><bpmn:extensionElements><sop:step><sop:field name="level" type="enum" options="L1,L2,L3"/></sop:step></bpmn:extensionElements></bpmn:userTask>
      <bpmn:userTask id="Handle"><bpmn:extensionElements>${handle}</bpmn:extensionElements></bpmn:userTask>
      <bpmn:userTask id="Ask"><bpmn:extensionElements><sop:step waitingOnCustomer="true"/></bpmn:extensionElements></bpmn:userTask>
      <bpmn:endEvent id="end"/>
      ${flow('start', 'Grade')}${flow('Grade', 'Handle', { attrs: 'sop:event="graded"' })}
      ${flow('Handle', 'Ask', { attrs: 'sop:event="ask"' })}${flow('Ask', 'Handle', { attrs: 'sop:event="reply"' })}
      ${flow('Handle', 'Grade', { attrs: 'sop:event="regrade"' })}${flow('Handle', 'end', { attrs: 'sop:event="resolve"' })}`,
      { id: 'support' },
    ),
  );
}
