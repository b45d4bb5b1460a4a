import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createApp } from '../../../server/web/app.js';
import { eachDatabase } from '../../helpers/databases.js';
import { FormClient, formFields, testId } from './support/form-client.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

eachDatabase('pages: sign-in, sessions, CSRF, roles, headers', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
  });
  afterEach(() => server.close());

  const client = (language = 'en') => new FormClient(server.url, language);

  test('sign-in: a wrong password re-shows the form (401) without saying which part was wrong; the right one lands on the role home; sign-out ends the session', async () => {
    const person = client();
    const form = await person.get('/');
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="password"');

    const wrong = await person.post('/', { email: PEOPLE.agent.email, password: 'not-it' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The email or the password is wrong.');
    expect(wrong.html).toContain(`value="${PEOPLE.agent.email}"`);

    const right = await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password });
    expect(right).toMatchObject({ status: 303, location: '/queue' });
    const queue = await person.get('/queue');
    expect(queue.status).toBe(200);
    expect(queue.html).toContain('Welcome, Li Na.');

    const out = await person.post('/sign-out', {});
    expect(out).toMatchObject({ status: 303, location: '/?signedOut=1' });
    expect(await person.get('/queue')).toMatchObject({ status: 303, location: '/?next=%2Fqueue' });
  });

  test('the session id changes at sign-in, so an id planted before is worth nothing after; before sign-in there is no session at all', async () => {
    const person = client();
    expect((await person.get('/')).headers.getSetCookie().some((cookie) => cookie.startsWith('sopflow.sid='))).toBe(false);
    const first = (await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password })).headers.get('set-cookie');
    expect(first).toMatch(/^sopflow\.sid=/);
    // Signing in again with that session's cookie (as a victim would with an id an attacker planted) gives a new id.
    await person.get('/queue');
    const again = (await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password })).headers.get('set-cookie');
    expect(again).toMatch(/^sopflow\.sid=/);
    expect(again?.split(';')[0]).not.toBe(first?.split(';')[0]);
  });

  test('sessions live in the database: another server process on the same database knows the signed-in user', async () => {
    const person = client();
    await person.signIn(PEOPLE.manager.email, PEOPLE.manager.password);
    const [{ n }] = (await server.app.db.knex('sessions').count({ n: '*' })) as [{ n: number | string }];
    expect(Number(n)).toBe(1);
    const second = createApp(server.app, pino({ level: 'silent' })).listen(0, '127.0.0.1');
    await once(second, 'listening');
    try {
      const page = await person.at(`http://127.0.0.1:${(second.address() as AddressInfo).port}`).get('/workflows');
      expect(page.status).toBe(200);
      expect(page.html).toContain(PEOPLE.manager.name);
    } finally {
      second.closeAllConnections();
      await new Promise((resolve) => second.close(resolve));
    }
  });

  test('after five wrong passwords for one email from one address, the next attempt is refused with 429 even with the right password; other emails still sign in', async () => {
    const attacker = client();
    for (let i = 0; i < 5; i++) expect((await attacker.signIn(PEOPLE.agent.email, `guess-${i}`)).status).toBe(401);
    const refused = await attacker.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('Too many attempts');
    expect(refused.headers.get('ratelimit-policy')).toMatch(/q=5/);
    expect((await client().signIn(PEOPLE.manager.email, PEOPLE.manager.password)).status).toBe(303);
  });

  test('failed sign-ins are counted in the database: attempts spread over two server processes share one limit', async () => {
    const second = createApp(server.app, pino({ level: 'silent' })).listen(0, '127.0.0.1');
    await once(second, 'listening');
    try {
      const secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
      for (let i = 0; i < 3; i++) expect((await client().signIn(PEOPLE.manager.email, `guess-a${i}`)).status).toBe(401);
      for (let i = 0; i < 2; i++) expect((await new FormClient(secondUrl).signIn(PEOPLE.manager.email, `guess-b${i}`)).status).toBe(401);
      expect((await client().signIn(PEOPLE.manager.email, PEOPLE.manager.password)).status).toBe(429);
      expect((await new FormClient(secondUrl).signIn(PEOPLE.manager.email, PEOPLE.manager.password)).status).toBe(429);
      const [row] = (await server.app.db.knex('rate_limits').select('hits')) as Array<{ hits: number }>;
      expect(row?.hits).toBeGreaterThanOrEqual(5);
    } finally {
      second.closeAllConnections();
      await new Promise((resolve) => second.close(resolve));
    }
  });

  test('every form needs the CSRF token of its session: without it, or with another session’s, 403 and nothing changes', async () => {
    const agent = client();
    await agent.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    await agent.get('/tickets/new');
    const form = { channel: 'chat', workflow: 'customer-inquiry', customerName: 'Wang Wei', subject: 'forged' };

    const missing = await agent.post('/tickets', form, { csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.html).toContain('This form has expired');

    const other = client();
    await other.get('/');
    expect((await agent.post('/tickets', form, { csrf: other.csrfToken })).status).toBe(403);
    expect((await agent.post('/sign-out', {}, { csrf: false })).status).toBe(403);
    expect((await server.app.tickets.list({})).items).toHaveLength(0);

    expect((await agent.post('/tickets', form)).status).toBe(303);
  });

  test('roles on every page: an agent gets a 403 page on managers’ and admins’ pages and does not see them in the navigation; a manager not on /admin; an admin everywhere', async () => {
    const agent = client();
    await agent.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    for (const path of [
      '/admin',
      '/workflows',
      '/analytics',
      '/execution-tables',
      '/execution-tables/1',
      '/execution-tables/1/schedule',
      '/workflows/customer-inquiry',
    ]) {
      const page = await agent.get(path);
      expect({ path, status: page.status }).toEqual({ path, status: 403 });
      expect(page.html).toContain('You may not open this page');
    }
    // Refused before the upload is read, and changes are refused too.
    expect((await agent.post('/execution-tables/1/import', {})).status).toBe(403);
    expect((await agent.post('/execution-tables', { name: 'x', startDate: '2026-01-05' })).status).toBe(403);
    expect((await agent.post('/admin/users/1/lanes', { other: 'x' })).status).toBe(403);
    const queue = await agent.get('/queue');
    expect(queue.html).not.toContain('href="/admin"');
    expect(queue.html).not.toContain('href="/workflows"');
    expect(queue.html).toContain('href="/notifications"');

    const manager = client();
    await manager.signIn(PEOPLE.manager.email, PEOPLE.manager.password);
    expect((await manager.get('/workflows')).status).toBe(200);
    expect((await manager.get('/admin')).status).toBe(403);

    const admin = client();
    await admin.signIn(PEOPLE.admin.email, PEOPLE.admin.password);
    const users = await admin.get('/admin');
    expect(users.status).toBe(200);
    expect(users.html).toContain(PEOPLE.agent.email);
    expect((await admin.get('/queue')).status).toBe(200);
  });

  test('nobody signed in: pages send to the sign-in form and back after it; an unknown page is a 404 page, an unknown API path a JSON 404', async () => {
    const person = client();
    expect(await person.get('/tickets/new')).toMatchObject({ status: 303, location: '/?next=%2Ftickets%2Fnew' });
    await person.get('/?next=%2Ftickets%2Fnew');
    expect(await person.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password, next: '/tickets/new' })).toMatchObject({
      location: '/tickets/new',
    });
    // Only paths on this site: no open redirect.
    const other = client();
    await other.get('/');
    expect(await other.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password, next: '//evil.example/' })).toMatchObject({
      location: '/queue',
    });

    const missing = await person.get('/no-such-page');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Not found');
    const api = await fetch(`${server.url}/api/no-such-thing`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  test('security headers: a CSP allowing only this server’s scripts and styles, no framing, no caching of pages; static assets are served locally', async () => {
    const page = await client().get('/');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.html).not.toMatch(/<script>|<style>| style="|https?:\/\/(?!www\.w3)/);
    // every stylesheet and script the page links is served from the project
    const assets = [...page.html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toEqual(expect.arrayContaining(['/static/css/app.css', '/static/css/pages.css', '/static/js/app.js']));
    for (const asset of assets) expect([asset, (await fetch(server.url + asset)).status]).toEqual([asset, 200]);
  });

  test('a page form posted as JSON, plain text or with no body is a form with its fields missing: refused or ignored, never a server error', async () => {
    const agent = client();
    await agent.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    await agent.get('/tickets/new');
    for (const [body, type] of [
      [JSON.stringify({ channel: 'chat', subject: 'x' }), 'application/json'],
      ['channel=chat', 'text/plain'],
      [undefined, undefined],
    ]) {
      expect([type, (await agent.postRaw('/tickets', body, type)).status]).toEqual([type, 400]);
      expect([type, (await agent.postRaw('/language', body, type)).status]).toEqual([type, 303]);
    }
    expect(await server.app.tickets.list({})).toMatchObject({ items: [] });
  });

  test('the API takes the session’s user as well as bearer tokens; with a session, changes need the page’s CSRF token in X-CSRF-Token', async () => {
    const agent = client();
    await agent.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    await agent.get('/queue');
    const created = await agent.api('POST', '/api/tickets', {
      workflow: 'customer-inquiry',
      channel: 'chat',
      subject: 'from a page script',
      customer: { name: 'Wang Wei' },
    });
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toBe(PEOPLE.agent.email);
    expect((await agent.api('GET', `/api/tickets/${created.body.id}`, undefined, { csrf: false })).status).toBe(200);
    const forged = await agent.api('POST', `/api/tickets/${created.body.id}/events`, { type: 'answer' }, { csrf: false });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await agent.api('POST', '/api/workflows', undefined)).status).toBe(403);

    const { token } = await server.app.users.createToken(PEOPLE.agent.email);
    const byToken = await fetch(`${server.url}/api/tickets/${created.body.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${server.url}/api/tickets`)).status).toBe(401);
  });

  test('language: from Accept-Language at first; the switch is kept on the user’s account, so it follows them to another browser', async () => {
    const chinese = client('zh-CN,zh;q=0.9');
    const signInPage = await chinese.get('/');
    expect(signInPage.html).toContain('<html lang="zh-CN">');
    expect(signInPage.html).toContain('登录');
    await chinese.post('/', { email: PEOPLE.agent.email, password: PEOPLE.agent.password });
    const queue = await chinese.get('/queue');
    expect(queue.html).toContain('工单队列');

    expect(await chinese.post('/language', { locale: 'en', back: '/queue' })).toMatchObject({ status: 303, location: '/queue' });
    expect((await chinese.get('/queue')).html).toContain('<h1>Queue</h1>');
    expect((await server.app.users.byEmail(PEOPLE.agent.email)).locale).toBe('en');

    const elsewhere = client('zh-CN');
    await elsewhere.signIn(PEOPLE.agent.email, PEOPLE.agent.password);
    const there = await elsewhere.get('/queue');
    expect(there.html).toContain('<html lang="en">');
    expect(testId(there.html, 'queue-count')).toBe('0 open tickets');
    expect(formFields(there.html, '/language').back).toBe('/queue');
  });
});
