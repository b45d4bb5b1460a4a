import type { Knex } from 'knex';

// Issue 15: each ticket's KPI facts live on its row, kept by the same write that changes the ticket, so the
// dashboard aggregates one table instead of replaying the step log. Tickets from before keep what SQL can
// tell from their step log (version, complaint, first response instant and agent, loop-backs are not
// known: reopenings stay 0); their business-time figures stay null and are left out of the means.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => {
    t.integer('version');
    t.bigInteger('first_response_at');
    /** Business time from creation to the first response, on the ticket's calendar. */
    t.bigInteger('first_response_ms');
    t.string('first_agent', 320);
    t.string('last_agent', 320);
    /** JSON list of the people who closed one of the ticket's steps, in order. */
    t.text('agents');
    t.bigInteger('handle_ms');
    t.bigInteger('waiting_ms');
    t.bigInteger('resolution_ms');
    t.bigInteger('resolution_sla_ms');
    t.integer('reopenings').notNullable().defaultTo(0);
    t.integer('escalations').notNullable().defaultTo(0);
    t.integer('warnings').notNullable().defaultTo(0);
    t.integer('step_breaches').notNullable().defaultTo(0);
    t.boolean('resolution_breached').notNullable().defaultTo(false);
    t.smallint('csat');
    t.boolean('complaint').notNullable().defaultTo(false);
    t.boolean('abandoned').notNullable().defaultTo(false);
    t.boolean('fcr');
    /** When the FCR window ends: the ticket counts in FCR from then on. */
    t.bigInteger('fcr_at');
    /** The steps entered, in order, comma-separated: the ticket's variant. Null for tickets from before. */
    t.text('path');
    t.index(['workflow_key', 'created_at']);
    t.index(['created_at']);
  });
  await knex.schema.alterTable('step_log', (t) => {
    t.bigInteger('business_ms');
    t.boolean('waiting').notNullable().defaultTo(false);
    /** The person who closed the visit (not a timer, not the system, not an abandonment). */
    t.string('agent', 320);
    /** Set on a visit that loops back to a step already visited: the step it came from. */
    t.string('rework_from', 200);
    t.index(['agent', 'ticket_id']);
  });
  await knex.raw('UPDATE tickets SET version = (SELECT w.version FROM workflows w WHERE w.id = tickets.workflow_id)');
  await knex.raw("UPDATE tickets SET complaint = ? WHERE workflow_key = 'complaint-handling'", [true]);
  await knex.raw(
    `UPDATE step_log SET agent = actor WHERE automatic = ? AND exited_at IS NOT NULL AND actor NOT IN ('system', 'timer') AND (event IS NULL OR event <> 'abandon')`,
    [false],
  );
  await knex.raw(`UPDATE tickets SET first_response_at = (SELECT MIN(s.exited_at) FROM step_log s WHERE s.ticket_id = tickets.id AND s.agent IS NOT NULL)`);
  await knex.raw(
    `UPDATE tickets SET first_agent = (SELECT MIN(s.agent) FROM step_log s WHERE s.ticket_id = tickets.id AND s.exited_at = tickets.first_response_at AND s.agent IS NOT NULL) WHERE first_response_at IS NOT NULL`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('step_log', (t) => {
    t.dropIndex(['agent', 'ticket_id']);
    for (const column of ['business_ms', 'waiting', 'agent', 'rework_from']) t.dropColumn(column);
  });
  await knex.schema.alterTable('tickets', (t) => {
    t.dropIndex(['workflow_key', 'created_at']);
    t.dropIndex(['created_at']);
    for (const column of [
      'version',
      'first_response_at',
      'first_response_ms',
      'first_agent',
      'last_agent',
      'agents',
      'handle_ms',
      'waiting_ms',
      'resolution_ms',
      'resolution_sla_ms',
      'reopenings',
      'escalations',
      'warnings',
      'step_breaches',
      'resolution_breached',
      'csat',
      'complaint',
      'abandoned',
      'fcr',
      'fcr_at',
      'path',
    ])
      t.dropColumn(column);
  });
}
