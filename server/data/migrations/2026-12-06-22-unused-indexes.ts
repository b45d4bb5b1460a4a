import type { Knex } from 'knex';

// Issue 12: every index is paid for on each write of its rows. Two serve no query any more. No query filters
// or sorts step_log by entered_at alone (analytics range over the tickets' created_at), yet every new visit
// wrote an entry. tickets (workflow_key, created_at) is the leading part of tickets_analytics_percentiles
// (its key on PostgreSQL, its first columns on SQLite), which serves every query it could.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => t.dropIndex(['entered_at']));
  await knex.schema.alterTable('tickets', (t) => t.dropIndex(['workflow_key', 'created_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => t.index(['workflow_key', 'created_at']));
  await knex.schema.alterTable('step_log', (t) => t.index(['entered_at']));
}
