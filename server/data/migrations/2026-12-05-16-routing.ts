import type { Knex } from 'knex';

// Routing (issue 18): classification rules applied at intake and what they set on each ticket (kept with the
// rule's name and any agent's correction, so hits and corrections are counted from the tickets themselves);
// agents' skills, level, capacity, current load and presence; per-lane policy; the live assignment of each
// ticket. Outgoing webhooks read the `notifications` table as their outbox (its rows are written in the
// ticket change's own transaction): a delivery row per webhook and notification, unique, claimed with a lease.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('routing_rules', (t) => {
    t.integer('position').primary();
    t.string('name', 200).notNullable().unique();
    t.text('when_json').notNullable();
    t.text('set_json').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 320).notNullable();
  });
  await knex.schema.createTable('ticket_classifications', (t) => {
    t.bigInteger('ticket_id').primary().references('id').inTable('tickets').onDelete('CASCADE');
    t.string('rule', 200);
    t.text('value_json').notNullable();
    t.text('original_json');
    t.string('corrected_by', 320);
    t.bigInteger('corrected_at');
    t.bigInteger('created_at').notNullable();
    t.index(['rule']);
  });
  await knex.schema.createTable('routing_lanes', (t) => {
    t.string('lane', 200).primary();
    t.string('policy', 8).notNullable().defaultTo('pull');
    t.string('lead', 320);
  });
  await knex.schema.createTable('agent_profiles', (t) => {
    t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.text('skills_json').notNullable().defaultTo('[]');
    t.string('level', 8);
    t.integer('capacity').notNullable().defaultTo(0);
    t.integer('load').notNullable().defaultTo(0);
    t.string('presence', 8).notNullable().defaultTo('offline');
    t.bigInteger('seen_at').notNullable().defaultTo(0);
    t.bigInteger('idle_since').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('ticket_assignments', (t) => {
    t.bigInteger('ticket_id').references('id').inTable('tickets').onDelete('CASCADE');
    t.integer('visit').notNullable();
    t.string('step', 200).notNullable();
    t.string('lane', 200).notNullable();
    t.integer('agent_id').references('id').inTable('users');
    t.bigInteger('assigned_at');
    t.bigInteger('started_at');
    t.bigInteger('flagged_at');
    t.bigInteger('created_at').notNullable();
    t.primary(['ticket_id', 'visit']);
    t.index(['agent_id']);
    t.index(['lane']);
  });
  await knex.schema.createTable('webhooks', (t) => {
    t.increments('id');
    t.string('url', 2000).notNullable();
    t.string('format', 16).notNullable();
    t.text('events_json').notNullable();
    t.string('secret', 400);
    t.bigInteger('cursor').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.text('last_error');
    t.bigInteger('last_error_at');
    t.string('created_by', 320).notNullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.bigIncrements('id');
    t.integer('webhook_id').notNullable().references('id').inTable('webhooks').onDelete('CASCADE');
    t.bigInteger('notification_id').notNullable().references('id').inTable('notifications').onDelete('CASCADE');
    t.string('status', 8).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_at').notNullable();
    t.string('lease_owner', 200);
    t.bigInteger('lease_until');
    t.text('last_error');
    t.bigInteger('sent_at');
    t.unique(['webhook_id', 'notification_id']);
    t.index(['status', 'next_at']);
  });
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('delivery_id').notNullable().references('id').inTable('webhook_deliveries').onDelete('CASCADE');
    t.bigInteger('at').notNullable();
    t.integer('status_code');
    t.text('error');
    t.integer('duration_ms').notNullable();
    t.index(['delivery_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['webhook_attempts', 'webhook_deliveries', 'webhooks', 'ticket_assignments', 'agent_profiles', 'routing_lanes', 'ticket_classifications', 'routing_rules']) {
    await knex.schema.dropTableIfExists(table);
  }
}
