/**
 * The routing section (issue 18), on SQLite: one routing decision (rank 1,000 agents of a push lane, claim the
 * best atomically) with many open tickets in the lane, and webhook deliveries per second to a local receiver.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atLeast, atMost, type BenchSection, type Figure } from '../section.js';
import { median } from '../stats.js';
import { readFileSync } from 'node:fs';
import { openSopflow } from '../../server/sopflow.js';
import { AGENT, benchConfig, newTicket, SOP_KEY } from './runtime/ticket-path.js';

const AGENTS = 1_000;
const OPEN_TICKETS = 5_000;
const DECISIONS = 500;
const WEBHOOK_EVENTS = 3_000;
const LANE = '客服专员 Agent';

export const routingSection: BenchSection = {
  name: 'routing',
  title: 'routing decisions with 1,000 agents; webhook deliveries to a local receiver',
  run: async (context) => {
    const dir = mkdtempSync(join(tmpdir(), 'sopflow-bench-routing-'));
    const received = { n: 0 };
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.n++;
        res.end();
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    // The receiver is on loopback: allowed here as in the tests.
    const app = await openSopflow({
      ...benchConfig({ client: 'sqlite', filename: join(dir, 'bench.sqlite'), synchronous: 'NORMAL' }),
      routing: { allowPrivate: true },
    });
    await app.workflows.import(readFileSync(join(context.root, 'workflows', `${SOP_KEY}.bpmn`)), AGENT);
    const figures: Figure[] = [];
    try {
      const { knex } = app.db;
      const now = app.clock.now();
      context.log(`routing: ${AGENTS} agents, ${OPEN_TICKETS} open tickets`);
      await app.db.write(async (trx) => {
        for (let i = 0; i < AGENTS; i += 200) {
          const rows = Array.from({ length: Math.min(200, AGENTS - i) }, (_, j) => ({
            email: `agent${i + j}@bench.example`,
            name: `Agent ${i + j}`,
            role: 'agent',
            created_at: now,
          }));
          const ids = (await trx('users').insert(rows).returning('id')) as Array<{ id: number }>;
          await trx('user_lanes').insert(ids.map(({ id }) => ({ user_id: id, lane: LANE })));
          await trx('agent_profiles').insert(
            ids.map(({ id }, k) => ({
              user_id: id,
              skills_json: JSON.stringify(k % 3 ? ['billing'] : ['technical']),
              level: 'L2',
              capacity: 1_000,
              presence: 'online',
              idle_since: k,
            })),
          );
        }
      });
      // The lane pulls while the tickets are made, so each decision below is timed alone.
      for (let i = 0; i < OPEN_TICKETS; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => app.tickets.create(newTicket(i + j), 'bench')));
      const lead = await app.users.add({ email: 'lead@bench.example', role: 'manager', password: 'bench-password-1' });
      await app.routing.assignments.setLane(lead.user, LANE, 'push', null);
      const slots = (await knex('tickets').orderBy('id').limit(DECISIONS).select('id')) as Array<{ id: number }>;
      const samples: number[] = [];
      for (const { id } of slots) {
        await app.db.write((trx) =>
          trx('ticket_assignments')
            .insert({ ticket_id: id, visit: 1, step: 'Task_Answer', lane: LANE, created_at: now })
            .onConflict(['ticket_id', 'visit'])
            .ignore(),
        );
        const started = performance.now();
        const decision = await app.routing.assignments.decide({
          ticketId: id,
          visit: 1,
          step: 'Task_Answer',
          lane: LANE,
          need: { type: 'billing', level: 'L1', channel: 'chat' },
        });
        samples.push(performance.now() - started);
        if (decision.kind !== 'assigned') throw new Error(`decision for ticket ${id}: ${decision.kind}`);
      }
      const decisionMs = median(samples);
      figures.push({
        name: 'routing.decision.medianMs',
        value: decisionMs,
        unit: 'ms',
        note: `${AGENTS} agents, ${OPEN_TICKETS} open tickets (SQLite)`,
        bar: atMost(decisionMs, 2, ' ms'),
      });

      await app.webhooks.create(lead.user, {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        format: 'json',
        events: ['assignment'],
        secret: 's',
      });
      await app.db.write(async (trx) => {
        for (let i = 0; i < WEBHOOK_EVENTS; i += 500)
          await trx('notifications').insert(
            Array.from({ length: 500 }, (_, j) => ({ ticket_id: slots[(i + j) % slots.length]!.id, kind: 'assignment', recipient: 'x', created_at: now })),
          );
      });
      const started = performance.now();
      while (received.n < WEBHOOK_EVENTS) if (!(await app.webhooks.deliver())) break;
      const perSec = received.n / ((performance.now() - started) / 1000);
      figures.push({
        name: 'routing.webhooks.perSec',
        value: perSec,
        unit: '/s',
        note: `${received.n} signed JSON deliveries, 100 leased at a time`,
        bar: atLeast(perSec, 500, '/s'),
      });
    } finally {
      await app.close();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
    return figures;
  },
};
