import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from './support/form-client.js';

const COLLEAGUE = { email: 'wang.fang@agents.test', password: 'agent-password-2', name: 'Wang Fang' };

/** Reminders of one ticket, by who they were sent to, each with a message that names it. */
const SENT = [
  { recipient: null, message: 'to-no-one' },
  { recipient: PEOPLE.agent.email, message: 'to-li-na' },
  { recipient: COLLEAGUE.email, message: 'to-wang-fang' },
  { recipient: 'Tier 2', message: 'to-tier-2' },
  { recipient: 'Night shift', message: 'to-night-shift' },
];

eachDatabase('pages: who sees which reminders on a ticket timeline', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: ['customer-inquiry'] });
  });
  afterEach(() => server.close());

  test('a reminder to a person: that person, managers and admins; to a lane: its members (everyone while nobody takes it on); to no one: all', async () => {
    const { users, tickets, db } = server.app;
    await users.add({ ...COLLEAGUE, role: 'agent' });
    const wangFang = await users.byEmail(COLLEAGUE.email);
    await users.setLanes(wangFang.id, ['Tier 2']);
    const { id } = await tickets.create(
      { workflow: 'customer-inquiry', channel: 'chat', subject: 'reminded', customer: { name: 'Wang Wei' } },
      PEOPLE.agent.email,
    );
    await db.write((trx) =>
      trx('notifications').insert(
        SENT.map(({ recipient, message }, i) => ({ ticket_id: id, kind: 'reminder', recipient, step: 'Task_Answer', message, created_at: T0 + i })),
      ),
    );

    const seen = async (person: { email: string; password: string }): Promise<string[]> => {
      const page = await (await FormClient.signedIn(server.url, person)).get(`/tickets/${id}`);
      expect(page.status).toBe(200);
      return SENT.map((s) => s.message).filter((message) => page.html.includes(message));
    };
    expect(await seen(PEOPLE.agent)).toEqual(['to-no-one', 'to-li-na', 'to-night-shift']);
    expect(await seen(COLLEAGUE)).toEqual(['to-no-one', 'to-wang-fang', 'to-tier-2', 'to-night-shift']);
    const everything = SENT.map((s) => s.message);
    expect(await seen(PEOPLE.manager)).toEqual(everything);
    expect(await seen(PEOPLE.admin)).toEqual(everything);

    // Li Na takes on the night shift too: its reminders are now for its members only, her among them.
    const liNa = await users.byEmail(PEOPLE.agent.email);
    await users.setLanes(liNa.id, ['Night shift']);
    expect(await seen(COLLEAGUE)).toEqual(['to-no-one', 'to-wang-fang', 'to-tier-2']);
    expect(await seen(PEOPLE.agent)).toEqual(['to-no-one', 'to-li-na', 'to-night-shift']);
  });
});
