import type { Knex } from 'knex';

// Sessions of people signed in to the pages, read and written by connect-session-knex (its own column
// names and types, so the store finds the table it expects and does not create one itself).
// NOTE: the unread-notification index serves the navigation's unread count, which every page shows.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 255).primary();
    t.json('sess').notNullable();
    t.timestamp('expired', { useTz: true }).notNullable().index();
  });
  await knex.raw('CREATE INDEX notifications_unread ON notifications (id) WHERE read_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS notifications_unread');
  await knex.schema.dropTableIfExists('sessions');
}
