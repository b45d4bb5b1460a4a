/**
 * The routing section (issue 18), on SQLite and PostgreSQL: one routing decision (rank the 1,000 agents of a
 * push lane on the ticket's channel, claim the best atomically) while 100,000 tickets are open in that lane,
 * and webhook deliveries per second to a local receiver. The open tickets, their step-log visits,
 * classifications and assignments, and the agents' profiles and per-channel capacity and load, go in through
 * the data layer's bulk load (`server/data/analytics/bulk-history.ts`), as the analytics section's history does.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { finishHistoryLoad, loadHistory, loadRows, type HistoryTicket, type HistoryVisit, type TableRows } from '../../server/data/analytics/bulk-history.js';
import type { SqlValue } from '../../server/data/database.js';
import type { DatabaseConfig } from '../../server/shared/config.js';
import { openSopflow, type Sopflow } from '../../server/sopflow.js';
import { DEFAULT_PG_URL, postgresUnreachable } from '../../test/helpers/postgres.js';
import { atLeast, atMost, type BenchContext, type BenchSection, type Figure } from '../section.js';
import { median } from '../stats.js';
import { BenchDatabases } from './runtime/bench-databases.js';
import { AGENT, benchConfig, SOP_KEY } from './runtime/ticket-path.js';

const AGENTS = 1_000;
const OPEN_TICKETS = 100_000;
const DECISIONS = 500;
const WARM_UP = 50;
const WEBHOOK_EVENTS = 3_000;
const LANE = '客服专员 Agent';
const STEP = 'Task_Answer';
/** Per channel: each agent's capacity, what each holds already, and the share of the open tickets. */
const CHANNELS = {
  chat: { capacity: 100, held: 40, share: 0.5 },
  email: { capacity: 200, held: 20, share: 0.3 },
  phone: { capacity: 1, held: 1, share: 0.2 },
} as const;
const ROWS_PER_LOAD = 20_000;

type Db = 'sqlite' | 'pg';

export const routingSection: BenchSection = {
  name: 'routing',
  title: 'routing decisions with 1,000 agents and 100,000 open tickets, SQLite and PostgreSQL; webhook deliveries to a local receiver',
  run: async (context) => {
    const pgUrl = process.env.SOPFLOW_BENCH_PG_URL ?? DEFAULT_PG_URL;
    const pgDown = await postgresUnreachable(pgUrl);
    const databases = new BenchDatabases(pgUrl);
    const receiver = await localReceiver();
    try {
      // The product's durability: SQLite synchronous=FULL, PostgreSQL's commits flushed.
      const figures = await measure('sqlite', databases.sqlite('routing', 'FULL').config, receiver, context);
      if (pgDown) {
        context.log(`PostgreSQL SKIPPED: not reachable at ${pgUrl} (${pgDown}); set SOPFLOW_BENCH_PG_URL to measure it`);
        figures.push({ name: 'routing.pg.skipped', value: 1, unit: '', note: `SKIPPED: PostgreSQL not reachable at ${pgUrl} (${pgDown})` });
      } else {
        figures.push(...(await measure('pg', databases.pg().config, receiver, context)));
      }
      return figures;
    } finally {
      receiver.server.close();
      await databases.dropAll();
    }
  },
};

/**
 * Seeds the database, then times DECISIONS decisions twice: at the product's durability (SQLite
 * synchronous=FULL, PostgreSQL's commits flushed to disk) and with commits not waiting for the disk (SQLite
 * synchronous=NORMAL in WAL mode, PostgreSQL synchronous_commit=off). A decision ends in one commit (the
 * claim), so the first is bounded below by the disk's flush; a bare one-row commit is timed beside each, and the
 * ranking query alone, to show what the decision itself costs.
 */
async function measure(db: Db, database: DatabaseConfig, receiver: Receiver, context: BenchContext): Promise<Figure[]> {
  const label = db === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const durable: DatabaseConfig = database.client === 'sqlite' ? { ...database, synchronous: 'FULL' } : database;
  const relaxed: DatabaseConfig =
    database.client === 'sqlite'
      ? { ...database, synchronous: 'NORMAL' }
      : {
          ...database,
          connectionString: `${database.connectionString}${database.connectionString.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c synchronous_commit=off')}`,
        };
  // The receiver is on loopback: allowed here as in the tests (WEBHOOK_ALLOW_PRIVATE).
  const open = (config: DatabaseConfig) => openSopflow({ ...benchConfig(config), routing: { allowPrivate: true } });
  const figures: Figure[] = [];
  let app = await open(durable);
  let waiting: Seeded['waiting'];
  try {
    const seedStarted = performance.now();
    const seeded = await seed(app, context, label);
    waiting = seeded.waiting;
    const seedSec = (performance.now() - seedStarted) / 1000;
    context.log(`${label}: ${AGENTS} agents, ${OPEN_TICKETS} open tickets (${seeded.held} held, ${seeded.waiting.length} waiting) in ${seedSec.toFixed(1)} s`);
    figures.push({
      name: `routing.${db}.seedSec`,
      value: seedSec,
      unit: 's',
      note: `${label}: ${OPEN_TICKETS} open tickets, their visits, classifications and assignments, bulk-loaded`,
    });
    figures.push(
      ...(await decisions(
        app,
        db,
        `${label}, ${db === 'sqlite' ? 'synchronous=FULL' : 'commits flushed'}`,
        'durable',
        waiting.splice(0, WARM_UP + DECISIONS),
        false,
      )),
    );
  } finally {
    await app.close();
  }
  app = await open(relaxed);
  try {
    figures.push(
      ...(await decisions(
        app,
        db,
        `${label}, ${db === 'sqlite' ? 'synchronous=NORMAL' : 'synchronous_commit=off'}`,
        'relaxed',
        waiting.splice(0, WARM_UP + DECISIONS),
        true,
      )),
    );
    figures.push(...(await outbox(app, db, label, receiver, waiting[0]!.ticketId)));
  } finally {
    await app.close();
  }
  return figures;
}

/**
 * Each decision offers one waiting chat or email ticket (a billing one, L1: two agents in three qualify). The
 * first WARM_UP decisions are not timed: a fresh connection's first queries (PostgreSQL's catalog caches, SQLite's
 * statement cache) are not what a running server pays.
 */
async function decisions(app: Sopflow, db: Db, label: string, kind: 'durable' | 'relaxed', offers: Seeded['waiting'], bar: boolean): Promise<Figure[]> {
  for (const offer of offers.splice(0, WARM_UP)) await app.routing.assignments.decide(offer);
  const ranking: number[] = [];
  for (const offer of offers.slice(0, 100)) {
    const started = performance.now();
    await app.routing.assignments.candidates(offer);
    ranking.push(performance.now() - started);
  }
  const samples: number[] = [];
  for (const offer of offers) {
    const started = performance.now();
    const decision = await app.routing.assignments.decide(offer);
    samples.push(performance.now() - started);
    if (decision.kind !== 'assigned') throw new Error(`decision for ticket ${offer.ticketId}: ${decision.kind}`);
  }
  const commits: number[] = [];
  await app.db.knex.schema.createTable(`bench_commit_${kind}`, (t) => t.integer('n'));
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await app.db.write((trx) => trx(`bench_commit_${kind}`).insert({ n: i }));
    commits.push(performance.now() - started);
  }
  const decisionMs = median(samples);
  const p99 = [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.99)]!;
  return [
    {
      name: `routing.${db}.${kind}.decision.medianMs`,
      value: decisionMs,
      unit: 'ms',
      note: `${label}: ${AGENTS} agents in the lane, ${OPEN_TICKETS} open tickets; p99 ${p99.toFixed(2)} ms`,
      ...(bar ? { bar: atMost(decisionMs, 2, ' ms') } : {}),
    },
    { name: `routing.${db}.${kind}.ranking.medianMs`, value: median(ranking), unit: 'ms', note: `${label}: the ranking query alone (read, no commit)` },
    {
      name: `routing.${db}.${kind}.commit.medianMs`,
      value: median(commits),
      unit: 'ms',
      note: `${label}: a bare one-row commit, the floor under any decision`,
    },
  ];
}

interface Seeded {
  held: number;
  waiting: Array<{ ticketId: number; visit: number; step: string; lane: string; channel: string; need: { type: string; level: 'L1'; channel: string } }>;
}

/**
 * A push lane of AGENTS agents, online, each holding CHANNELS' `held` tickets of each channel, and OPEN_TICKETS
 * open tickets waiting in its first step: the held ones assigned, the rest waiting for room (flagged to the lead).
 */
async function seed(app: Sopflow, context: BenchContext, label: string): Promise<Seeded> {
  const { version } = await app.workflows.import(readFileSync(join(context.root, 'workflows', `${SOP_KEY}.bpmn`)), AGENT);
  const { knex } = app.db;
  const now = app.clock.now();
  const lead = await app.users.add({ email: 'lead@bench.example', role: 'manager', password: 'bench-password-1' });
  await app.routing.assignments.setLane(lead.user, LANE, 'push', lead.user.email);
  await app.routing.rules.save(lead.user, [{ name: 'refunds', when: { keywords: ['refund'] }, set: { type: 'billing', level: 'L1' } }]);

  const agentIds: number[] = [];
  await app.db.write(async (trx) => {
    for (let i = 0; i < AGENTS; i += 500) {
      const rows = Array.from({ length: Math.min(500, AGENTS - i) }, (_, j) => ({
        email: `agent${i + j}@bench.example`,
        name: `Agent ${i + j}`,
        role: 'agent',
        created_at: now,
      }));
      agentIds.push(...((await trx('users').insert(rows).returning('id')) as Array<{ id: number }>).map((r) => r.id));
    }
  });
  const customers = OPEN_TICKETS / 5;
  await loadHistory(app.db, {
    customers: Array.from({ length: customers }, (_, i) => ({ id: i + 1, name: `Customer ${i + 1}`, externalId: `bench-${i + 1}`, createdAt: now })),
    tickets: [],
    visits: [],
  });

  // Each channel's tickets: the first `held × AGENTS` go to the agents in turn, the rest wait.
  const channelOf = (i: number) =>
    i < OPEN_TICKETS * CHANNELS.chat.share ? 'chat' : i < OPEN_TICKETS * (CHANNELS.chat.share + CHANNELS.email.share) ? 'email' : 'phone';
  const firstOf = { chat: 0, email: OPEN_TICKETS * CHANNELS.chat.share, phone: OPEN_TICKETS * (CHANNELS.chat.share + CHANNELS.email.share) };
  const seeded: Seeded = { held: 0, waiting: [] };
  for (let first = 0; first < OPEN_TICKETS; first += ROWS_PER_LOAD) {
    const tickets: HistoryTicket[] = [];
    const visits: HistoryVisit[] = [];
    const classifications: SqlValue[][] = [];
    const assignments: SqlValue[][] = [];
    for (let i = first; i < Math.min(OPEN_TICKETS, first + ROWS_PER_LOAD); i++) {
      const id = i + 1;
      const channel = channelOf(i);
      const createdAt = now - (OPEN_TICKETS - i) * 1_000;
      const billing = i % 3 !== 0;
      tickets.push({
        id,
        workflowVersionId: version.id,
        workflowKey: SOP_KEY,
        channel,
        subject: billing ? `Refund for order ${id}` : `Cannot log in (${id})`,
        customerId: 1 + (i % customers),
        vip: i % 20 === 0,
        level: 'L1',
        createdAt,
        updatedAt: createdAt,
        closedAt: null,
        createdBy: AGENT,
      });
      visits.push({
        ticketId: id,
        visit: 1,
        step: STEP,
        stepName: 'Answer',
        owner: LANE,
        enteredAt: createdAt,
        exitedAt: null,
        durationMs: null,
        actor: null,
        event: null,
        slaMs: 300_000,
        breached: false,
        automatic: false,
      });
      const value = { type: billing ? 'billing' : 'technical', level: 'L1', priority: 'normal', tags: [], rule: billing ? 'refunds' : null };
      classifications.push([id, value.rule, JSON.stringify(value), createdAt]);
      const k = i - firstOf[channel];
      const agent = k < CHANNELS[channel].held * AGENTS ? agentIds[k % AGENTS]! : null;
      assignments.push([id, 1, STEP, LANE, channel, agent, agent === null ? null : createdAt, null, agent === null ? createdAt : null, createdAt]);
      if (agent !== null) seeded.held++;
      else if (channel !== 'phone' && billing)
        seeded.waiting.push({ ticketId: id, visit: 1, step: STEP, lane: LANE, channel, need: { type: 'billing', level: 'L1', channel } });
    }
    await loadHistory(app.db, { customers: [], tickets, visits });
    await loadRows(app.db, [
      { table: 'ticket_classifications', columns: ['ticket_id', 'rule', 'value_json', 'created_at'], rows: classifications },
      {
        table: 'ticket_assignments',
        columns: ['ticket_id', 'visit', 'step', 'lane', 'channel', 'agent_id', 'assigned_at', 'started_at', 'flagged_at', 'created_at'],
        rows: assignments,
      },
    ]);
    context.log(`${label}: ${first + tickets.length} open tickets`);
  }
  const profiles: TableRows[] = [
    { table: 'user_lanes', columns: ['user_id', 'lane'], rows: agentIds.map((id) => [id, LANE]) },
    {
      table: 'agent_profiles',
      columns: ['user_id', 'skills_json', 'level', 'presence', 'seen_at'],
      rows: agentIds.map((id, k) => [id, JSON.stringify(k % 3 ? ['billing'] : ['technical']), 'L2', 'online', now]),
    },
    {
      table: 'agent_capacity',
      columns: ['user_id', 'channel', 'capacity', 'load', 'idle_since'],
      rows: agentIds.flatMap((id, k) => Object.entries(CHANNELS).map(([channel, c]) => [id, channel, c.capacity, c.held, now - AGENTS + k])),
    },
  ];
  await loadRows(app.db, profiles);
  await finishHistoryLoad(app.db, app.clock.now(), ['users', 'user_lanes', 'agent_profiles', 'agent_capacity', 'ticket_assignments', 'ticket_classifications']);
  // The newest waiting tickets are offered first, as a ticket entering the lane now would be, chats and emails in turn.
  const chats = seeded.waiting.filter((w) => w.channel === 'chat').reverse();
  const emails = seeded.waiting.filter((w) => w.channel === 'email').reverse();
  seeded.waiting = chats.flatMap((chat, i) => (emails[i] ? [chat, emails[i]] : [chat]));
  return seeded;
}

interface Receiver {
  server: Server;
  url: string;
  received: { n: number };
}

async function localReceiver(): Promise<Receiver> {
  const received = { n: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.n++;
      res.end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** WEBHOOK_EVENTS notifications in the outbox, delivered as signed JSON to the local receiver: deliveries a second. */
async function outbox(app: Sopflow, db: Db, label: string, receiver: Receiver, ticketId: number): Promise<Figure[]> {
  const admin = await app.users.add({ email: 'admin@bench.example', role: 'admin', password: 'bench-password-1' });
  await app.webhooks.create(admin.user, { url: receiver.url, format: 'json', events: ['assignment'], secret: 's' });
  const now = app.clock.now();
  await app.db.write(async (trx) => {
    for (let i = 0; i < WEBHOOK_EVENTS; i += 500)
      await trx('notifications').insert(Array.from({ length: 500 }, () => ({ ticket_id: ticketId, kind: 'assignment', recipient: 'x', created_at: now })));
  });
  receiver.received.n = 0;
  const started = performance.now();
  while (receiver.received.n < WEBHOOK_EVENTS) if (!(await app.webhooks.deliver())) break;
  const perSec = receiver.received.n / ((performance.now() - started) / 1000);
  return [
    {
      name: `routing.${db}.webhooks.perSec`,
      value: perSec,
      unit: '/s',
      note: `${label}: ${receiver.received.n} signed JSON deliveries, 100 leased at a time, keep-alive`,
      bar: atLeast(perSec, 500, '/s'),
    },
  ];
}
