import type { Knex } from 'knex';

// Every stored change of a ticket counts up `row_version`, reminders included (they leave the public
// revision alone): a write states the version it was computed from and is refused when the row moved on,
// so changes are checked without holding a lock between reading the ticket and running the engine.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.integer('row_version').notNullable().defaultTo(0));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.dropColumn('row_version'));
}
