import type { Knex } from 'knex';

// Issue 15: the dashboard at ten million step-log rows. Daily rollups of the KPI facts, kept by the same
// transaction as every write of a ticket or its step log (data/analytics/rollup-maintenance.ts): the
// dashboard adds up whole days from them and reads raw rows only for the partial days at a period's ends.
// Each table is keyed by the ticket's creation day at ANALYTICS_UTC_OFFSET (`rollup_state` says which offset
// its days were counted at) and by what a filter or grouping reads. Empty here: the first start after this
// migration builds them (`ensureRollups`), knowing the offset. Every dimension is NOT NULL so that an upsert
// finds its row: a missing level is '', a missing version or limit -1, no loop back ''.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rollup_state', (t) => {
    t.integer('id').primary();
    /** Minutes east of UTC where the rollups' days start. */
    t.integer('offset_minutes').notNullable();
    t.bigInteger('built_at').notNullable();
  });
  const ticketKeys = (t: Knex.CreateTableBuilder) => {
    t.string('workflow_key', 200).notNullable();
    t.integer('version').notNullable();
    /** Days since 1970-01-01 at the offset: (created_at + offset) ÷ 86,400,000. */
    t.integer('day').notNullable();
  };
  const dimensions = (t: Knex.CreateTableBuilder) => {
    t.string('channel', 32).notNullable();
    t.string('level', 32).notNullable();
    t.integer('vip').notNullable();
  };
  // Sums and counts of the tickets created that day: every KPI of the dashboard but the percentiles.
  await knex.schema.createTable('rollup_tickets', (t) => {
    ticketKeys(t);
    dimensions(t);
    for (const column of TICKET_SUMS) t.bigInteger(column).notNullable().defaultTo(0);
    t.primary(['workflow_key', 'day', 'version', 'channel', 'level', 'vip']);
  });
  // Step visits of those tickets, by step (and its name, limit and the step a loop came back from).
  await knex.schema.createTable('rollup_steps', (t) => {
    ticketKeys(t);
    dimensions(t);
    t.string('step', 200).notNullable();
    t.string('step_name', 500).notNullable();
    t.integer('automatic').notNullable();
    t.bigInteger('sla_ms').notNullable();
    t.string('rework_from', 200).notNullable();
    for (const column of STEP_SUMS) t.bigInteger(column).notNullable().defaultTo(0);
    t.primary(['workflow_key', 'day', 'version', 'channel', 'level', 'vip', 'step', 'step_name', 'automatic', 'sla_ms', 'rework_from']);
  });
  // Ended visits by step and duration bucket (an eighth of an octave): the step percentiles.
  await knex.schema.createTable('rollup_durations', (t) => {
    ticketKeys(t);
    t.string('step', 200).notNullable();
    t.bigInteger('bucket').notNullable();
    t.bigInteger('visits').notNullable();
    t.bigInteger('min_ms').notNullable();
    t.bigInteger('max_ms').notNullable();
    t.primary(['workflow_key', 'day', 'version', 'step', 'bucket']);
  });
  // Closed tickets by path: the variants.
  await knex.schema.createTable('rollup_variants', (t) => {
    ticketKeys(t);
    t.text('path').notNullable();
    t.bigInteger('tickets').notNullable();
    t.bigInteger('res_n').notNullable();
    t.bigInteger('res_sum').notNullable();
    t.bigInteger('min_id').notNullable();
    t.primary(['workflow_key', 'day', 'version', 'path']);
  });
  await knex.schema.alterTable('tickets', (t) => {
    // FCR counts a ticket once its window has passed: the few still inside it are found by this index.
    t.index(['fcr_at']);
  });
  // The percentiles of first response and resolution are read from the tickets themselves: this index holds
  // what they need, so a quarter of a workflow is read from it alone.
  if (knex.client.config.client === 'pg') {
    await knex.raw(
      'CREATE INDEX tickets_analytics_percentiles ON tickets (workflow_key, created_at) INCLUDE (first_response_ms, resolution_ms, version, channel, level, vip)',
    );
  } else {
    await knex.raw('CREATE INDEX tickets_analytics_percentiles ON tickets (workflow_key, created_at, first_response_ms, resolution_ms, version, channel, level, vip)');
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX tickets_analytics_percentiles');
  await knex.schema.alterTable('tickets', (t) => t.dropIndex(['fcr_at']));
  for (const table of ['rollup_variants', 'rollup_durations', 'rollup_steps', 'rollup_tickets', 'rollup_state']) await knex.schema.dropTable(table);
}

/** The sum columns, as data/analytics/rollup-sql.ts fills them (a migration may import only knex: listed again here). */
const TICKET_SUMS = [
  'tickets',
  'open',
  'fr_n',
  'fr_sum',
  'aht_n',
  'aht_sum',
  'res_n',
  'res_sum',
  'wait_n',
  'wait_sum',
  'fcr_n',
  'fcr_yes',
  'ab_n',
  'ab_yes',
  'sla_n',
  'sla_breached',
  'warned',
  'breached',
  'escalated',
  'reopened',
  'complaints',
  'csat_n',
  'csat_sum',
  'csat_yes',
];
const STEP_SUMS = ['visits', 'total_ms', 'limit_n', 'breached_n', 'waiting_n'];
