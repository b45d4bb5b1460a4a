import { HOUR, MIN, SECOND, type Journey, type Stay } from './play.js';

// Every branch of the five built-in SOPs (workflows/*.bpmn), with the step ids, events, fields and
// limits those files state. Think times differ from step to step, so a duration in the wrong row shows.

const AGENT = 'li.na@agents.test';
const LEAD = 'zhao.lei@leads.test';
const TECH = 'wang.fang@tech.test';
const MANAGER = 'chen.jie@managers.test';
const SPECIALIST = 'sun.yu@specialists.test';
const DEPARTMENT = 'billing-dept@sopflow.test';
const RELATIONS = 'care@sopflow.test';
const CUSTOMER = 'customer-portal@sopflow.test';

const stay = (step: string, think: number, actor: string, event: string, fields?: Record<string, unknown>): Stay => ({
  step,
  think,
  actor,
  event,
  ...(fields ? { fields } : {}),
});

/** customer-inquiry.bpmn: `sla` of each sop:step. */
const INQUIRY_SLA = {
  Task_Answer: 5 * MIN,
  Task_Grade: 10 * MIN,
  Task_L1Resolve: 30 * MIN,
  Task_L2TechSupport: 24 * HOUR,
  Task_L3Management: 48 * HOUR,
  Task_Feedback: 30 * MIN,
  Task_FollowUp: 24 * HOUR,
};

const inquiry = (name: string, moves: Journey['moves'], notifications: Journey['notifications'] = []): Journey => ({
  name: `customer inquiry ${name}`,
  workflow: 'customer-inquiry',
  channel: 'chat',
  sla: INQUIRY_SLA,
  moves: [{ pass: 'Service_BotPreClassify' }, ...moves],
  notifications,
});

const followUp = (think: number, satisfaction: number, resolved: boolean) =>
  stay('Task_FollowUp', think, AGENT, 'record_follow_up', { satisfaction, resolved });

/** complaint-handling.bpmn */
const COMPLAINT_SLA = {
  Task_Tier1Frontline: 30 * MIN,
  Task_Tier2Specialist: 24 * HOUR,
  Task_Tier3Coordinate: 4 * HOUR,
  Task_DepartmentFix: 44 * HOUR,
  Task_CustomerCare: 24 * HOUR,
  Task_RootCauseClose: 4 * HOUR,
};

const complaint = (name: string, moves: Journey['moves'], notifications: Journey['notifications'] = []): Journey => ({
  name: `complaint ${name}`,
  workflow: 'complaint-handling',
  channel: 'phone',
  sla: COMPLAINT_SLA,
  moves: [...moves, stay('Task_RootCauseClose', 47 * MIN, AGENT, 'close', { rootCause: 'invoice template doubled the fee', rootCauseCategory: 'system' })],
  notifications,
});

/** email-support.bpmn */
const EMAIL_SLA = {
  Task_Classify: 30 * MIN,
  Task_Assign: 15 * MIN,
  Task_ReplyResolve: 2 * HOUR,
  Catch_CustomerReply: 72 * HOUR,
  Task_FollowUpConfirm: 72 * HOUR,
};

const email = (name: string, moves: Journey['moves'], notifications: Journey['notifications'] = []): Journey => ({
  name: `email ${name}`,
  workflow: 'email-support',
  channel: 'email',
  sla: EMAIL_SLA,
  moves: [{ pass: 'Send_AutoAcknowledge' }, ...moves],
  notifications,
});

/** phone-service.bpmn */
const PHONE_SLA = { Task_VerifyIdentity: 2 * MIN, Task_Diagnose: 10 * MIN, Task_ResolveConfirm: 15 * MIN };

/** standard-service.bpmn: `sla`, and `vipSla` where a step has one (Task_SummarizeRecord has none). */
const STANDARD_SLA = {
  Task_ReceiveRequest: 5 * MIN,
  Task_AnalyseNeed: 30 * MIN,
  Task_ProvideSolution: 2 * HOUR,
  Task_ConfirmSatisfaction: 30 * MIN,
  Task_SummarizeRecord: 30 * MIN,
};
const STANDARD_VIP_SLA = {
  Task_ReceiveRequest: 1 * MIN,
  Task_AnalyseNeed: 15 * MIN,
  Task_ProvideSolution: 1 * HOUR,
  Task_ConfirmSatisfaction: 15 * MIN,
  Task_SummarizeRecord: 30 * MIN,
};

const TECH_LEAD = '技术支持主管 Technical-support lead';
const AGENT_ROLE = '客服专员 Agent';

export const JOURNEYS: Journey[] = [
  inquiry('L1', [
    stay('Task_Answer', 3 * MIN, AGENT, 'answer', { issueSummary: 'cannot log in' }),
    stay('Task_Grade', 4 * MIN, AGENT, 'grade', { level: 'L1' }),
    stay('Task_L1Resolve', 22 * MIN, AGENT, 'resolve', { solution: 'password reset' }),
    stay('Task_Feedback', 6 * MIN, AGENT, 'send_feedback'),
    followUp(5 * HOUR, 5, true),
  ]),
  inquiry(
    'L2 whose first response is late: the 2 h reminder goes to the technical-support lead',
    [
      stay('Task_Answer', 2 * MIN, AGENT, 'answer'),
      stay('Task_Grade', 9 * MIN, AGENT, 'grade', { level: 'L2', gradingNote: 'firmware fault' }),
      { ...stay('Task_L2TechSupport', 6 * HOUR, TECH, 'resolve', { solution: 'firmware 2.1' }), schedulerAt: 2 * HOUR + 5 * MIN },
      stay('Task_Feedback', 12 * MIN, AGENT, 'send_feedback'),
      followUp(20 * HOUR, 4, true),
    ],
    [{ kind: 'reminder', recipient: TECH_LEAD, step: 'Task_L2TechSupport' }],
  ),
  inquiry('L3, management over its 48 h limit', [
    stay('Task_Answer', 4 * MIN, AGENT, 'answer'),
    stay('Task_Grade', 7 * MIN, AGENT, 'grade', { level: 'L3' }),
    stay('Task_L3Management', 50 * HOUR, MANAGER, 'resolve', { solution: 'refund', compensation: '200 CNY voucher' }),
    stay('Task_Feedback', 25 * MIN, AGENT, 'send_feedback'),
    followUp(3 * HOUR, 3, true),
  ]),
  inquiry('L1 reopened by an unresolved follow-up', [
    stay('Task_Answer', 1 * MIN, AGENT, 'answer'),
    stay('Task_Grade', 8 * MIN, AGENT, 'grade', { level: 'L1' }),
    stay('Task_L1Resolve', 12 * MIN, AGENT, 'resolve'),
    stay('Task_Feedback', 9 * MIN, AGENT, 'send_feedback'),
    followUp(2 * HOUR, 2, false),
    stay('Task_L1Resolve', 35 * MIN, LEAD, 'resolve', { solution: 'escalated fix' }),
    stay('Task_Feedback', 5 * MIN, AGENT, 'send_feedback'),
    followUp(1 * HOUR, 4, true),
  ]),
  inquiry('L2 reopened: the follow-up sends it back to technical support', [
    stay('Task_Answer', 90 * SECOND, AGENT, 'answer'),
    stay('Task_Grade', 6 * MIN, AGENT, 'grade', { level: 'L2' }),
    stay('Task_L2TechSupport', 90 * MIN, TECH, 'resolve'),
    stay('Task_Feedback', 14 * MIN, AGENT, 'send_feedback'),
    followUp(4 * HOUR, 1, false),
    stay('Task_L2TechSupport', 26 * HOUR, TECH, 'resolve'),
    stay('Task_Feedback', 3 * MIN, AGENT, 'send_feedback'),
    followUp(30 * MIN, 5, true),
  ]),
  complaint('resolved by the frontline at once (tier 1)', [
    stay('Task_Tier1Frontline', 12 * MIN, AGENT, 'resolve', { complaintCategory: 'billing', customerDemand: 'refund' }),
  ]),
  complaint('escalated to the specialist team (tier 2)', [
    stay('Task_Tier1Frontline', 20 * MIN, AGENT, 'escalate', { complaintCategory: 'product' }),
    stay('Task_Tier2Specialist', 5 * HOUR, SPECIALIST, 'resolve', { solution: 'replacement unit' }),
  ]),
  complaint(
    'escalated by the 30 min timer, then to department management with parallel work (tier 3)',
    [
      { step: 'Task_Tier1Frontline', think: 30 * MIN, timer: 'Timer_Tier1Timeout' },
      stay('Task_Tier2Specialist', 26 * HOUR, SPECIALIST, 'escalate'),
      stay('Task_Tier3Coordinate', 3 * HOUR, MANAGER, 'assign', { owningDepartment: 'Billing', compensation: 'waive one month' }),
      {
        together: [
          stay('Task_DepartmentFix', 30 * HOUR, DEPARTMENT, 'complete_fix', { fixReport: 'template corrected' }),
          stay('Task_CustomerCare', 6 * HOUR, RELATIONS, 'reassure', { customerResponse: 'accepted' }),
        ],
      },
    ],
    [{ kind: 'escalation', recipient: AGENT_ROLE, step: 'Task_Tier1Frontline' }],
  ),
  email('answered at once', [
    stay('Task_Classify', 10 * MIN, LEAD, 'classify', { priority: 'high', type: 'technical' }),
    stay('Task_Assign', 5 * MIN, LEAD, 'assign', { assignee: AGENT, skillGroup: 'technical' }),
    stay('Task_ReplyResolve', 90 * MIN, AGENT, 'resolve', { solution: 'steps sent' }),
    stay('Task_FollowUpConfirm', 20 * HOUR, AGENT, 'confirm', { resolved: true, satisfaction: 5 }),
  ]),
  email(
    'asking the customer for details, a 48 h follow-up reminder, and an unresolved confirmation',
    [
      stay('Task_Classify', 25 * MIN, LEAD, 'classify', { priority: 'normal', type: 'order' }),
      stay('Task_Assign', 20 * MIN, LEAD, 'assign', { assignee: AGENT }),
      stay('Task_ReplyResolve', 40 * MIN, AGENT, 'request_info'),
      stay('Catch_CustomerReply', 30 * HOUR, CUSTOMER, 'customer_reply'),
      stay('Task_ReplyResolve', 1 * HOUR, AGENT, 'resolve'),
      { ...stay('Task_FollowUpConfirm', 50 * HOUR, AGENT, 'confirm', { resolved: false }), schedulerAt: 48 * HOUR + 1 * MIN },
      stay('Task_ReplyResolve', 30 * MIN, AGENT, 'resolve'),
      stay('Task_FollowUpConfirm', 2 * HOUR, AGENT, 'confirm', { resolved: true, satisfaction: 3 }),
    ],
    [{ kind: 'reminder', recipient: AGENT_ROLE, step: 'Task_FollowUpConfirm' }],
  ),
  {
    name: 'phone call resolved',
    workflow: 'phone-service',
    channel: 'phone',
    sla: PHONE_SLA,
    moves: [
      { pass: 'Service_IvrRouting' },
      stay('Task_VerifyIdentity', 1 * MIN, AGENT, 'verify', { verificationMethod: 'mobile' }),
      stay('Task_Diagnose', 6 * MIN, AGENT, 'diagnose', { category: 'billing', diagnosis: 'duplicate charge' }),
      stay('Task_ResolveConfirm', 9 * MIN, AGENT, 'resolve', { satisfaction: 4, resolved: true, callbackAt: '2026-11-24' }),
    ],
  },
  {
    name: 'phone call whose caller cannot be verified',
    workflow: 'phone-service',
    channel: 'phone',
    sla: PHONE_SLA,
    moves: [{ pass: 'Service_IvrRouting' }, stay('Task_VerifyIdentity', 3 * MIN, AGENT, 'fail_verification')],
  },
  {
    name: 'standard service, customer satisfied',
    workflow: 'standard-service',
    channel: 'store',
    sla: STANDARD_SLA,
    moves: [
      stay('Task_ReceiveRequest', 2 * MIN, AGENT, 'accept', { request: 'repair a kettle' }),
      stay('Task_AnalyseNeed', 14 * MIN, AGENT, 'analyse', { needType: 'repair' }),
      stay('Task_ProvideSolution', 75 * MIN, AGENT, 'provide_solution', { solution: 'replace the switch' }),
      stay('Task_ConfirmSatisfaction', 8 * MIN, AGENT, 'confirm', { satisfied: true, satisfaction: 5 }),
      stay('Task_SummarizeRecord', 11 * MIN, AGENT, 'record', { summary: 'switch replaced', addToKnowledgeBase: true }),
    ],
  },
  {
    name: 'standard service for a VIP, not satisfied the first time (VIP limits)',
    workflow: 'standard-service',
    channel: 'app',
    vip: true,
    sla: STANDARD_VIP_SLA,
    moves: [
      stay('Task_ReceiveRequest', 45 * SECOND, AGENT, 'accept', { request: 'account locked' }),
      stay('Task_AnalyseNeed', 16 * MIN, AGENT, 'analyse', { needType: 'account' }),
      stay('Task_ProvideSolution', 50 * MIN, AGENT, 'provide_solution'),
      stay('Task_ConfirmSatisfaction', 5 * MIN, AGENT, 'confirm', { satisfied: false, dissatisfactionReason: 'still locked' }),
      stay('Task_ProvideSolution', 20 * MIN, LEAD, 'provide_solution', { solution: 'unlocked by the lead' }),
      stay('Task_ConfirmSatisfaction', 3 * MIN, AGENT, 'confirm', { satisfied: true }),
      stay('Task_SummarizeRecord', 31 * MIN, AGENT, 'record', { summary: 'unlocked' }),
    ],
  },
];

/** A journey by its name, or only its first `moves` moves: a ticket left waiting part-way along a branch. */
export function journey(name: string, moves?: number): Journey {
  const found = JOURNEYS.find((j) => j.name === name);
  if (!found) throw new Error(`no journey "${name}"; there are: ${JOURNEYS.map((j) => j.name).join('; ')}`);
  return moves === undefined ? found : { ...found, moves: found.moves.slice(0, moves) };
}
