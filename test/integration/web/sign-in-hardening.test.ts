import { pino } from 'pino';
import { createSessionStore } from '../../../server/data/sessions/session-store.js';
import { hashCost, hashPassword } from '../../../server/services/users/passwords.js';
import type { Config } from '../../../server/shared/config.js';
import { eachDatabase } from '../../helpers/databases.js';
import { waitFor } from '../../helpers/wait-for.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from './support/form-client.js';

/** Issue 13, items 8–11: sign-in timing, sessions only from sign-in on, TRUST_PROXY, the password rule. */
eachDatabase('sign-in hardening', (database) => {
  let server: TestServer;
  let opened: TestServer | undefined;
  const start = async (config: Partial<Config> = {}) => (opened = await startTestServer(database(), { workflows: [], config }));
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  const client = (base = server.url) => new FormClient(base);
  const count = async (table: string) => Number(((await server.app.db.knex(table).count({ n: '*' })) as [{ n: number | string }])[0].n);

  /**
   * Runs `hostile` while asking `/healthz` every 50 ms; answers what `hostile` answered and the slowest
   * health check, which must stay under a second however hostile the requests.
   */
  async function whileHealthy<T>(hostile: () => Promise<T>): Promise<{ result: T; slowestHealthMs: number }> {
    let running = true;
    let slowest = 0;
    const probe = (async () => {
      while (running) {
        const started = performance.now();
        const health = await fetch(`${server.url}/healthz`);
        await health.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - started);
        expect(health.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      return { result: await hostile(), slowestHealthMs: slowest };
    } finally {
      running = false;
      await probe;
    }
  }

  describe('sessions only from sign-in on (item 9)', () => {
    beforeEach(async () => {
      server = await start();
    });

    test('50 anonymous page views, language switches and failed sign-ins write no session row; signing in writes one', async () => {
      const { slowestHealthMs } = await whileHealthy(async () => {
        for (let i = 0; i < 10; i++) {
          const visitor = client();
          expect((await visitor.get('/')).status).toBe(200);
          expect((await visitor.get('/?next=%2Fqueue')).status).toBe(200);
          expect((await visitor.get('/queue')).status).toBe(303);
          expect((await visitor.get('/no-such-page')).status).toBe(404);
          expect((await visitor.post('/language', { locale: 'zh-CN', back: '/' })).status).toBe(303);
          expect((await visitor.post('/', { email: `nobody-${i}@example.test`, password: 'not-a-password' })).status).toBe(401);
        }
      });
      expect(slowestHealthMs).toBeLessThan(1000);
      expect(await count('sessions')).toBe(0);

      const person = client();
      expect((await person.signIn(PEOPLE.agent.email, PEOPLE.agent.password)).status).toBe(303);
      expect(await count('sessions')).toBe(1);
    });

    test('the language picked before signing in is kept (in a cookie, not a session) and carried into the session', async () => {
      const visitor = client();
      await visitor.get('/');
      expect(await visitor.post('/language', { locale: 'zh-CN', back: '/' })).toMatchObject({ status: 303, location: '/' });
      expect((await visitor.get('/')).html).toContain('<html lang="zh-CN">');
      expect(await count('sessions')).toBe(0);
      await visitor.post('/', { email: PEOPLE.manager.email, password: PEOPLE.manager.password });
      expect((await visitor.get('/workflows')).html).toContain('<html lang="zh-CN">');
    });

    test('the sign-in form is still CSRF-protected without a session: no token, a forged one, or another browser’s is refused (403) and signs no one in', async () => {
      const person = client();
      await person.get('/');
      const form = { email: PEOPLE.agent.email, password: PEOPLE.agent.password };
      expect((await person.post('/', form, { csrf: false })).status).toBe(403);
      expect((await person.post('/', form, { csrf: 'forged-token' })).status).toBe(403);
      const other = client();
      await other.get('/');
      expect(other.csrfToken).not.toBe(person.csrfToken);
      expect((await person.post('/', form, { csrf: other.csrfToken })).status).toBe(403);
      // A token without its cookie (a page of another site posting here): refused too.
      const bare = await fetch(`${server.url}/`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: person.csrfToken, ...form }).toString(),
      });
      expect(bare.status).toBe(403);
      expect(await count('sessions')).toBe(0);

      expect(await person.post('/', form)).toMatchObject({ status: 303, location: '/queue' });
    });

    test('signed in, only the session’s own token counts: a pre-session token is refused', async () => {
      const person = client();
      await person.get('/');
      const preSession = person.csrfToken;
      await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password });
      expect((await person.post('/sign-out', {}, { csrf: preSession })).status).toBe(403);
      await person.get('/queue');
      expect((await person.post('/sign-out', {})).status).toBe(303);
    });

    test('expired sessions are deleted by the sweep; live ones stay', async () => {
      const knex = server.app.db.knex;
      const now = Date.now();
      const row = (sid: string, expired: number) => ({ sid, sess: JSON.stringify({ cookie: {}, userId: 1 }), expired: new Date(expired).toISOString() });
      await knex('sessions').insert([row('expired-a', now - 60_000), row('expired-b', now - 9 * 3600_000), row('live', now + 3600_000)]);
      const store = createSessionStore(server.app.db, pino({ level: 'silent' }), { sweepEveryMs: 50 });
      try {
        await waitFor(async () => (await count('sessions')) === 1, { what: 'the expired sessions to be deleted' });
        expect(await knex('sessions').pluck('sid')).toEqual(['live']);
      } finally {
        store.stop();
      }
    });
  });

  describe('TRUST_PROXY (item 10)', () => {
    const secureCookie = (answer: { headers: Headers }) =>
      answer.headers
        .getSetCookie()
        .find((cookie) => cookie.startsWith('sopflow.sid='))
        ?.split(';')
        .map((part) => part.trim().toLowerCase())
        .includes('secure');

    test('behind a trusted proxy, a sign-in over HTTPS (X-Forwarded-Proto) gets a Secure session cookie; over HTTP not', async () => {
      server = await start({ trustProxy: ['loopback'] });
      const https = client();
      await https.get('/', { 'x-forwarded-proto': 'https' });
      const signedIn = await https.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password }, { headers: { 'x-forwarded-proto': 'https' } });
      expect(signedIn.status).toBe(303);
      expect(secureCookie(signedIn)).toBe(true);

      const http = client();
      await http.get('/');
      const plain = await http.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password });
      expect(plain.status).toBe(303);
      expect(secureCookie(plain)).toBe(false);
    });

    test('without TRUST_PROXY the header is not believed: no Secure cookie', async () => {
      server = await start();
      const person = client();
      await person.get('/', { 'x-forwarded-proto': 'https' });
      const signedIn = await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password }, { headers: { 'x-forwarded-proto': 'https' } });
      expect(signedIn.status).toBe(303);
      expect(secureCookie(signedIn)).toBe(false);
    });

    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

    test('behind a trusted proxy, the sign-in limit counts per client address as the proxy names it', async () => {
      server = await start({ trustProxy: 1 });
      const attacker = client();
      await attacker.get('/');
      for (let i = 0; i < 5; i++)
        expect((await attacker.post('/', { email: PEOPLE.agent.email, password: `guess-${i}` }, from('203.0.113.7'))).status).toBe(401);
      expect((await attacker.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password }, from('203.0.113.7'))).status).toBe(429);
      // Another client behind the same proxy is not locked out by the first one's failures.
      const colleague = client();
      await colleague.get('/');
      expect((await colleague.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password }, from('198.51.100.20'))).status).toBe(303);
    });

    test('without TRUST_PROXY, X-Forwarded-For changes nothing: a new address per guess still hits the limit', async () => {
      server = await start();
      const spoofer = client();
      await spoofer.get('/');
      for (let i = 0; i < 5; i++)
        expect((await spoofer.post('/', { email: PEOPLE.manager.email, password: `guess-${i}` }, from(`203.0.113.${i + 1}`))).status).toBe(401);
      expect((await spoofer.post('/', { email: PEOPLE.manager.email, password: PEOPLE.manager.password }, from('203.0.113.99'))).status).toBe(429);
    });
  });

  describe('sign-in timing (item 8)', () => {
    test('an unknown email costs what a known email with a wrong password costs (medians within 0.67–1.5)', async () => {
      // A cost at which hashing, not HTTP, dominates a sign-in; still quick enough for a test.
      server = await start({ passwordHashCost: 13 });
      const BATCHES = 3;
      const PAIRS = 12;
      // Four failures per known email per batch stay under the sign-in limit (five).
      const known = Array.from({ length: (BATCHES * PAIRS) / 4 }, (_, i) => `known-${i}@timing.test`);
      for (const email of known) await server.app.users.add({ email, role: 'agent', password: 'timing-password-1' });
      const person = client();
      await person.get('/');
      const attempt = async (email: string) => {
        const started = performance.now();
        expect((await person.post('/', { email, password: 'wrong-password-0' })).status).toBe(401);
        return performance.now() - started;
      };
      // Warm up both paths (the fixed dummy hash is made on first use).
      await attempt('warm-up@nowhere.test');
      await attempt(PEOPLE.admin.email);

      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const unknown: number[] = [];
      const wrong: number[] = [];
      let ratio = NaN;
      // Pairs back to back in alternating order, so that load on the machine falls on both alike. A machine
      // shared with other work can still skew one batch: another batch is taken, up to three, and the medians
      // of all samples so far decide. A real difference (no hashing for unknown emails: a ratio near 0.3)
      // stays outside the bounds however many batches are taken; within 0.8–1.25, CI's parallel suites on two
      // cores still failed it now and then (1.30 once).
      const [LOW, HIGH] = [0.67, 1.5];
      for (let batch = 0; batch < BATCHES && !(ratio > LOW && ratio < HIGH); batch++) {
        for (let i = 0; i < PAIRS; i++) {
          const n = batch * PAIRS + i;
          const nobody = `nobody-${n}@nowhere.test`;
          const someone = known[Math.floor(n / 4)]!;
          if (i % 2 === 0) {
            unknown.push(await attempt(nobody));
            wrong.push(await attempt(someone));
          } else {
            wrong.push(await attempt(someone));
            unknown.push(await attempt(nobody));
          }
        }
        ratio = median(unknown) / median(wrong);
      }
      expect(ratio).toBeGreaterThan(LOW);
      expect(ratio).toBeLessThan(HIGH);
    });

    test('a hash stored at an older cost is made again at the configured cost on the first good sign-in, not on a bad one', async () => {
      server = await start();
      const { user } = await server.app.users.add({ email: 'old-cost@timing.test', role: 'agent', password: 'old-cost-password-1' });
      const stored = async () => ((await server.app.db.knex('users').where({ id: user.id }).first('password_hash')) as { password_hash: string }).password_hash;
      const configured = hashCost(await stored())!;
      const oldHash = await hashPassword('old-cost-password-1', configured + 1);
      await server.app.db.knex('users').where({ id: user.id }).update({ password_hash: oldHash });

      expect(await server.app.users.checkPassword(user.email, 'wrong-password-0')).toBeUndefined();
      expect(await stored()).toBe(oldHash);
      expect(await server.app.users.checkPassword(user.email, 'old-cost-password-1')).toMatchObject({ id: user.id });
      const upgraded = await stored();
      expect(hashCost(upgraded)).toBe(configured);
      expect(await server.app.users.checkPassword(user.email, 'old-cost-password-1')).toMatchObject({ id: user.id });
      expect(await stored()).toBe(upgraded);
    });
  });

  describe('the password rule (item 11)', () => {
    beforeEach(async () => {
      server = await start({ passwordRule: { minLength: 10, maxLength: 64 } });
    });

    test('too short, too long, common (any case) or the account’s own name is refused with its code, and no user is written', async () => {
      const before = await count('users');
      const refused = async (email: string, password: string) => {
        try {
          await server.app.users.add({ email, role: 'agent', password });
        } catch (error) {
          return error as { code: string; problems: Array<{ field: string; code: string; values?: { limit: number } }> };
        }
        throw new Error(`"${password}" was accepted`);
      };
      expect(await refused('a@rule.test', 'nine-char')).toMatchObject({
        code: 'validation_failed',
        problems: [{ field: 'password', code: 'tooShort', values: { limit: 10 } }],
      });
      expect(await refused('a@rule.test', 'x'.repeat(65))).toMatchObject({ problems: [{ field: 'password', code: 'tooLong', values: { limit: 64 } }] });
      for (const common of ['1234567890', 'qwertyuiop', 'PASSWORD123', 'Iloveyou12'])
        expect(await refused('a@rule.test', common)).toMatchObject({ problems: [{ field: 'password', code: 'common' }] });
      expect(await refused('longname.here@rule.test', 'Longname.Here')).toMatchObject({ problems: [{ field: 'password', code: 'common' }] });
      expect(await count('users')).toBe(before);
    });

    test('no composition rules: passphrases with spaces, any script and punctuation are fine; length counts characters, not bytes', async () => {
      for (const [i, password] of ['correct horse battery staple', '我的密码是一匹白色的马', 'alllowercaseletters', 'пароль для входа'].entries()) {
        const { user } = await server.app.users.add({ email: `p${i}@rule.test`, role: 'agent', password });
        expect(await server.app.users.checkPassword(user.email, password)).toMatchObject({ email: user.email });
      }
      // 9 Chinese characters are 27 bytes but 9 characters: under the minimum of 10.
      await expect(server.app.users.add({ email: 'short@rule.test', role: 'agent', password: '我的密码是一匹马啊' })).rejects.toMatchObject({
        problems: [{ code: 'tooShort' }],
      });
    });

    test('the sign-in form lets a password manager fill and paste: no paste blocking, no maxlength below the rule', async () => {
      const page = await client().get('/');
      expect(page.html).not.toMatch(/onpaste|oncopy|ondrop/i);
      expect(page.html).toMatch(/<input id="password"[^>]*autocomplete="current-password"/);
      expect(page.html).not.toMatch(/<input id="password"[^>]*maxlength/);
    });
  });
});
