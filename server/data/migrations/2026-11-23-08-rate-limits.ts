import type { Knex } from 'knex';

// Counters of rate limits (failed sign-ins), kept in the database so that every server process counts
// against the same limit.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 600).primary();
    t.integer('hits').notNullable();
    t.bigInteger('reset_at').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('rate_limits');
}
