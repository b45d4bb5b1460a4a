import type { DemoData } from '../../data/demo/demo-data.js';

/** What a demo run did: counted while driving, and read back from the database for the tickets it opened. */
export interface DemoSummary {
  seed: number;
  /** The simulated period, epoch ms: `weeks` ending at the clock's time when the demo started. */
  from: number;
  to: number;
  /** From here the simulated optimization takes effect (fully a period/8 later): compare before and after it. */
  improvementFrom: number;
  /** Built-in SOPs imported as a new version; the others were unchanged. */
  workflowsImported: string[];
  usersCreated: string[];
  /** Every demo account (created now or by an earlier run) with its role and the SOP lanes it takes on. */
  accounts: DemoAccount[];
  /** The password of the accounts this run created (given with --password, else generated); absent when none was created. */
  password?: string;
  tickets: { created: number; closed: number; open: number };
  byWorkflow: Record<string, { created: number; closed: number; open: number }>;
  customers: number;
  /** Customers with tickets on more than one channel. */
  multiChannelCustomers: number;
  vipTickets: number;
  /** Agent and program events applied (each one durable transaction). */
  advances: number;
  timersFired: number;
  /** Step visits that went over their limit (step log). */
  breaches: number;
  /** Notifications raised, by kind: escalation, reminder, sla-warning, sla-breach, ticket-sla-warning, … */
  notifications: Record<string, number>;
  /** Answers that sent a ticket round again: unresolved follow-ups, customers not satisfied. */
  reopenings: number;
  satisfaction: { responses: number; mean: number; share4to5: number };
  /** Planned actions overtaken by a timer (an interrupting escalation moved the ticket) and planned again. */
  replanned: number;
  /** Simulated instants the clock stopped at; what happened at one instant ran concurrently, sharing commits. */
  instants: number;
  /** Scheduler rounds (`runDue` calls): one claiming transaction each, then the firings. */
  timerRounds: number;
  /** SQLite's `synchronous` setting during the load (NORMAL when relaxed), or undefined on PostgreSQL. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  wallMs: number;
}

export interface DemoAccount {
  email: string;
  name: string;
  role: string;
  lanes: string[];
}

export interface DemoCounters {
  created: number;
  closed: number;
  advances: number;
  timersFired: number;
  reopenings: number;
  /** Planned actions found overtaken by a timer (e.g. an interrupting escalation) and planned again. */
  replanned: number;
  instants: number;
  /** Calls of the scheduler's `runDue`, each a claiming transaction and then the firings. */
  timerRounds: number;
}

export interface RunRecord {
  seed: number;
  from: number;
  to: number;
  improvementFrom: number;
  ids: number[];
  counters: DemoCounters;
  workflowsImported: string[];
  usersCreated: string[];
  accounts: DemoAccount[];
  password?: string;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  wallMs: number;
}

export async function summarize(data: DemoData, run: RunRecord): Promise<DemoSummary> {
  const facts = await data.facts(run.ids);
  const rows = facts.tickets;
  const byWorkflow: DemoSummary['byWorkflow'] = {};
  const channels = new Map<number, Set<string>>();
  const scores: number[] = [];
  for (const row of rows) {
    const entry = (byWorkflow[row.workflowKey] ??= { created: 0, closed: 0, open: 0 });
    entry.created++;
    if (row.closed) entry.closed++;
    else entry.open++;
    if (!channels.has(row.customerId)) channels.set(row.customerId, new Set());
    channels.get(row.customerId)!.add(row.channel);
    const score = row.fields.satisfaction;
    if (typeof score === 'number') scores.push(score);
  }
  const closed = rows.filter((r) => r.closed).length;
  return {
    seed: run.seed,
    from: run.from,
    to: run.to,
    improvementFrom: run.improvementFrom,
    workflowsImported: run.workflowsImported,
    usersCreated: run.usersCreated,
    accounts: run.accounts,
    ...(run.password ? { password: run.password } : {}),
    tickets: { created: rows.length, closed, open: rows.length - closed },
    byWorkflow,
    customers: channels.size,
    multiChannelCustomers: [...channels.values()].filter((c) => c.size > 1).length,
    vipTickets: rows.filter((r) => r.vip).length,
    advances: run.counters.advances,
    timersFired: run.counters.timersFired,
    breaches: facts.breaches,
    notifications: Object.fromEntries([...facts.notifications].sort(([a], [b]) => a.localeCompare(b))),
    reopenings: run.counters.reopenings,
    satisfaction: {
      responses: scores.length,
      mean: scores.length ? round(scores.reduce((a, b) => a + b, 0) / scores.length, 2) : 0,
      share4to5: scores.length ? round(scores.filter((s) => s >= 4).length / scores.length, 3) : 0,
    },
    replanned: run.counters.replanned,
    instants: run.counters.instants,
    timerRounds: run.counters.timerRounds,
    ...(run.sqliteSynchronous ? { sqliteSynchronous: run.sqliteSynchronous } : {}),
    wallMs: Math.round(run.wallMs),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The summary as a few lines for people. */
export function formatSummary(summary: DemoSummary): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const n = summary.notifications;
  return [
    `demo: ${summary.tickets.created} tickets from ${day(summary.from)} to ${day(summary.to)} (seed ${summary.seed}): ${summary.tickets.closed} closed, ${summary.tickets.open} open`,
    `  ${summary.customers} customers (${summary.multiChannelCustomers} on several channels), ${summary.vipTickets} VIP tickets`,
    `  ${summary.advances} advances, ${summary.timersFired} timers fired, ${summary.breaches} step breaches, ${summary.reopenings} reopenings`,
    `  notifications: ${
      Object.entries(n)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ') || 'none'
    }`,
    `  satisfaction: mean ${summary.satisfaction.mean} over ${summary.satisfaction.responses} answers, ${Math.round(summary.satisfaction.share4to5 * 100)}% gave 4–5`,
    `  optimization in effect from ${day(summary.improvementFrom)}; ${summary.workflowsImported.length} SOPs imported, ${summary.usersCreated.length} users created`,
    `  took ${(summary.wallMs / 1000).toFixed(1)} s`,
    '',
    ...accountTable(summary),
  ].join('\n');
}

/** The demo accounts people sign in with, as a table, and the password to use. */
function accountTable(summary: DemoSummary): string[] {
  const rows = [['e-mail', 'role', 'lanes'], ...summary.accounts.map((a) => [a.email, a.role, a.lanes.join(', ') || '—'])];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => `  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]}`);
  const password = summary.password
    ? `password of the ${summary.usersCreated.length} accounts created now: ${summary.password}`
    : 'no account was created now: they keep the password they were given before (sopflow demo --password P sets it for new ones)';
  return ['demo accounts (sign in at /):', ...lines, `  ${password}`];
}
