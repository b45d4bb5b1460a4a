import { eachDatabase } from '../../helpers/databases.js';
import { createI18n, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { decode, FormClient, testId } from './support/form-client.js';
import { AGENT, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

const zh = createI18n(LOCALES_DIR).formatter('zh-CN');

async function auditCount(server: TestServer): Promise<number> {
  // Changes to people and tokens; the seeded workflows' imports are audited too.
  const [{ n }] = (await server.app.db.knex('audit_log').whereNot('action', 'like', 'workflow.%').count({ n: '*' })) as [{ n: number | string }];
  return Number(n);
}

eachDatabase('pages: /admin manages people, tokens and shows the audit log', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
  });
  afterEach(() => server.close());

  test('an admin adds a user (the generated password shown once), changes the role, makes a token, deactivates: the user is signed out; every change is in the audit log on the page', async () => {
    const admin = await FormClient.signedIn(server.url, PEOPLE.admin);
    expect((await admin.get('/admin')).status).toBe(200);

    const added = await admin.post('/admin/users', { email: 'Zhao.Lei@agents.test', name: 'Zhao Lei', role: 'agent', password: '' });
    expect(added.status).toBe(200);
    const password = testId(added.html, 'admin-secret')!;
    expect(password).toMatch(/^\S{20}$/);
    const zhao = await server.app.users.byEmail('zhao.lei@agents.test');

    const person = await FormClient.signedIn(server.url, { email: 'zhao.lei@agents.test', password });
    expect((await person.get('/queue')).status).toBe(200);
    expect((await person.get('/workflows')).status).toBe(403);

    expect(await admin.post(`/admin/users/${zhao.id}/role`, { role: 'manager' })).toMatchObject({ status: 303, location: '/admin' });
    expect((await admin.get('/admin')).html).toContain('zhao.lei@agents.test is now manager.');
    expect((await person.get('/workflows')).status).toBe(200);

    const token = testId((await admin.post(`/admin/users/${zhao.id}/tokens`, { label: 'crm' })).html, 'admin-secret')!;
    expect(token).toMatch(/^sop_/);
    expect((await server.call('GET', '/api/tickets', { token })).status).toBe(200);

    expect(await admin.post(`/admin/users/${zhao.id}/active`, { active: 'false' })).toMatchObject({ status: 303 });
    expect(await person.get('/queue')).toMatchObject({ status: 303, location: '/?next=%2Fqueue' });
    expect((await server.call('GET', '/api/tickets', { token })).status).toBe(401);
    const page = await admin.get('/admin');
    expect(testId(page.html, 'status-zhao.lei@agents.test')).toMatch(/^deactivated /);
    for (const action of ['user added', 'role changed', 'token created', 'deactivated']) expect(page.html).toContain(`<td>${action}</td>`);
    expect(page.html).toContain('role: agent → role: manager');
    expect(page.html).not.toContain(password);
    expect(page.html).not.toContain(token);
  });

  test('an admin revokes a token and resets a password from the page; refusals re-show the page with the reason and write nothing; forms without the CSRF token are refused', async () => {
    const admin = await FormClient.signedIn(server.url, PEOPLE.admin, 'zh-CN');
    const tokens = await server.app.people.tokens('cli');
    const agentsToken = tokens.find((t) => t.email === AGENT)!;
    await admin.get('/admin');
    expect((await admin.post(`/admin/tokens/${agentsToken.id}/revoke`, {})).status).toBe(303);
    expect((await server.call('GET', '/api/tickets')).status).toBe(401);

    const agent = await server.app.users.byEmail(AGENT);
    const reset = await admin.post(`/admin/users/${agent.id}/password`, { password: '' });
    const password = testId(reset.html, 'admin-secret')!;
    expect((await new FormClient(server.url).signIn(AGENT, PEOPLE.agent.password)).status).toBe(401);
    expect((await new FormClient(server.url).signIn(AGENT, password)).status).toBe(303);
    // The audit log in the reader's language: what was changed and how, not the services' stored English.
    const audited = (await admin.get('/admin')).html;
    const resetRow = `<td>${zh.t('admin.audit.targets.user', { id: agent.id, email: AGENT })}</td><td>${zh.t('admin.audit.field', { name: zh.t('admin.audit.fields.password'), value: zh.t('admin.audit.passwords.generated') })}</td>`;
    expect(audited).toContain(resetRow);
    expect(audited).toContain(`<td>${zh.t('admin.audit.targets.workflow', { key: 'customer-inquiry', version: 1 })}</td>`);
    expect(audited).not.toMatch(/<td>(user|token|workflow) /);

    const before = await auditCount(server);
    const self = await server.app.users.byEmail(PEOPLE.admin.email);
    const lastAdmin = await admin.post(`/admin/users/${self.id}/active`, { active: 'false' });
    expect(lastAdmin.status).toBe(409);
    // Each refusal by its code, worded in the reader's language by the catalog, never the service's English message.
    const refusal = (html: string) => ({
      codes: /data-testid="admin-refused" data-problems="([^"]*)"/.exec(html)?.[1],
      reasons: [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => decode(m[1]!)),
    });
    expect(refusal(lastAdmin.html)).toEqual({ codes: 'last_admin', reasons: [zh.t('admin.refusals.last_admin')] });
    const badEmail = await admin.post('/admin/users', { email: 'nope', role: 'agent', password: '' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.html).toContain('未做任何更改');
    const inChinese = (field: string, code: string, values: Record<string, unknown> = {}) =>
      zh.t('admin.refusal', { field: zh.t(`admin.fields.${field}`), problem: zh.t(`problems.${code}`, values) });
    expect(refusal(badEmail.html)).toEqual({ codes: 'email:notAnEmail', reasons: [inChinese('email', 'notAnEmail', { value: 'nope' })] });
    const badRole = await admin.post(`/admin/users/${agent.id}/role`, { role: 'boss' });
    expect(refusal(badRole.html)).toEqual({ codes: 'role:roleUnknown', reasons: [inChinese('role', 'roleUnknown', { value: 'boss' })] });
    expect(refusal(badRole.html).reasons[0]).toContain(zh.t('roles.manager'));
    const longName = await admin.post('/admin/users', { email: 'new@agents.test', name: '名'.repeat(201), role: 'agent', password: '' });
    expect(refusal(longName.html)).toEqual({ codes: 'name:lengthBetween', reasons: [inChinese('name', 'lengthBetween', { min: 1, max: 200 })] });
    const taken = await admin.post('/admin/users', { email: AGENT, role: 'agent', password: '' });
    expect([taken.status, refusal(taken.html)]).toEqual([409, { codes: 'exists', reasons: [zh.t('admin.refusals.exists')] }]);
    expect((await admin.post(`/admin/users/${agent.id}/role`, { role: 'manager' }, { csrf: false })).status).toBe(403);
    expect(await auditCount(server)).toBe(before);
    expect((await server.app.users.byEmail(AGENT)).role).toBe('agent');
  });

  test('agents and managers get a 403 page on /admin and on every admin form', async () => {
    for (const person of [PEOPLE.agent, PEOPLE.manager]) {
      const browser = await FormClient.signedIn(server.url, person);
      await browser.get('/queue');
      expect((await browser.get('/admin')).status).toBe(403);
      for (const path of [
        '/admin/users',
        '/admin/users/1/role',
        '/admin/users/1/active',
        '/admin/users/1/password',
        '/admin/users/1/tokens',
        '/admin/tokens/1/revoke',
      ])
        expect({ path, status: (await browser.post(path, { role: 'admin', active: 'false' })).status }).toEqual({ path, status: 403 });
    }
    expect(await auditCount(server)).toBe(0);
  });
});
