import { readFileSync } from 'node:fs';

/**
 * Version 2 of the inquiry SOP: the issue summary is now required when answering, and the gateway sends
 * L2 to management and L3 to technical support (the two conditions swapped).
 */
export function inquiryVersion2(): string {
  const v1 = readFileSync(new URL('../../workflows/customer-inquiry.bpmn', import.meta.url), 'utf8');
  const v2 = v1
    .replace(
      '<sop:field name="issueSummary" label="问题摘要 Issue summary" type="text" required="false" />',
      '<sop:field name="issueSummary" label="问题摘要 Issue summary" type="text" required="true" />',
    )
    .replace(/(id="Flow_Level_L2"[\s\S]*?level = &quot;)L2(&quot;)/, '$1L3$2')
    .replace(/(id="Flow_Level_L3"[\s\S]*?level = &quot;)L3(&quot;)/, '$1L2$2');
  if (v2.match(/required="true"/g)!.length !== v1.match(/required="true"/g)!.length + 1 || !/id="Flow_Level_L2"[\s\S]*?level = &quot;L3/.test(v2))
    throw new Error('the inquiry SOP changed: version 2 of the migration tests no longer applies');
  return v2;
}
