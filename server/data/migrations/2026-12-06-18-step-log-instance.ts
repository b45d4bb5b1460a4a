import type { Knex } from 'knex';

// Which pass of a looping step, or which item of a multi-instance step, a visit was (JSON `{index, count?,
// item?}`; null for every other visit and rows from before): what the timeline shows and a migration's replay
// gives again.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => t.text('instance').nullable());
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => t.dropColumn('instance'));
}
