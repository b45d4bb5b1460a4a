import type { Knex } from 'knex';

// Optimization projects and their rows. Dates of the plan are calendar dates (YYYY-MM-DD text, which sorts
// as dates do); instants are epoch milliseconds as elsewhere. A KPI target is JSON a metric engine reads.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('execution_tables', (t) => {
    t.increments('id');
    t.string('name', 500).notNullable();
    t.string('owner', 320).notNullable();
    t.string('start_date', 10).notNullable();
    t.string('template', 200);
    t.text('workflows').notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 320).notNullable();
  });
  await knex.schema.createTable('execution_rows', (t) => {
    t.increments('id');
    t.integer('table_id').notNullable().references('id').inTable('execution_tables').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('phase', 200).notNullable();
    t.text('actions').notNullable();
    t.string('owner', 320).notNullable();
    t.string('start_date', 10);
    t.string('end_date', 10);
    t.string('status', 32).notNullable();
    t.text('blockers').notNullable();
    t.text('suggestions').notNullable();
    t.text('notes').notNullable();
    t.text('kpi');
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 320).notNullable();
    t.index(['table_id', 'position']);
  });
  // History outlives a deleted row: it says who deleted it and what it held.
  await knex.schema.createTable('execution_row_history', (t) => {
    t.bigIncrements('id');
    t.integer('table_id').notNullable().references('id').inTable('execution_tables').onDelete('CASCADE');
    t.integer('row_id').notNullable();
    t.bigInteger('at').notNullable();
    t.string('actor', 320).notNullable();
    t.string('action', 16).notNullable();
    t.text('changes').notNullable();
    t.index(['table_id', 'row_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['execution_row_history', 'execution_rows', 'execution_tables']) await knex.schema.dropTableIfExists(table);
}
