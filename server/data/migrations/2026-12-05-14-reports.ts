import type { Knex } from 'knex';

// Scheduled reports (issue 15). A subscription is due at `next_run_at`; a run claims it with a random token
// and a lease (`lease_until`), as the timers are claimed, so one process writes each report however many
// share the database, and a process that dies loses its claim when the lease lapses. A report's workbook is
// stored in the database in chunks as it is written (flat memory; every process can serve the download).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_subscriptions', (t) => {
    t.increments('id');
    t.string('owner', 320).notNullable();
    t.string('workflow', 200);
    t.string('frequency', 16).notNullable();
    t.string('time_zone', 64).notNullable();
    t.string('locale', 8).notNullable();
    t.bigInteger('next_run_at').notNullable();
    t.string('claim_token', 64);
    t.bigInteger('lease_until');
    t.bigInteger('created_at').notNullable();
    t.index(['next_run_at']);
  });
  await knex.schema.createTable('reports', (t) => {
    t.bigIncrements('id');
    // A report outlives its subscription: deleting a subscription stops new reports, not the ones made.
    t.integer('subscription_id').references('id').inTable('report_subscriptions').onDelete('SET NULL');
    t.string('owner', 320).notNullable();
    t.string('workflow', 200);
    t.string('frequency', 16).notNullable();
    t.string('time_zone', 64).notNullable();
    t.string('locale', 8).notNullable();
    t.bigInteger('period_from').notNullable();
    t.bigInteger('period_to').notNullable();
    t.string('period_label', 32).notNullable();
    /** `writing` while its run fills it, `ready` once complete (only ready ones are listed). */
    t.string('status', 16).notNullable();
    t.string('claim_token', 64).notNullable();
    t.integer('tickets');
    t.bigInteger('size_bytes');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('completed_at');
    // One report per subscription and period, whatever happens to the claims.
    t.unique(['subscription_id', 'period_from']);
    t.index(['status', 'completed_at']);
  });
  await knex.schema.createTable('report_chunks', (t) => {
    t.bigInteger('report_id').notNullable().references('id').inTable('reports').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.binary('bytes').notNullable();
    t.primary(['report_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['report_chunks', 'reports', 'report_subscriptions']) await knex.schema.dropTableIfExists(table);
}
