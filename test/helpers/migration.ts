import type { TestServer } from './web-server.js';
import { PEOPLE } from './web-server.js';
import { inquiryVersion2 } from './inquiry-v2.js';

export { inquiryVersion2 };

export const INQUIRY = 'customer-inquiry';
const TICKET = { workflow: INQUIRY, channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };
const MINUTE = 60_000;

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
