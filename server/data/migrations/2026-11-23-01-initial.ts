import type { Knex } from 'knex';

// Instants are epoch milliseconds (bigint), the same on SQLite and PostgreSQL; JSON is stored as text.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.string('email', 320).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('role', 16).notNullable();
    t.string('password_hash', 300);
    t.string('locale', 16);
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('label', 200);
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('workflows', (t) => {
    t.increments('id');
    t.string('key', 200).notNullable();
    t.integer('version').notNullable();
    t.string('name', 500).notNullable();
    t.text('source_bpmn').notNullable();
    t.text('compiled').notNullable();
    t.string('checksum', 64).notNullable();
    t.bigInteger('published_at').notNullable();
    t.string('published_by', 320).notNullable();
    t.unique(['key', 'version']);
  });
  await knex.schema.createTable('customers', (t) => {
    t.increments('id');
    t.string('name', 500).notNullable();
    t.string('external_id', 200).unique();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('tickets', (t) => {
    t.bigIncrements('id');
    t.integer('workflow_id').notNullable().references('id').inTable('workflows');
    t.string('workflow_key', 200).notNullable();
    t.string('channel', 32).notNullable();
    t.string('subject', 1000).notNullable();
    t.integer('customer_id').notNullable().references('id').inTable('customers');
    t.boolean('vip').notNullable().defaultTo(false);
    t.string('level', 32);
    t.text('fields').notNullable();
    t.text('snapshot').notNullable();
    t.integer('revision').notNullable();
    /** The nearest SLA due time while open: what "most urgent first" sorts by. */
    t.bigInteger('due_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('closed_at');
    t.string('created_by', 320).notNullable();
    t.index(['customer_id']);
    t.index(['workflow_key', 'closed_at']);
    t.index(['closed_at', 'vip', 'due_at']);
  });
  await knex.schema.createTable('step_log', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_id').notNullable().references('id').inTable('tickets');
    t.integer('visit').notNullable();
    t.string('step', 200).notNullable();
    t.string('step_name', 500).notNullable();
    t.string('owner', 200);
    t.bigInteger('entered_at').notNullable();
    t.bigInteger('exited_at');
    t.bigInteger('duration_ms');
    t.string('actor', 320);
    t.string('event', 200);
    t.bigInteger('sla_ms');
    t.boolean('breached').notNullable().defaultTo(false);
    t.boolean('automatic').notNullable().defaultTo(false);
    t.unique(['ticket_id', 'visit']);
    t.index(['step', 'exited_at']);
    t.index(['entered_at']);
  });
  await knex.schema.createTable('timers', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_id').notNullable().references('id').inTable('tickets');
    t.string('key', 32).notNullable();
    t.string('kind', 32).notNullable();
    t.string('step', 200);
    t.string('timer_id', 200);
    t.integer('visit');
    t.bigInteger('due_at').notNullable();
    t.bigInteger('armed_at').notNullable();
    t.bigInteger('fired_at');
    t.bigInteger('cancelled_at');
    t.string('claimed_by', 200);
    t.bigInteger('claimed_at');
    t.unique(['ticket_id', 'key']);
  });
  // The scheduler's question, "what is due?", reads only pending timers.
  await knex.raw('CREATE INDEX timers_pending_due ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL');
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_id').notNullable().references('id').inTable('tickets');
    t.string('kind', 32).notNullable();
    t.string('recipient', 320);
    t.string('step', 200);
    t.string('message', 2000);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('read_at');
    t.index(['recipient', 'read_at']);
    t.index(['ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['notifications', 'timers', 'step_log', 'tickets', 'customers', 'workflows', 'api_tokens', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}
