import type { Knex } from 'knex';

// People are managed from the product: a user is deactivated, never deleted (their name stays on tickets,
// history and the audit log), a token is revoked, never deleted (the audit log names it). Every change of
// people and tokens is written to `audit_log` in the same transaction: who, when, what, before → after.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('deactivated_at');
  });
  await knex.schema.alterTable('api_tokens', (t) => t.bigInteger('revoked_at'));
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.bigInteger('at').notNullable();
    t.string('actor', 320).notNullable();
    t.string('action', 64).notNullable();
    t.string('target', 400).notNullable();
    t.text('before');
    t.text('after');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_log');
  await knex.schema.alterTable('api_tokens', (t) => t.dropColumn('revoked_at'));
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('deactivated_at');
    t.dropColumn('active');
  });
}
