import type { Sopflow } from '../../../../server/sopflow.js';

/** What a demo left in the database, read back with plain queries: what the tests assert on. */
export interface DemoFacts {
  tickets: number;
  open: number;
  closed: number;
  firstCreated: number;
  lastCreated: number;
  byWorkflow: Record<string, number>;
  byChannel: Record<string, number>;
  vipTickets: number;
  customers: number;
  /** Customers with tickets on two channels or more. */
  multiChannelCustomers: number;
  stepVisits: number;
  breachedVisits: number;
  /** Tickets with a step visited more than once (reopened, asked the customer again, solution retried). */
  revisitedTickets: number;
  /** Customer inquiries whose follow-up call found the issue unresolved and sent them back to handling. */
  reopenedInquiries: number;
  timersFired: number;
  pendingTimers: number;
  notifications: Record<string, number>;
  /** The L2 "no first response within 2 h" reminders to the technical-support lead. */
  leadReminders: number;
  /** Every follow-up score recorded, in ascending order. */
  satisfaction: unknown[];
  actors: string[];
}

type Count = Array<{ n: number | string }>;
const n = (rows: unknown) => Number((rows as Count)[0]!.n);
const tally = (rows: Array<{ key: string; n: number | string }>) =>
  Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]).sort(([a], [b]) => String(a).localeCompare(String(b))));

export async function demoFacts(app: Sopflow): Promise<DemoFacts> {
  const knex = app.db.knex;
  const tickets = (await knex('tickets').select('customer_id', 'channel', 'created_at', 'closed_at', 'vip', 'fields')) as Array<{
    customer_id: number;
    channel: string;
    created_at: number;
    closed_at: number | null;
    vip: boolean | number;
    fields: string;
  }>;
  const channels = new Map<number, Set<string>>();
  for (const t of tickets) channels.set(t.customer_id, (channels.get(t.customer_id) ?? new Set()).add(t.channel));
  const revisits = knex('step_log').where('automatic', false).groupBy('ticket_id', 'step').havingRaw('count(*) > 1').select('ticket_id', 'step');
  return {
    tickets: tickets.length,
    open: tickets.filter((t) => t.closed_at === null).length,
    closed: tickets.filter((t) => t.closed_at !== null).length,
    firstCreated: Math.min(...tickets.map((t) => t.created_at)),
    lastCreated: Math.max(...tickets.map((t) => t.created_at)),
    byWorkflow: tally(await knex('tickets').select({ key: 'workflow_key' }).count({ n: '*' }).groupBy('workflow_key')),
    byChannel: tally(await knex('tickets').select({ key: 'channel' }).count({ n: '*' }).groupBy('channel')),
    vipTickets: tickets.filter((t) => Boolean(t.vip)).length,
    customers: channels.size,
    multiChannelCustomers: [...channels.values()].filter((c) => c.size > 1).length,
    stepVisits: n(await knex('step_log').count({ n: '*' })),
    breachedVisits: n(await knex('step_log').where('breached', true).count({ n: '*' })),
    revisitedTickets: n(await knex.from(revisits.as('r')).countDistinct({ n: 'ticket_id' })),
    reopenedInquiries: n(await knex.from(revisits.clone().where('step', 'Task_FollowUp').as('r')).countDistinct({ n: 'ticket_id' })),
    timersFired: n(await knex('timers').whereNotNull('fired_at').count({ n: '*' })),
    pendingTimers: n(await knex('timers').whereNull('fired_at').whereNull('cancelled_at').count({ n: '*' })),
    notifications: tally(await knex('notifications').select({ key: 'kind' }).count({ n: '*' }).groupBy('kind')),
    leadReminders: n(await knex('notifications').where({ kind: 'reminder', step: 'Task_L2TechSupport' }).count({ n: '*' })),
    satisfaction: tickets
      .map((t) => (JSON.parse(t.fields) as { satisfaction?: unknown }).satisfaction)
      .filter((s) => s !== undefined)
      .sort((a, b) => Number(a) - Number(b)),
    actors: ((await knex('step_log').distinct('actor').whereNotNull('actor').orderBy('actor')) as Array<{ actor: string }>).map((r) => r.actor),
  };
}
