import { readFileSync } from 'node:fs';
import type { TestServer } from './web-server.js';
import { PEOPLE } from './web-server.js';

export const INQUIRY = 'customer-inquiry';
const TICKET = { workflow: INQUIRY, channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const MINUTE = 60_000;

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

/** An agent's event three minutes after the last one; the answer's body. */
export async function agentEvent(
  server: TestServer,
  id: number,
  type: string,
  fields: Record<string, unknown> = {},
): Promise<{ revision: number; state: string[] }> {
  server.app.clock.advance(3 * MINUTE);
  const answer = await server.call('POST', `/api/tickets/${id}/events`, { json: { type, fields } });
  if (answer.status !== 200) throw new Error(`${type} on ticket ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as { revision: number; state: string[] };
}

/**
 * Three tickets on v1 of the inquiry SOP, then v2 published: one waiting to be answered (moves cleanly), one
 * with technical support after an L2 grading (lands with management on v2), one answered without a summary
 * (cannot move: v2 requires it).
 */
export async function threeTickets(server: TestServer): Promise<{ waiting: number; technical: number; unsummarised: number }> {
  const open = async () => ((await server.call('POST', '/api/tickets', { json: TICKET })).body as { id: number }).id;
  const waiting = await open();
  const technical = await open();
  await agentEvent(server, technical, 'answer', { issueSummary: 'app crashes on login' });
  await agentEvent(server, technical, 'grade', { level: 'L2' });
  const unsummarised = await open();
  await agentEvent(server, unsummarised, 'answer');
  await server.app.workflows.import(inquiryVersion2(), PEOPLE.manager.email);
  server.app.clock.advance(10 * MINUTE);
  return { waiting, technical, unsummarised };
}
