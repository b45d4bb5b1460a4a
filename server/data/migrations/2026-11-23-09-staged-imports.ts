import type { Knex } from 'knex';

// A workbook uploaded on the pages is read and checked once, shown as a preview, and applied when the manager
// confirms: the rows read from it wait here in between (any server process may serve the confirmation).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('execution_imports', (t) => {
    t.string('id', 64).primary();
    t.integer('table_id').notNullable().references('id').inTable('execution_tables').onDelete('CASCADE');
    t.string('created_by', 320).notNullable();
    t.text('rows').notNullable();
    t.bigInteger('created_at').notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('execution_imports');
}
