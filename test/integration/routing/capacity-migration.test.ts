import knex from 'knex';
import { knexConfig } from '../../../server/data/database.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';

const LANE = '客服专员 Agent';
const ticket = (subject: string, channel: string) => ({ workflow: 'customer-inquiry', channel, subject, customer: { name: 'Zhou' } });

eachDatabase('migration 2026-12-06-20-channel-capacity', (database) => {
  test('one capacity becomes every channel’s, each channel’s load what the agent holds of it; and back', async () => {
    let app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    const { user: lead } = await app.users.add({ email: 'lead@agents.test', password: 'password-12345', role: 'manager' });
    const { user: agent } = await app.users.add({ email: 'a@agents.test', password: 'password-12345', role: 'agent' });
    await app.people.update('cli', agent.id, { lanes: [LANE] });
    await app.routing.assignments.setLane(lead, LANE, 'push', lead.email);
    await app.routing.assignments.setProfile(lead, agent.id, { capacity: 3 });
    await app.routing.setPresence(agent, agent.id, 'online');
    const chat = await app.tickets.create(ticket('hello', 'chat'), 'api');
    const email = await app.tickets.create(ticket('hello again', 'email'), 'api');
    expect((await app.routing.annotate([chat, email])).map((t) => t.assignee?.email)).toEqual([agent.email, agent.email]);
    await app.close();

    // Back to the single number (the largest channel's, and everything held), as a build before this one had it.
    const db = knex(knexConfig(database().config));
    try {
      // This migration alone: later ones (not about capacity) stay applied.
      await db.migrate.down({ name: '2026-12-06-20-channel-capacity' });
      expect(await db('agent_profiles').where('user_id', agent.id).first('capacity', 'load')).toEqual({ capacity: 3, load: 2 });
      expect(await db.schema.hasTable('agent_capacity')).toBe(false);
      expect(await db.schema.hasColumn('ticket_assignments', 'channel')).toBe(false);
      // That build's data: one more ticket held, written as it wrote them.
      await db('agent_profiles').where('user_id', agent.id).update({ capacity: 4, load: 3 });
      await db.migrate.latest();
      const rows = (await db('agent_capacity').where('user_id', agent.id).orderBy('channel').select('channel', 'capacity', 'load')) as Array<{
        channel: string;
        capacity: number;
        load: number;
      }>;
      expect(Object.fromEntries(rows.map((r) => [r.channel, [r.capacity, r.load]]))).toEqual({
        app: [4, 0],
        chat: [4, 1],
        email: [4, 1],
        phone: [4, 0],
        'self-service': [4, 0],
        social: [4, 0],
        store: [4, 0],
      });
      expect(await db('ticket_assignments').orderBy('ticket_id').pluck('channel')).toEqual(['chat', 'email']);
    } finally {
      await db.destroy();
    }

    // Routing goes on per channel: the email ticket's step ends (its email load given back) and its next step, in
    // the same lane, is claimed on the email channel again.
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'], clock: app.clock });
    try {
      await app.tickets.advance(email.id, { type: 'answer' }, agent.email);
      const [profile] = await app.routing.assignments.profiles(LANE);
      expect(profile).toMatchObject({ capacity: { chat: 4, email: 4 }, load: { chat: 1, email: 1, phone: 0 } });
      const held = await app.routing.assignments.routedSteps(email.id);
      expect(held.map(({ slot }) => [slot.channel, slot.agentEmail, slot.visit > 1])).toEqual([['email', agent.email, true]]);
    } finally {
      await app.close();
    }
  });
});
