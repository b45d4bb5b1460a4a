import type { Knex } from 'knex';

// Users take on SOP roles (lanes such as 技术支持主管): reminders addressed to a lane reach its members.
// Read state moves from the notification to the reader, as a role-addressed reminder is read by each member
// on their own: explicit reads per user, plus a "read everything up to this id" mark per user, so the
// navigation's unread count scans only what came after it.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_lanes', (t) => {
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('lane', 200).notNullable();
    t.primary(['user_id', 'lane']);
    t.index(['lane']);
  });
  await knex.schema.createTable('notification_reads', (t) => {
    t.bigInteger('notification_id').notNullable().references('id').inTable('notifications').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.bigInteger('read_at').notNullable();
    t.primary(['user_id', 'notification_id']);
  });
  await knex.schema.alterTable('users', (t) => t.bigInteger('notifications_read_through').notNullable().defaultTo(0));
  await knex.raw('DROP INDEX IF EXISTS notifications_unread');
  await knex.schema.alterTable('notifications', (t) => {
    t.dropIndex(['recipient', 'read_at']);
    t.index(['recipient']);
  });
  await knex.schema.alterTable('notifications', (t) => t.dropColumn('read_at'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notifications', (t) => t.bigInteger('read_at'));
  await knex.schema.alterTable('notifications', (t) => {
    t.dropIndex(['recipient']);
    t.index(['recipient', 'read_at']);
  });
  await knex.raw('CREATE INDEX notifications_unread ON notifications (id) WHERE read_at IS NULL');
  await knex.schema.alterTable('users', (t) => t.dropColumn('notifications_read_through'));
  await knex.schema.dropTableIfExists('notification_reads');
  await knex.schema.dropTableIfExists('user_lanes');
}
