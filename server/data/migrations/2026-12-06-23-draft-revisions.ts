import type { Knex } from 'knex';

// A draft's revision must never be handed out twice. Publishing deleted the draft row, so the next draft
// started again at revision 1 and a save from an editor opened before the publish (naming revision 0 or 1)
// matched it and silently undid the published change. The row now stays after a publish or an import of a
// newer version, as a counter with no saved draft (`saved` false), and revisions only grow.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_drafts', (t) => {
    t.boolean('saved').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('workflow_drafts').where({ saved: false }).delete();
  await knex.schema.alterTable('workflow_drafts', (t) => t.dropColumn('saved'));
}
