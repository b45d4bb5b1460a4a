import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { WebhookRepository } from '../../../server/data/routing/webhook-repository.js';
import { openSopflow } from '../../../server/sopflow.js';
import { checkTarget, Webhooks, type Resolve } from '../../../server/services/routing/webhooks.js';
import type { User } from '../../../server/services/users/users.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, testConfig } from '../../helpers/sopflow.js';
import { PEOPLE, startTestServer } from '../../helpers/web-server.js';

type TestApp = Awaited<ReturnType<typeof openTestSopflow>>;

const LANE = '客服专员 Agent';
const SECRET = 'webhook-secret-1';
const ROUTING = { allowPrivate: true, retryMs: 1_000, maxAttempts: 5, timeoutMs: 2_000 };

/** A local receiver on an ephemeral port: answers `statuses` in turn (then 200), records every request. */
async function receiver(statuses: number[] = []) {
  const got: Array<{ headers: IncomingHttpHeaders; body: string; url: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      got.push({ headers: req.headers, body, url: req.url ?? '' });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => new Promise((r) => server.close(r)) };
}

async function pushLane(app: TestApp): Promise<User> {
  const { user: lead } = await app.users.add({ email: 'lead@agents.test', password: 'password-12345', role: 'manager' });
  await app.routing.assignments.setLane(lead, LANE, 'push', lead.email);
  const { user } = await app.users.add({ email: 'a@agents.test', password: 'password-12345', role: 'agent' });
  await app.people.update('cli', user.id, { lanes: [LANE] });
  await app.routing.assignments.setProfile(lead, user.id, { capacity: 100 });
  await app.routing.setPresence(user, user.id, 'online');
  return lead;
}

const ticket = (i: number) => ({ workflow: 'customer-inquiry', channel: 'chat', subject: `问题 ${i}`, customer: { name: 'Sun' } });

eachDatabase('webhooks', (database) => {
  test('a JSON webhook gets each assignment once, signed; a failing receiver is retried with backoff, each attempt logged', async () => {
    const app = await openTestSopflow(database(), { workflows: ['customer-inquiry'], config: { routing: ROUTING } });
    const hook = await receiver([500, 503]);
    try {
      const lead = await pushLane(app);
      const webhook = await app.webhooks.create(lead, { url: hook.url, format: 'json', events: ['assignment', 'unassignable'], secret: SECRET });
      const created = await app.tickets.create(ticket(1), 'api');
      await app.webhooks.deliver();
      expect(hook.got).toHaveLength(1);
      // Not yet due again: nothing sent.
      await app.webhooks.deliver();
      expect(hook.got).toHaveLength(1);
      app.clock.advance(1_000);
      await app.webhooks.deliver();
      app.clock.advance(1_999);
      await app.webhooks.deliver();
      expect(hook.got).toHaveLength(2);
      app.clock.advance(1);
      await app.webhooks.deliver();
      expect(hook.got).toHaveLength(3);
      for (const request of hook.got) {
        const expected = `sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`;
        expect(request.headers['x-sopflow-signature']).toBe(expected);
        expect(JSON.parse(request.body)).toMatchObject({
          event: { kind: 'assignment', ticketId: created.id, recipient: 'a@agents.test', step: 'Task_Answer' },
        });
      }
      const [delivery] = await app.webhooks.deliveries(webhook.id);
      expect(delivery).toMatchObject({ status: 'sent', attempts: 3 });
      expect(delivery!.log.map((a) => [a.statusCode, a.error])).toEqual([
        [500, 'HTTP 500'],
        [503, 'HTTP 503'],
        [200, null],
      ]);
      expect((await app.webhooks.list())[0]).toMatchObject({ lastError: 'HTTP 503', hasSecret: true });
    } finally {
      await hook.close();
      await app.close();
    }
  });

  test('none lost across a restart, none sent twice by two instances delivering at once; chat formats', async () => {
    const db = database();
    let app = await openTestSopflow(db, { workflows: ['customer-inquiry'], config: { routing: ROUTING } });
    const hook = await receiver();
    const chat = await receiver();
    try {
      const lead = await pushLane(app);
      await app.webhooks.create(lead, { url: hook.url, format: 'json', events: ['assignment'] });
      await app.webhooks.create(lead, { url: chat.url, format: 'wecom', events: ['assignment'] });
      for (let i = 0; i < 10; i++) await app.tickets.create(ticket(i), 'api');
      // Stopped before a delivery ran: the events wait in the outbox.
      await app.close();
      app = await openTestSopflow(db, { workflows: ['customer-inquiry'], clock: app.clock, config: { routing: ROUTING } });
      for (let i = 10; i < 20; i++) await app.tickets.create(ticket(i), 'api');
      const other = await openSopflow(testConfig(db, { routing: ROUTING }), { clock: app.clock });
      try {
        await Promise.all([app.webhooks.deliver(), other.webhooks.deliver(), app.webhooks.deliver(), other.webhooks.deliver()]);
        await Promise.all([app.webhooks.deliver(), other.webhooks.deliver()]);
      } finally {
        await other.close();
      }
      const events = hook.got.map((r) => (JSON.parse(r.body) as { event: { id: number } }).event.id);
      expect(events).toHaveLength(20);
      expect(new Set(events).size).toBe(20);
      expect(hook.got.every((r) => r.headers['x-sopflow-signature'] === undefined)).toBe(true);
      expect(chat.got).toHaveLength(20);
      expect(JSON.parse(chat.got[0]!.body)).toEqual({ msgtype: 'text', text: { content: expect.stringContaining('[SOPflow] assignment') } });
    } finally {
      await Promise.all([hook.close(), chat.close()]);
      await app.close();
    }
  });

  test('SLA warnings and breaches fired by the timer scheduler go out too, as Slack and DingTalk (signed) messages', async () => {
    const app = await openTestSopflow(database(), { workflows: ['customer-inquiry'], config: { routing: ROUTING } });
    const slack = await receiver();
    const ding = await receiver();
    try {
      const lead = (await app.users.add({ email: 'lead@agents.test', password: 'password-12345', role: 'manager' })).user;
      await app.webhooks.create(lead, { url: slack.url, format: 'slack', events: ['sla-warning', 'sla-breach'] });
      await app.webhooks.create(lead, { url: ding.url, format: 'dingtalk', events: ['sla-breach'], secret: SECRET });
      const created = await app.tickets.create(ticket(1), 'api');
      // Task_Answer has 5 minutes: past its warning and its breach.
      app.clock.advance(6 * 60_000);
      await app.scheduler.runDue();
      await app.webhooks.deliver();
      const kinds = slack.got.map((r) => (JSON.parse(r.body) as { text: string }).text);
      expect(kinds.some((t) => t.startsWith('[SOPflow] sla-breach') && t.includes(`#${created.id}`))).toBe(true);
      expect(ding.got.length).toBeGreaterThan(0);
      const signed = new URL(ding.got[0]!.url, 'http://x');
      const sign = createHmac('sha256', SECRET)
        .update(`${signed.searchParams.get('timestamp')}\n${SECRET}`)
        .digest('base64');
      expect(signed.searchParams.get('sign')).toBe(sign);
      expect(JSON.parse(ding.got[0]!.body)).toMatchObject({ msgtype: 'text', text: { content: expect.stringContaining('sla-breach') } });
    } finally {
      await Promise.all([slack.close(), ding.close()]);
      await app.close();
    }
  });

  test('SSRF care at connect time: a name rebound to a private address after the check is refused where the socket connects', async () => {
    const app = await openTestSopflow(database(), { workflows: ['customer-inquiry'], config: { routing: ROUTING } });
    const hook = await receiver();
    const port = new URL(hook.url).port;
    const workers: Webhooks[] = [];
    /** A worker of its own on the app's database, with its own resolver and WEBHOOK_ALLOW_PRIVATE. */
    const worker = (allowPrivate: boolean, resolve: Resolve) => {
      const made = new Webhooks(
        new WebhookRepository(app.db),
        app.clock,
        { ...ROUTING, intervalMs: 1_000, allowPrivate },
        `worker-${workers.length}`,
        undefined,
        resolve,
      );
      workers.push(made);
      return made;
    };
    const answers = (...lists: string[][]) => {
      const asked: string[] = [];
      const resolve: Resolve = (hostname) => {
        asked.push(hostname);
        const list = lists[Math.min(asked.length, lists.length) - 1]!;
        return Promise.resolve(list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
      };
      return { resolve, asked };
    };
    try {
      const lead = await pushLane(app);
      // Public when the webhook is created, loopback when it is sent: refused at the connection, nothing reaches the receiver.
      const rebinding = answers(['93.184.216.34'], ['127.0.0.1']);
      const guarded = worker(false, rebinding.resolve);
      const rebound = await guarded.create(lead, { url: `http://rebind.sopflow.test:${port}/hook`, format: 'json', events: ['assignment'] });
      await app.tickets.create(ticket(1), 'api');
      await guarded.deliver();
      expect(hook.got).toHaveLength(0);
      // One resolution for the check at creation, one for the connection: the address checked is the address used.
      expect(rebinding.asked).toEqual(['rebind.sopflow.test', 'rebind.sopflow.test']);
      const [refused] = await guarded.deliveries(rebound.id);
      expect(refused).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('127.0.0.1') });
      await guarded.remove(rebound.id);

      // A name with one public and one private address is refused too; so is a private address written in the URL.
      const mixed = answers(['93.184.216.34'], ['93.184.216.34', '::ffff:7f00:1']);
      const both = worker(false, mixed.resolve);
      const hookTwo = await both.create(lead, { url: `http://mixed.sopflow.test:${port}/hook`, format: 'json', events: ['assignment'] });
      const literal = await worker(true, mixed.resolve).create(lead, { url: hook.url, format: 'slack', events: ['assignment'] });
      await app.tickets.create(ticket(2), 'api');
      await both.deliver();
      expect(hook.got).toHaveLength(0);
      expect((await both.deliveries(hookTwo.id))[0]!.lastError).toContain('::ffff:7f00:1');
      expect((await both.deliveries(literal.id))[0]!.lastError).toContain('127.0.0.1');
      await both.remove(hookTwo.id);
      await both.remove(literal.id);

      // With WEBHOOK_ALLOW_PRIVATE (a local receiver): the socket goes to the address the resolver gave — a name no DNS knows.
      const local = answers(['127.0.0.1']);
      const allowed = worker(true, local.resolve);
      await allowed.create(lead, { url: `http://receiver.sopflow.test:${port}/hook`, format: 'json', events: ['assignment'] });
      await app.tickets.create(ticket(3), 'api');
      await allowed.deliver();
      expect(hook.got).toHaveLength(1);
      expect(hook.got[0]!.headers.host).toBe(`receiver.sopflow.test:${port}`);
      expect(local.asked).toEqual(['receiver.sopflow.test']);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await hook.close();
      await app.close();
    }
  });

  test('SSRF care: only http(s); private addresses refused unless allowed; admins only over the API', async () => {
    await expect(checkTarget('file:///etc/passwd', true)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkTarget('http://127.0.0.1:9/x', false)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkTarget('http://[::1]/x', false)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkTarget('http://10.1.2.3/x', false)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkTarget('http://localhost/x', false)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(checkTarget('http://93.184.216.34/x', false)).resolves.toBeInstanceOf(URL);
    const server = await startTestServer(database(), { workflows: ['customer-inquiry'] });
    try {
      const admin = (await server.app.users.createToken(PEOPLE.admin.email, 'admin')).token;
      const body = { url: 'http://127.0.0.1:9/hook', format: 'slack', events: ['sla-breach'] };
      expect((await server.call('POST', '/api/webhooks', { token: admin, json: body })).body.error.code).toBe('validation_failed');
      expect((await server.call('POST', '/api/webhooks', { token: admin, json: { ...body, url: 'gopher://x' } })).status).toBe(400);
      expect((await server.call('POST', '/api/webhooks', { token: admin, json: { ...body, events: ['nope'] } })).status).toBe(400);
      expect((await server.call('GET', '/api/webhooks', { token: server.tokens.manager })).status).toBe(403);
      expect((await server.call('GET', '/api/webhooks/99/deliveries', { token: admin })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
