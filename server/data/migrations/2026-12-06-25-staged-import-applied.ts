import type { Knex } from 'knex';

// Applying a staged upload deleted it, so a second press of Apply (or another tab) found no upload and was
// answered 404, as if the id were wrong. The upload is now kept, marked applied (its rows dropped), until it
// expires like any other: a second apply is told apart from an unknown id and answered 409.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('execution_imports', (t) => {
    t.bigInteger('applied_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('execution_imports', (t) => t.dropColumn('applied_at'));
}
