import type { Knex } from 'knex';

// A manager edits a workflow in the browser before publishing it: one shared draft per workflow key, kept on
// the server. `revision` grows by one with every save; a save names the revision it was based on and is
// refused when another manager saved meanwhile (optimistic concurrency, never last-writer-wins).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_drafts', (t) => {
    t.string('key', 200).primary();
    t.text('bpmn').notNullable();
    t.integer('revision').notNullable();
    /** The published version the draft started from (null: a workflow that has none yet). */
    t.integer('based_on_version');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 320).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('workflow_drafts');
}
