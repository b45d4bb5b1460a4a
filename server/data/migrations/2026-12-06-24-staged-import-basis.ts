import type { Knex } from 'knex';

// A staged upload was applied to the table as it was at apply time, so a row a colleague added after the
// preview was deleted and their edits undone, while the page said only what the preview had shown. The upload
// now keeps a fingerprint of the rows its preview was worked out from; applying it to other rows is refused.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('execution_imports', (t) => {
    t.string('basis', 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('execution_imports', (t) => t.dropColumn('basis'));
}
