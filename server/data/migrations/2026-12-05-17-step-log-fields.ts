import type { Knex } from 'knex';

// The values an agent gave with the event that ended a visit (JSON; null for automatic steps, timers and
// rows from before): what a migration's replay gives the new version again, field by field.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => t.text('fields').nullable());
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => t.dropColumn('fields'));
}
