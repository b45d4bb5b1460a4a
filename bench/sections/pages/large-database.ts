import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sopflow } from '../../../server/sopflow.js';

export const BUILT_IN = ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service'] as const;
const AGENT = 'agent@bench.example';
const HOUR = 3_600_000;

/** Real tickets, driven through the runtime, that the bulk copies are made of: open at every step, and closed. */
const TEMPLATE_PATHS: Array<{ workflow: string; channel: string; events: Array<{ type: string; fields?: Record<string, unknown> }> }> = [
  { workflow: 'customer-inquiry', channel: 'chat', events: [] },
  { workflow: 'customer-inquiry', channel: 'phone', events: [{ type: 'answer' }] },
  { workflow: 'customer-inquiry', channel: 'app', events: [{ type: 'answer' }, { type: 'grade', fields: { level: 'L2' } }] },
  {
    workflow: 'customer-inquiry',
    channel: 'email',
    events: [{ type: 'answer' }, { type: 'grade', fields: { level: 'L1' } }, { type: 'resolve' }, { type: 'send_feedback' }],
  },
  {
    workflow: 'customer-inquiry',
    channel: 'chat',
    events: [
      { type: 'answer' },
      { type: 'grade', fields: { level: 'L1' } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 4, resolved: true } },
    ],
  },
  {
    workflow: 'customer-inquiry',
    channel: 'social',
    events: [
      { type: 'answer' },
      { type: 'grade', fields: { level: 'L3' } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 2, resolved: true } },
    ],
  },
  // Reopened once (the follow-up found it unresolved), then closed: the long histories.
  ...(['phone', 'chat', 'email', 'app'] as const).map((channel) => ({
    workflow: 'customer-inquiry',
    channel,
    events: [
      { type: 'answer' },
      { type: 'grade', fields: { level: 'L1' } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 2, resolved: false } },
      { type: 'resolve' },
      { type: 'send_feedback' },
      { type: 'record_follow_up', fields: { satisfaction: 4, resolved: true } },
    ],
  })),
  { workflow: 'email-support', channel: 'email', events: [] },
  { workflow: 'phone-service', channel: 'phone', events: [{ type: 'verify' }] },
  {
    workflow: 'phone-service',
    channel: 'phone',
    events: [{ type: 'verify' }, { type: 'diagnose', fields: { category: 'account' } }, { type: 'resolve', fields: { satisfaction: 5, resolved: true } }],
  },
  { workflow: 'standard-service', channel: 'store', events: [] },
  { workflow: 'complaint-handling', channel: 'phone', events: [] },
];

export interface LargeDatabase {
  tickets: number;
  openTickets: number;
  stepLogRows: number;
  /** Ticket ids to open pages of: copies of every template, open and closed. */
  sampleIds: number[];
}

/**
 * Fills a SOPflow database with `total` tickets: the templates are real tickets written by the runtime; the
 * rest are copies of them made in SQL (new ids, subjects, customers and due times; the same snapshot and
 * step-log rows as their template), `openShare` of them open. Copies are SQLite-only (recursive CTE).
 */
export async function fillLargeDatabase(app: Sopflow, root: string, { total, openShare }: { total: number; openShare: number }): Promise<LargeDatabase> {
  for (const key of BUILT_IN) await app.workflows.import(readFileSync(join(root, 'workflows', `${key}.bpmn`)), AGENT);
  const templates: number[] = [];
  for (const [i, path] of TEMPLATE_PATHS.entries()) {
    const ticket = await app.tickets.create(
      { workflow: path.workflow, channel: path.channel, subject: `template ${i}`, customer: { name: `Template ${i}` }, vip: i % 4 === 0 },
      AGENT,
    );
    for (const event of path.events) await app.tickets.advance(ticket.id, event, AGENT);
    templates.push(ticket.id);
  }
  const knex = app.db.knex;
  const closedTemplates = ((await knex('tickets').whereNotNull('closed_at').pluck('id')) as number[]).map(Number);
  const openTemplates = templates.filter((id) => !closedTemplates.includes(id));
  const base = Math.max(...templates);
  const copies = total - templates.length;
  const customers = Math.max(1, Math.floor(copies / 5));
  await app.db.write(async (trx) => {
    await trx.raw(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO customers (name, external_id, created_at) SELECT 'Customer ' || i, 'bench-' || i, 0 FROM n`,
      [customers],
    );
    const [row] = (await trx.raw("SELECT min(id) AS first FROM customers WHERE external_id LIKE 'bench-%'")) as Array<{ first: number }>;
    // Copy i is open when (i % 1000) < openShare·1000; open copies take an open template, closed ones a closed one.
    const openPermille = Math.round(openShare * 1000);
    const templateOf = (list: number[]) => `CASE ${list.map((id, k) => `WHEN i % ${list.length} = ${k} THEN ${id}`).join(' ')} END`;
    await trx.raw('CREATE TEMP TABLE bench_pick (i INTEGER PRIMARY KEY, template INTEGER NOT NULL)');
    await trx.raw(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO bench_pick (i, template) SELECT i, CASE WHEN i % 1000 < ? THEN ${templateOf(openTemplates)} ELSE ${templateOf(closedTemplates)} END FROM n`,
      [copies, openPermille],
    );
    await trx.raw(
      `INSERT INTO tickets (id, workflow_id, workflow_key, channel, subject, customer_id, vip, level, fields, snapshot, revision, due_at, created_at, updated_at, closed_at, created_by)
       SELECT ? + p.i, t.workflow_id, t.workflow_key, t.channel, 'Request ' || p.i || ' about order ' || (p.i * 7919 % 100000),
              ? + (p.i % ?), p.i % 23 = 0, t.level, t.fields, t.snapshot, t.revision,
              CASE WHEN t.due_at IS NULL THEN NULL ELSE t.due_at + (p.i * 104729 % (72 * ${HOUR})) - 24 * ${HOUR} END,
              t.created_at - (p.i * 15485863 % (28 * 24 * ${HOUR})), t.updated_at, t.closed_at, t.created_by
       FROM bench_pick p JOIN tickets t ON t.id = p.template`,
      [base, row!.first, customers],
    );
    await trx.raw(
      `INSERT INTO step_log (ticket_id, visit, step, step_name, owner, entered_at, exited_at, duration_ms, actor, event, sla_ms, breached, automatic)
       SELECT ? + p.i, s.visit, s.step, s.step_name, s.owner, s.entered_at, s.exited_at, s.duration_ms, s.actor, s.event, s.sla_ms, s.breached, s.automatic
       FROM bench_pick p JOIN step_log s ON s.ticket_id = p.template`,
      [base],
    );
    await trx.raw('DROP TABLE bench_pick');
    await trx.raw(
      `INSERT INTO notifications (ticket_id, kind, recipient, step, message, created_at)
       SELECT id, 'sla-warning', '客服专员 Agent', NULL, NULL, created_at FROM tickets WHERE id > ? AND id % 10 = 0`,
      [base],
    );
  });
  await knex.raw('ANALYZE');
  const count = async (table: string, where?: string) =>
    Number(((await knex.raw(`SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`)) as Array<{ n: number }>)[0]!.n);
  const samples = (
    (await knex('tickets')
      .where('id', '>', base)
      .orderBy('id')
      .limit(templates.length * 3)
      .pluck('id')) as number[]
  ).map(Number);
  return {
    tickets: await count('tickets'),
    openTickets: await count('tickets', 'closed_at IS NULL'),
    stepLogRows: await count('step_log'),
    sampleIds: samples,
  };
}
