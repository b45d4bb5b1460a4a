import type { Knex } from 'knex';

/** The channels a ticket could come in on when this migration was written (services/tickets/channels.ts). */
const CHANNELS = ['phone', 'chat', 'email', 'social', 'app', 'store', 'self-service'];

// Routing (issue 18): an agent's capacity is per channel (phone 1, chat 3, email 10), each with its own live
// load and idle clock, so that a claim holds per channel: one row per agent and channel, claimed with a
// conditional UPDATE of that row alone. Each assignment keeps its ticket's channel, the load it gives back.
// What was there is carried over: the one capacity becomes every channel's, each channel's load is what the
// agent holds of it, and the idle clock is the agent's.
//
// A decision reads the rows of one channel in the policy's order (least load relative to capacity, longest
// idle, lowest id) from `agent_capacity_rank`, a partial index of the rows with room, and stops at the first
// page of lane members that qualify: it reads a few dozen rows however many agents and open tickets there are.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agent_capacity', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('channel', 40).notNullable();
    t.integer('capacity').notNullable().defaultTo(0);
    t.integer('load').notNullable().defaultTo(0);
    t.bigInteger('idle_since').notNullable().defaultTo(0);
    t.primary(['user_id', 'channel']);
  });
  // The expression is the decision's ORDER BY, word for word (both databases match index expressions by their text).
  await knex.raw(
    'CREATE INDEX agent_capacity_rank ON agent_capacity (channel, (CAST(load AS DOUBLE PRECISION) / capacity), idle_since, user_id) WHERE load < capacity',
  );
  await knex.schema.alterTable('ticket_assignments', (t) => t.string('channel', 40));
  await knex('ticket_assignments').update({ channel: knex('tickets').select('channel').where('tickets.id', knex.ref('ticket_assignments.ticket_id')) });
  // The sweep reads the waiting (unheld) assignments oldest first: one index serves that and an agent's.
  await knex.schema.alterTable('ticket_assignments', (t) => {
    t.dropIndex(['agent_id']);
    t.index(['agent_id', 'created_at']);
  });

  const profiles = (await knex('agent_profiles').select('user_id', 'capacity', 'idle_since')) as Array<{ user_id: number; capacity: number; idle_since: number | string }>;
  const held = (await knex('ticket_assignments')
    .whereNotNull('agent_id')
    .groupBy('agent_id', 'channel')
    .select('agent_id', 'channel', knex.raw('COUNT(*) AS n'))) as Array<{ agent_id: number; channel: string; n: number | string }>;
  const loads = new Map(held.map((h) => [`${h.agent_id} ${h.channel}`, Number(h.n)]));
  const channels = [...new Set([...CHANNELS, ...held.map((h) => h.channel)])];
  const rows = profiles.flatMap((p) =>
    channels
      .map((channel) => ({ user_id: p.user_id, channel, capacity: p.capacity, load: loads.get(`${p.user_id} ${channel}`) ?? 0, idle_since: Number(p.idle_since) }))
      .filter((r) => r.capacity > 0 || r.load > 0),
  );
  for (let i = 0; i < rows.length; i += 200) await knex('agent_capacity').insert(rows.slice(i, i + 200));
  await knex.schema.alterTable('agent_profiles', (t) => {
    t.dropColumn('capacity');
    t.dropColumn('load');
    t.dropColumn('idle_since');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agent_profiles', (t) => {
    t.integer('capacity').notNullable().defaultTo(0);
    t.integer('load').notNullable().defaultTo(0);
    t.bigInteger('idle_since').notNullable().defaultTo(0);
  });
  // One number again: the largest channel's capacity, everything held, the latest idle clock.
  const rows = (await knex('agent_capacity')
    .groupBy('user_id')
    .select('user_id', knex.raw('MAX(capacity) AS capacity'), knex.raw('SUM(load) AS load'), knex.raw('MAX(idle_since) AS idle_since'))) as Array<{
    user_id: number;
    capacity: number | string;
    load: number | string;
    idle_since: number | string;
  }>;
  for (const r of rows)
    await knex('agent_profiles')
      .where('user_id', r.user_id)
      .update({ capacity: Number(r.capacity), load: Number(r.load), idle_since: Number(r.idle_since) });
  await knex.schema.alterTable('ticket_assignments', (t) => {
    t.dropIndex(['agent_id', 'created_at']);
    t.index(['agent_id']);
    t.dropColumn('channel');
  });
  await knex.schema.dropTableIfExists('agent_capacity');
}
