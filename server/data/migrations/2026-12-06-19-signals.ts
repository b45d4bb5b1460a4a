import type { Knex } from 'knex';

// Signals (issue 17): one row per `POST /api/signals`, delivered in batches by whichever server process
// holds its lease, from `cursor` (the last ticket id looked at) up to `upto_ticket` (the newest ticket when
// it was raised). `signal_deliveries` has one row per ticket it moved, written in that ticket's own
// transaction: the progress a caller reads. A ticket's state keeps the ids it received, so none gets one twice.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('signals', (t) => {
    t.bigIncrements('id');
    t.string('name', 200).notNullable();
    t.string('raised_by', 320).notNullable();
    t.bigInteger('raised_at').notNullable();
    t.bigInteger('upto_ticket').notNullable();
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.string('status', 12).notNullable().defaultTo('delivering');
    t.string('lease_owner', 200);
    t.bigInteger('lease_until');
    t.bigInteger('finished_at');
    t.index(['status']);
  });
  await knex.schema.createTable('signal_deliveries', (t) => {
    t.bigInteger('signal_id').notNullable().references('id').inTable('signals').onDelete('CASCADE');
    t.bigInteger('ticket_id').notNullable().references('id').inTable('tickets').onDelete('CASCADE');
    t.bigInteger('delivered_at').notNullable();
    t.primary(['signal_id', 'ticket_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('signal_deliveries');
  await knex.schema.dropTableIfExists('signals');
}
