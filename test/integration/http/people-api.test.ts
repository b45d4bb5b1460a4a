import { openSopflow } from '../../../server/sopflow.js';
import { eachDatabase } from '../../helpers/databases.js';
import { testConfig } from '../../helpers/sopflow.js';
import { waitFor } from '../../helpers/wait-for.js';
import { FormClient } from '../web/support/form-client.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const NEWCOMER = { email: 'wang.fang@agents.test', name: 'Wang Fang', role: 'agent' };

/** The audit log's entries about people and tokens (the seeded workflows' imports are audited too). */
async function auditOf(server: TestServer, token: string) {
  const page = await server.call('GET', '/api/audit?limit=200', { token });
  expect(page.status).toBe(200);
  const items = page.body.items as Array<{ actor: string; action: string; target: string; before: unknown; after: unknown; at: number }>;
  return items.filter((e) => !e.action.startsWith('workflow.'));
}

async function count(server: TestServer, table: string): Promise<number> {
  const [{ n }] = (await server.app.db.knex(table).count({ n: '*' })) as [{ n: number | string }];
  return Number(n);
}

const TOKEN_CACHE_MS = 200;

eachDatabase('people, tokens and the audit log over the API', (database) => {
  let server: TestServer;
  let admin: string;
  beforeEach(async () => {
    // Another process's changes reach this one within TOKEN_CACHE_MS: short here, so the tests do not wait out a second.
    server = await startTestServer(database(), { config: { tokenCacheMs: TOKEN_CACHE_MS } });
    admin = (await server.app.users.createToken(PEOPLE.admin.email, 'admin')).token;
  });
  afterEach(() => server.close());

  test('an admin adds a user, changes their role, deactivates them: their token answers 401 and their page session is signed out at once; the audit log has each change with actor and diff', async () => {
    const added = await server.call('POST', '/api/users', { token: admin, json: NEWCOMER });
    expect(added.status).toBe(201);
    expect(added.body.user).toMatchObject({ email: NEWCOMER.email, name: 'Wang Fang', role: 'agent', active: true, lanes: [] });
    const password = added.body.password as string;
    expect(password).toMatch(/^\S{20}$/);
    const id = added.body.user.id as number;

    const made = await server.call('POST', '/api/tokens', { token: admin, json: { userId: id, label: 'crm' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ userId: id, email: NEWCOMER.email, label: 'crm', revokedAt: null, token: expect.stringMatching(/^sop_/) });
    const token = made.body.token as string;
    // Looked up once: cached from here on.
    expect((await server.call('GET', '/api/tickets', { token })).status).toBe(200);
    expect((await server.call('GET', '/api/execution-tables', { token })).status).toBe(403);
    const browser = await FormClient.signedIn(server.url, { email: NEWCOMER.email, password });
    expect((await browser.get('/queue')).status).toBe(200);

    const promoted = await server.call('PATCH', `/api/users/${id}`, {
      token: admin,
      json: { role: 'manager', lanes: ['技术支持主管 Technical-support lead'] },
    });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'manager', lanes: ['技术支持主管 Technical-support lead'] } });
    expect((await server.call('GET', '/api/execution-tables', { token })).status).toBe(200);
    expect((await browser.get('/workflows')).status).toBe(200);

    const deactivated = await server.call('PATCH', `/api/users/${id}`, { token: admin, json: { active: false } });
    expect(deactivated).toMatchObject({ status: 200, body: { active: false, deactivatedAt: expect.any(Number) } });
    expect((await server.call('GET', '/api/tickets', { token })).status).toBe(401);
    expect(await browser.get('/queue')).toMatchObject({ status: 303, location: '/?next=%2Fqueue' });
    expect((await new FormClient(server.url).signIn(NEWCOMER.email, password)).status).toBe(401);
    // History is kept: the user is still listed, deactivated, and their token revoked.
    const users = await server.call('GET', '/api/users', { token: admin });
    expect(users.body.items).toContainEqual(expect.objectContaining({ id, active: false }));
    const tokens = await server.call('GET', `/api/tokens?user=${id}`, { token: admin });
    expect(tokens.body.items).toEqual([expect.objectContaining({ id: made.body.id, revokedAt: expect.any(Number) })]);

    const entries = await auditOf(server, admin);
    expect(entries.map((e) => [e.actor, e.action, e.target])).toEqual([
      [PEOPLE.admin.email, 'user.deactivate', `user ${id} ${NEWCOMER.email}`],
      [PEOPLE.admin.email, 'user.lanes', `user ${id} ${NEWCOMER.email}`],
      [PEOPLE.admin.email, 'user.role', `user ${id} ${NEWCOMER.email}`],
      [PEOPLE.admin.email, 'token.create', `token ${made.body.id} (crm) of ${NEWCOMER.email}`],
      [PEOPLE.admin.email, 'user.add', `user ${id} ${NEWCOMER.email}`],
    ]);
    expect(entries[0]).toMatchObject({ before: { active: true }, after: { active: false } });
    expect(entries[1]).toMatchObject({ before: { lanes: [] }, after: { lanes: ['技术支持主管 Technical-support lead'] } });
    expect(entries[2]).toMatchObject({ before: { role: 'agent' }, after: { role: 'manager' } });
    expect(entries[4]).toMatchObject({ before: null, after: { email: NEWCOMER.email, role: 'agent' }, at: expect.any(Number) });
    // Never a password or a token's secret.
    const text = JSON.stringify(entries);
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);

    // Reactivated: signs in again; the old token stays revoked.
    expect((await server.call('PATCH', `/api/users/${id}`, { token: admin, json: { active: true } })).body.active).toBe(true);
    expect((await new FormClient(server.url).signIn(NEWCOMER.email, password)).status).toBe(303);
    expect((await server.call('GET', '/api/tickets', { token })).status).toBe(401);
  });

  test('a password reset: the old one fails, the new one works, the sessions signed in with the old one end; a generated one is answered once', async () => {
    const agent = await server.app.users.byEmail(AGENT);
    const browser = await FormClient.signedIn(server.url, PEOPLE.agent);
    expect((await browser.get('/queue')).status).toBe(200);

    const reset = await server.call('POST', `/api/users/${agent.id}/password`, { token: admin, json: { password: 'a brand new passphrase' } });
    expect(reset.status).toBe(200);
    expect(reset.body.password).toBeUndefined();
    expect((await browser.get('/queue')).status).toBe(303);
    expect((await new FormClient(server.url).signIn(AGENT, PEOPLE.agent.password)).status).toBe(401);
    expect((await new FormClient(server.url).signIn(AGENT, 'a brand new passphrase')).status).toBe(303);

    const generated = await server.call('POST', `/api/users/${agent.id}/password`, { token: admin, json: {} });
    expect(generated.body.password).toMatch(/^\S{20}$/);
    expect((await new FormClient(server.url).signIn(AGENT, generated.body.password)).status).toBe(303);

    const entries = await auditOf(server, admin);
    expect(entries.slice(0, 2).map((e) => [e.action, e.after])).toEqual([
      ['user.password_reset', { password: 'generated' }],
      ['user.password_reset', { password: 'set' }],
    ]);
    expect(JSON.stringify(entries)).not.toContain('a brand new passphrase');
    // Refused passwords write nothing.
    expect((await server.call('POST', `/api/users/${agent.id}/password`, { token: admin, json: { password: 'short' } })).body.error.code).toBe(
      'validation_failed',
    );
    expect(await auditOf(server, admin)).toHaveLength(entries.length);
  });

  test('tokens: everyone lists and revokes their own (revoked: 401 at once), an admin anyone’s; someone else’s is a 404', async () => {
    const mine = await server.call('GET', '/api/tokens', { token: server.tokens.agent });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((t: { email: string }) => t.email)).toEqual([AGENT]);
    expect(JSON.stringify(mine.body)).not.toContain(server.tokens.agent);

    const own = await server.call('POST', '/api/tokens', { token: server.tokens.agent, json: { label: 'script' } });
    expect(own.status).toBe(201);
    const manager = await server.app.users.byEmail(MANAGER);
    expect((await server.call('POST', '/api/tokens', { token: server.tokens.agent, json: { userId: manager.id } })).status).toBe(403);

    const all = await server.call('GET', '/api/tokens', { token: admin });
    expect(all.body.items).toHaveLength(4);
    const managersToken = all.body.items.find((t: { email: string }) => t.email === MANAGER).id as number;
    expect((await server.call('DELETE', `/api/tokens/${managersToken}`, { token: server.tokens.agent })).status).toBe(404);
    expect((await server.call('GET', '/api/tickets', { token: server.tokens.manager })).status).toBe(200);

    const revoked = await server.call('DELETE', `/api/tokens/${own.body.id}`, { token: server.tokens.agent });
    expect(revoked).toMatchObject({ status: 200, body: { id: own.body.id, revokedAt: expect.any(Number) } });
    expect((await server.call('GET', '/api/tickets', { token: own.body.token })).status).toBe(401);

    expect((await server.call('GET', '/api/tickets', { token: server.tokens.manager })).status).toBe(200);
    expect((await server.call('DELETE', `/api/tokens/${managersToken}`, { token: admin })).status).toBe(200);
    expect((await server.call('GET', '/api/tickets', { token: server.tokens.manager })).status).toBe(401);
    // Strict ids: 0x10 is no token.
    expect((await server.call('DELETE', '/api/tokens/0x1', { token: admin })).body.error.code).toBe('validation_failed');

    const entries = await auditOf(server, admin);
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      [PEOPLE.admin.email, 'token.revoke'],
      [AGENT, 'token.revoke'],
      [AGENT, 'token.create'],
    ]);
  });

  test('agents and managers get 403 on the admin routes; bad input is a 400 naming the field; the last admin cannot be demoted or deactivated (409); nothing is written', async () => {
    const before = { users: await count(server, 'users'), audit: await count(server, 'audit_log') };
    for (const token of [server.tokens.agent, server.tokens.manager]) {
      for (const [method, path, json] of [
        ['GET', '/api/users', undefined],
        ['POST', '/api/users', NEWCOMER],
        ['PATCH', '/api/users/1', { active: false }],
        ['POST', '/api/users/1/password', {}],
        ['GET', '/api/audit', undefined],
      ] as const) {
        const answer = await server.call(method, path, { token, json });
        expect({ path, method, status: answer.status, code: answer.body.error.code }).toEqual({ path, method, status: 403, code: 'forbidden' });
      }
    }
    const refusals = [
      [{ ...NEWCOMER, email: 'not an email' }, 'email'],
      [{ ...NEWCOMER, role: 'boss' }, 'role'],
      [{ ...NEWCOMER, password: 'short' }, 'password'],
      [{ ...NEWCOMER, admin: true }, 'admin'],
    ] as const;
    for (const [json, field] of refusals) {
      const answer = await server.call('POST', '/api/users', { token: admin, json });
      expect({ field, status: answer.status, code: answer.body.error.code }).toEqual({ field, status: 400, code: 'validation_failed' });
      expect(answer.body.error.details).toContainEqual(expect.objectContaining({ field }));
    }
    expect((await server.call('POST', '/api/users', { token: admin, json: { ...NEWCOMER, email: AGENT } })).body.error.code).toBe('conflict');
    expect((await server.call('PATCH', '/api/users/1', { token: admin, json: {} })).body.error.code).toBe('validation_failed');
    expect((await server.call('PATCH', '/api/users/99999', { token: admin, json: { active: false } })).status).toBe(404);

    const self = await server.app.users.byEmail(PEOPLE.admin.email);
    for (const json of [{ role: 'manager' }, { active: false }]) {
      const answer = await server.call('PATCH', `/api/users/${self.id}`, { token: admin, json });
      expect(answer).toMatchObject({ status: 409, body: { error: { code: 'conflict', details: { reason: 'last_admin' } } } });
    }
    expect({ users: await count(server, 'users'), audit: await count(server, 'audit_log') }).toEqual(before);
    expect((await server.call('GET', '/api/users', { token: admin })).status).toBe(200);
  });

  test('a revocation or deactivation made by another process (its own token cache) reaches this one within TOKEN_CACHE_MS', async () => {
    const other = await openSopflow(testConfig(database()));
    try {
      expect((await server.call('GET', '/api/tickets')).status).toBe(200);
      const agentsToken = (await other.people.tokens('cli')).find((t) => t.email === AGENT)!;
      await other.people.revokeToken('cli', agentsToken.id);
      const revokedAt = Date.now();
      await waitFor(async () => (await server.call('GET', '/api/tickets')).status === 401, { timeoutMs: 5000, what: 'the revocation to reach this process' });
      // The cache trusts a lookup for TOKEN_CACHE_MS; the rest is a loaded machine's slack.
      expect(Date.now() - revokedAt).toBeLessThan(TOKEN_CACHE_MS + 3000);

      expect((await server.call('GET', '/api/tickets', { token: server.tokens.manager })).status).toBe(200);
      await other.people.update('cli', (await other.users.byEmail(MANAGER)).id, { active: false });
      await waitFor(async () => (await server.call('GET', '/api/tickets', { token: server.tokens.manager })).status === 401, {
        timeoutMs: 5000,
        what: 'the deactivation to reach this process',
      });
    } finally {
      await other.close();
    }
  });

  test('the audit log is read newest first, a page at a time, with a cursor; a bad cursor or limit is a 400', async () => {
    for (let i = 0; i < 5; i++) expect((await server.call('POST', '/api/tokens', { token: admin, json: { label: `t${i}` } })).status).toBe(201);
    const first = await server.call('GET', '/api/audit?limit=2', { token: admin });
    expect(first.body.items.map((e: { target: string }) => e.target)).toEqual([expect.stringContaining('(t4)'), expect.stringContaining('(t3)')]);
    const second = await server.call('GET', `/api/audit?limit=2&cursor=${first.body.next}`, { token: admin });
    expect(second.body.items.map((e: { target: string }) => e.target)).toEqual([expect.stringContaining('(t2)'), expect.stringContaining('(t1)')]);
    const third = await server.call('GET', `/api/audit?limit=2&cursor=${second.body.next}`, { token: admin });
    expect(third.body.items.map((e: { target: string }) => e.target)[0]).toEqual(expect.stringContaining('(t0)'));
    // Older still: the imports of the seeded workflows, to the last page.
    let next = third.body.next as string | undefined;
    for (let pages = 0; next !== undefined; pages++) {
      expect(pages).toBeLessThan(10);
      const page = await server.call('GET', `/api/audit?limit=2&cursor=${next}`, { token: admin });
      expect(page.body.items.every((e: { action: string }) => e.action === 'workflow.import')).toBe(true);
      next = page.body.next;
    }
    for (const query of ['limit=0', 'limit=201', 'limit=x', 'cursor=abc', 'cursor=0x10'])
      expect((await server.call('GET', `/api/audit?${query}`, { token: admin })).body.error.code).toBe('validation_failed');
    // Out of range is said as every range is: its bounds named, not "not a whole number".
    for (const limit of ['0', '201', '00']) {
      const refused = await server.call('GET', `/api/audit?limit=${limit}`, { token: admin });
      expect(refused.body.error.details).toEqual([{ field: 'limit', message: expect.any(String), code: 'outOfRange', values: { min: 1, max: 200 } }]);
    }
  });
});
