import { openSopflow } from '../../../server/sopflow.js';
import type { User } from '../../../server/services/users/users.js';
import { childScript, goProcess } from '../../helpers/child-scripts.js';
import { eachDatabase, type TestDatabase } from '../../helpers/databases.js';
import { openTestSopflow, testConfig } from '../../helpers/sopflow.js';

const INTAKE = childScript('test/integration/routing/support/intake-process.ts');

type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

const LANE = '客服专员 Agent';
const LEAD = 'lead@agents.test';
const MIN = 60_000;

async function person(app: TestApp, email: string, role: 'agent' | 'manager' = 'agent'): Promise<User> {
  const { user } = await app.users.add({ email, password: 'password-12345', role });
  await app.people.update('cli', user.id, { lanes: [LANE] });
  return user;
}

const newTicket = (subject: string, vip = false) => ({ workflow: 'customer-inquiry', channel: 'chat', subject, customer: { name: 'Wang' }, vip });

/** Per agent, on one channel: the load routing counts, the capacity, and the assignments actually held. */
async function loads(app: TestApp, channel = 'chat'): Promise<Map<string, { load: number; capacity: number; held: number }>> {
  const profiles = await app.routing.assignments.profiles(LANE);
  const held = await app.db
    .knex('ticket_assignments')
    .whereNotNull('agent_id')
    .where('channel', channel)
    .groupBy('agent_id')
    .select('agent_id', app.db.knex.raw('COUNT(*) AS n'));
  const count = new Map((held as Array<{ agent_id: number; n: number | string }>).map((r) => [r.agent_id, Number(r.n)]));
  return new Map(profiles.map((p) => [p.email, { load: p.load[channel]!, capacity: p.capacity[channel]!, held: count.get(p.id) ?? 0 }]));
}

eachDatabase('routing: classification and assignment', (database) => {
  let app: TestApp;
  let lead: User;
  beforeEach(async () => {
    app = await openTestSopflow(database(), { workflows: ['customer-inquiry'] });
    lead = await person(app, LEAD, 'manager');
    await app.routing.rules.save(lead, [
      { name: 'refunds', when: { keywords: ['退款', 'refund'] }, set: { type: 'billing', level: 'L1' } },
      { name: 'login', when: { keywords: ['登录', 'log in'] }, set: { type: 'technical', level: 'L2', priority: 'high' } },
    ]);
  });
  afterEach(() => app.close());

  async function team(
    members: Array<{ email: string; skills: string[]; level: 'L1' | 'L2' | 'L3'; capacity: number | Record<string, number> }>,
  ): Promise<User[]> {
    await app.routing.assignments.setLane(lead, LANE, 'push', LEAD);
    const users: User[] = [];
    for (const m of members) {
      const user = await person(app, m.email);
      await app.routing.assignments.setProfile(lead, user.id, m);
      await app.routing.setPresence(user, user.id, 'online');
      app.clock.advance(1000);
      users.push(user);
    }
    return users;
  }

  test('a new ticket carries the classification its first matching rule set; a correction counts against the rule', async () => {
    const ticket = await app.routing.annotateOne(await app.tickets.create(newTicket('我要退款'), 'api'));
    expect(ticket.classification).toMatchObject({ type: 'billing', level: 'L1', priority: 'normal', rule: 'refunds' });
    const other = await app.routing.annotateOne(await app.tickets.create(newTicket('Cannot log in', true), 'api'));
    expect(other.classification).toMatchObject({ type: 'technical', level: 'L2', priority: 'high', rule: 'login' });
    await app.routing.rules.correct(lead, ticket.id, { type: 'shipping' });
    expect((await app.routing.annotateOne(ticket)).classification).toMatchObject({
      type: 'shipping',
      rule: 'refunds',
      corrected: { by: LEAD, original: { type: 'billing' } },
    });
    const counts = Object.fromEntries((await app.routing.rules.list()).map((r) => [r.name, [r.hits, r.corrections]]));
    expect(counts).toEqual({ refunds: [1, 1], login: [1, 0] });
    // The trial run shows what another rule set would change on these tickets.
    const trial = await app.routing.rules.trial([{ name: 'all refunds', when: { keywords: ['退款'] }, set: { type: 'billing', level: 'L2' } }], 10);
    expect(trial.tested).toBe(2);
    expect(trial.changed.map((c) => [c.ticketId, c.after.rule])).toEqual([
      [other.id, null],
      [ticket.id, 'all refunds'],
    ]);
  });

  test("the classification is written in the ticket's own transaction: when classifying or storing it fails, nothing is written", async () => {
    const counts = async () => {
      const out: Record<string, number> = {};
      for (const table of ['tickets', 'customers', 'step_log', 'timers', 'notifications', 'ticket_classifications']) {
        const [row] = await app.db.knex(table).count({ n: '*' });
        out[table] = Number((row as { n: number | string }).n);
      }
      return out;
    };
    await app.tickets.create(newTicket('我要退款'), 'api');
    const before = await counts();
    expect(before.ticket_classifications).toBe(before.tickets);

    // A rule set that throws while a ticket comes in: the creation fails, and leaves nothing behind.
    const rules = app.routing.rules;
    const classifyIntake = rules.classifyIntake.bind(rules);
    rules.classifyIntake = () => Promise.reject(new Error('a rule failed'));
    try {
      await expect(app.tickets.create(newTicket('我要退款 again'), 'api')).rejects.toThrow('a rule failed');
    } finally {
      rules.classifyIntake = classifyIntake;
    }
    expect(await counts()).toEqual(before);

    // The classification's row cannot be written (a crash between the two would be the same): no ticket either.
    const db = database();
    const refuse =
      db.name === 'postgres'
        ? [
            `CREATE FUNCTION refuse_classification() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'classification refused'; END $$`,
            'CREATE TRIGGER refuse_classification BEFORE INSERT ON ticket_classifications FOR EACH ROW EXECUTE FUNCTION refuse_classification()',
          ]
        : [`CREATE TRIGGER refuse_classification BEFORE INSERT ON ticket_classifications BEGIN SELECT RAISE(ABORT, 'classification refused'); END`];
    for (const sql of refuse) await app.db.knex.raw(sql);
    try {
      // (Not `toThrow`: better-sqlite3 makes its errors with the constructor of the first test file that loaded it in
      // this jest worker, another realm's, which `toThrow` does not take for an error.)
      await expect(app.tickets.create(newTicket('我要退款 once more'), 'api')).rejects.toMatchObject({
        message: expect.stringContaining('classification refused'),
      });
      expect(await counts()).toEqual(before);
    } finally {
      await app.db.knex.raw(db.name === 'postgres' ? 'DROP TRIGGER refuse_classification ON ticket_classifications' : 'DROP TRIGGER refuse_classification');
      if (db.name === 'postgres') await app.db.knex.raw('DROP FUNCTION refuse_classification()');
    }

    // Many at once, in one batch of writes: each ticket with its own classification.
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => app.tickets.create(newTicket(i % 2 ? `退款 ${i}` : `hello ${i}`), 'api')));
    const stored = await app.routing.rules.of(created.map((t) => t.id));
    expect(created.map((t) => stored.get(t.id)?.rule ?? 'none')).toEqual(created.map((_, i) => (i % 2 ? 'refunds' : 'none')));
    const after = await counts();
    expect(after.ticket_classifications).toBe(after.tickets);
  });

  test('push lane: offered by skill and level, then load relative to capacity, then longest idle; nobody: flagged to the lead', async () => {
    await team([
      { email: 'a@agents.test', skills: ['billing'], level: 'L1', capacity: 2 },
      { email: 'b@agents.test', skills: ['billing', 'technical'], level: 'L2', capacity: 1 },
      { email: 'c@agents.test', skills: ['technical'], level: 'L1', capacity: 5 },
    ]);
    const assignee = async (subject: string) => (await app.routing.annotateOne(await app.tickets.create(newTicket(subject), 'api'))).assignee?.email ?? null;
    // a and b both empty: a has been idle longer.
    expect(await assignee('退款 1')).toBe('a@agents.test');
    // a at 1/2, b at 0/1.
    expect(await assignee('退款 2')).toBe('b@agents.test');
    expect(await assignee('退款 3')).toBe('a@agents.test');
    // A technical L2 ticket: c is only L1, b is full.
    expect(await assignee('登录失败')).toBeNull();
    expect(await assignee('退款 4')).toBeNull();
    const flagged = (await app.db.knex('notifications').where('kind', 'unassignable').select('recipient')) as Array<{ recipient: string }>;
    expect(flagged.map((n) => n.recipient)).toEqual([LEAD, LEAD]);
    const notes = (await app.db.knex('notifications').where('kind', 'assignment').orderBy('id').select('recipient')) as Array<{ recipient: string }>;
    expect(notes.map((n) => n.recipient)).toEqual(['a@agents.test', 'b@agents.test', 'a@agents.test']);
    expect([...(await loads(app)).values()].map((l) => [l.load, l.held])).toEqual([
      [0, 0],
      [2, 2],
      [1, 1],
      [0, 0],
    ]);
  });

  test("a decision follows every rule of the policy: a skill's exact name, channel skills; a visit already held stays held", async () => {
    await team([
      { email: 'a@agents.test', skills: ['billing', 'channel:email'], level: 'L3', capacity: 5 },
      { email: 'b@agents.test', skills: ['billings', 'channel:chat'], level: 'L3', capacity: 5 },
      { email: 'c@agents.test', skills: ['billing'], level: 'L1', capacity: 1 },
      { email: 'd@agents.test', skills: ['channel:chat', 'billing'], level: 'L2', capacity: 1 },
    ]);
    const assignee = async (subject: string, channel = 'chat') =>
      (await app.routing.annotateOne(await app.tickets.create({ ...newTicket(subject), channel }, 'api'))).assignee?.email ?? null;
    // a takes emails only; b has no "billing" skill.
    expect(await assignee('退款 1')).toBe('c@agents.test');
    expect(await assignee('退款 2')).toBe('d@agents.test');
    expect(await assignee('退款 3')).toBeNull();
    expect(await assignee('退款 4', 'email')).toBe('a@agents.test');
    const [held] = (await app.db
      .knex('ticket_assignments')
      .whereNotNull('agent_id')
      .orderBy('ticket_id')
      .select('ticket_id', 'visit', 'step', 'lane')) as Array<{
      ticket_id: number | string;
      visit: number;
      step: string;
      lane: string;
    }>;
    // Offered again while a has room: nobody's load moves.
    const before = await loads(app, 'email');
    const offer = { ...held!, ticketId: Number(held!.ticket_id), channel: 'email', need: { type: 'billing', level: 'L1' as const, channel: 'email' } };
    expect(await app.routing.assignments.decide(offer)).toEqual({ kind: 'held' });
    expect(await loads(app, 'email')).toEqual(before);
  });

  test('leaving the step gives the capacity back; going offline returns unstarted tickets to routing; a lead reassigns in one call', async () => {
    const [a, b] = await team([
      { email: 'a@agents.test', skills: ['billing'], level: 'L1', capacity: 2 },
      { email: 'b@agents.test', skills: ['billing'], level: 'L1', capacity: 2 },
    ]);
    const first = await app.tickets.create(newTicket('退款 1'), 'api');
    const second = await app.tickets.create(newTicket('退款 2'), 'api');
    const held = async (id: number) => (await app.routing.annotateOne({ id })).assignee?.email;
    expect([await held(first.id), await held(second.id)]).toEqual(['a@agents.test', 'b@agents.test']);
    await app.routing.assignments.start(a!, first.id);
    const third = await app.tickets.create(newTicket('退款 3'), 'api');
    expect(await held(third.id)).toBe('a@agents.test');

    // a goes offline: the started ticket stays, the unstarted one goes to b.
    const returned = await app.routing.setPresence(a!, a!.id, 'offline');
    expect(returned.map((r) => r.ticketId)).toEqual([third.id]);
    expect([await held(first.id), await held(third.id)]).toEqual(['a@agents.test', 'b@agents.test']);

    // b answers the second ticket: it moves to the grading step (same lane), offered again; b's first slot is freed.
    app.clock.advance(MIN);
    await app.tickets.advance(second.id, { type: 'answer' }, 'b@agents.test');
    expect(await held(second.id)).toBe('b@agents.test');
    expect((await loads(app)).get('b@agents.test')).toEqual({ load: 2, capacity: 2, held: 2 });

    // The lead moves the third ticket back to a once a is online again, audited.
    await app.routing.setPresence(a!, a!.id, 'online');
    await app.routing.assignments.reassign(lead, third.id, a!.id);
    expect(await held(third.id)).toBe('a@agents.test');
    expect((await loads(app)).get('b@agents.test')!.load).toBe(1);
    const audit = await app.audit.page();
    expect(audit.items[0]).toMatchObject({ actor: LEAD, action: 'ticket.assign', before: { assignee: 'b@agents.test' }, after: { assignee: 'a@agents.test' } });
    expect(b).toBeDefined();
  });

  test('tickets already waiting when a lane turns push are offered at the next sweep', async () => {
    const first = await app.tickets.create(newTicket('退款 before'), 'api');
    await team([{ email: 'a@agents.test', skills: ['billing'], level: 'L1', capacity: 3 }]);
    expect((await app.routing.annotateOne(first)).assignee).toBeUndefined();
    await app.routing.sweep();
    expect((await app.routing.annotateOne(first)).assignee?.email).toBe('a@agents.test');
  });

  test('agents silent longer than PRESENCE_TIMEOUT_MS go offline at the next sweep', async () => {
    const [a] = await team([{ email: 'a@agents.test', skills: [], level: 'L1', capacity: 3 }]);
    const ticket = await app.tickets.create(newTicket('hello'), 'api');
    expect((await app.routing.annotateOne(ticket)).assignee?.email).toBe('a@agents.test');
    app.clock.advance(16 * MIN);
    await app.routing.sweep();
    const profile = (await app.routing.assignments.profiles(LANE)).find((p) => p.id === a!.id)!;
    expect(profile).toMatchObject({ presence: 'offline', load: { chat: 0 } });
    expect((await app.routing.annotateOne(ticket)).assignee).toBeUndefined();
  });

  test('capacity per channel holds under 50 concurrent routing decisions (two Sopflow instances in one process)', async () => {
    await team(
      Array.from({ length: 5 }, (_, i) => ({ email: `agent${i}@agents.test`, skills: ['billing'], level: 'L1' as const, capacity: { chat: 3, email: 1 } })),
    );
    const db = database();
    // PostgreSQL: a second instance with its own pool; SQLite has one writer, so one instance (processes: the next test).
    const second = db.name === 'postgres' ? await openSopflow(testConfig(db), { clock: app.clock }) : app;
    try {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? second : app).tickets.create({ ...newTicket(`退款 ${i}`), channel: i % 5 ? 'chat' : 'email' }, 'api')),
      );
      const annotated = await app.routing.annotate(created);
      expect(annotated.filter((t) => t.assignee).length).toBe(15 + 5);
      await expectCapacityHeld({ chat: 3, email: 1 });
      expect(await flagged()).toBe(50 - 20);
    } finally {
      if (second !== app) await second.close();
    }
  });

  test('capacity per channel holds under 50 concurrent routing decisions from two processes', async () => {
    await team(
      Array.from({ length: 5 }, (_, i) => ({
        email: `agent${i}@agents.test`,
        skills: ['billing'],
        level: 'L1' as const,
        capacity: { phone: 1, chat: 3, email: 2 },
      })),
    );
    const db = database();
    // 20 chats, 20 emails and 10 calls, split between the processes so that each takes every channel.
    const channels = Array.from({ length: 50 }, (_, i) => (['chat', 'email', 'chat', 'email', 'phone'] as const)[i % 5]!);
    const tickets = channels.map((channel, i) => ({ channel, subject: `退款 ${i}` }));
    const processes = [tickets.filter((_, i) => i % 2 === 0), tickets.filter((_, i) => i % 2 === 1)].map((part) => intakeProcess(db, part));
    await Promise.all(processes.map((p) => p.ready));
    const reports = await Promise.all(processes.map((p) => p.run()));
    expect(reports.map((r) => r.errors)).toEqual([[], []]);
    expect(reports.flatMap((r) => r.created)).toHaveLength(50);
    // 5 agents: 15 of the 20 chats, 10 of the 20 emails, 5 of the 10 calls; the rest flagged to the lead.
    const held = (await app.db
      .knex('ticket_assignments')
      .whereNotNull('agent_id')
      .groupBy('channel')
      .select('channel', app.db.knex.raw('COUNT(*) AS n'))) as Array<{
      channel: string;
      n: number | string;
    }>;
    expect(Object.fromEntries(held.map((r) => [r.channel, Number(r.n)]))).toEqual({ chat: 15, email: 10, phone: 5 });
    await expectCapacityHeld({ phone: 1, chat: 3, email: 2 });
    expect(await flagged()).toBe(50 - 30);
  }, 60_000);

  /** Every agent full on each channel, and never past it: the load routing counts is what they hold. */
  async function expectCapacityHeld(capacity: Record<string, number>): Promise<void> {
    for (const [channel, room] of Object.entries(capacity))
      for (const [email, load] of await loads(app, channel))
        if (email !== LEAD) expect({ email, ...load }).toEqual({ email, load: room, capacity: room, held: room });
  }

  async function flagged(): Promise<number> {
    const [row] = await app.db.knex('ticket_assignments').whereNull('agent_id').whereNotNull('flagged_at').count({ n: '*' });
    return Number((row as { n: number | string }).n);
  }
});

/** An intake process on the test database: resolves `ready` once it has opened it, then creates its tickets on `run()`. */
function intakeProcess(database: TestDatabase, tickets: Array<{ channel: string; subject: string }>) {
  return goProcess<{ created: number[]; errors: string[] }>(INTAKE, database, { INTAKE_TICKETS: JSON.stringify(tickets) }, 'an intake process');
}
