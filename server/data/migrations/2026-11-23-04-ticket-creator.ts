import type { Knex } from 'knex';

// The queue's "opened by me" filter: without it, it reads every open ticket.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.index(['created_by', 'closed_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.dropIndex(['created_by', 'closed_at']));
}
