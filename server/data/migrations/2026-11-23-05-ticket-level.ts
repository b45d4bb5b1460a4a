import type { Knex } from 'knex';

// The queue's level filter: a level few open tickets have would otherwise read every open ticket.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.index(['level', 'closed_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.dropIndex(['level', 'closed_at']));
}
