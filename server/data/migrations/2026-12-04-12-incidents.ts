import type { Knex } from 'knex';

// A timer whose firing the engine refuses (a gateway condition that fails or runs out of time) becomes an
// incident on its ticket, and the timer is marked failed so that no scheduler claims it again until a
// manager retries it. Before this, such a timer was claimed again after every claim TTL, forever.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('timers', (t) => t.bigInteger('failed_at'));
  await knex.schema.createTable('incidents', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_id').notNullable().references('id').inTable('tickets');
    t.bigInteger('timer_id').references('id').inTable('timers');
    t.string('timer_key', 32);
    t.string('element_id', 200);
    t.string('flow_id', 200);
    t.string('code', 64).notNullable();
    t.string('message', 2000).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('resolved_at');
    t.string('resolved_by', 320);
    t.string('resolution', 32);
    t.index(['ticket_id']);
    t.index(['resolved_at', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('incidents');
  await knex.schema.alterTable('timers', (t) => t.dropColumn('failed_at'));
}
