import { sopflow as run } from '../../helpers/cli.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { waitFor } from '../../helpers/wait-for.js';
import { FormClient } from '../web/support/form-client.js';
import { AGENT, MANAGER, PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';

/** `sopflow …` on the test database, as an operator runs it beside the running server. */
const sopflow = (database: TestDatabase, ...args: string[]) => run(database.env, ...args);

// The services are tested on both databases (people-api.test.ts); here the command line is, on SQLite, against
// a running server: each command opens an app of its own over the same database, as another process would, so
// its changes reach the server's token cache within TOKEN_CACHE_MS, set
// short here (the default is 1 s) so the test does not wait it out three times.
describe('sopflow user deactivate/role/reset-password, token list/revoke [sqlite]', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeEach(async () => {
    database = sqliteDatabase();
    server = await startTestServer(database, { config: { tokenCacheMs: 200 } });
  });
  afterEach(async () => {
    await server.close();
    await database.drop();
  });

  const status = async (token: string, path = '/api/tickets') => (await server.call('GET', path, { token })).status;

  test('role, token list and revoke, reset-password and deactivate apply to the running server within the token cache time; each is audited as sopflow-cli', async () => {
    const agent = server.tokens.agent;
    expect(await status(agent, '/api/execution-tables')).toBe(403);
    expect(await sopflow(database, 'user', 'role', AGENT, 'manager')).toMatchObject({ code: 0, stdout: `${AGENT} is now manager\n` });
    await waitFor(async () => (await status(agent, '/api/execution-tables')) === 200, { timeoutMs: 3000, what: 'the role change to reach the server' });

    const listed = await sopflow(database, 'token', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^\\d+\\t${MANAGER}\\t-\\t\\S+\\tactive$`)),
      expect.stringMatching(new RegExp(`^\\d+\\t${AGENT}\\t-\\t\\S+\\tactive$`)),
    ]);
    expect(listed.stdout).not.toContain(agent);
    const own = await sopflow(database, 'token', 'list', AGENT);
    expect(own.stdout.trim().split('\n')).toEqual([lines[1]]);

    const id = lines[1]!.split('\t')[0]!;
    expect(await sopflow(database, 'token', 'revoke', id)).toMatchObject({ code: 0, stdout: `revoked token ${id} of ${AGENT}\n` });
    await waitFor(async () => (await status(agent)) === 401, { timeoutMs: 3000, what: 'the revocation to reach the server' });
    expect(await sopflow(database, 'token', 'revoke', '0x1')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^sopflow: "0x1" is not a token id/) });

    const browser = await FormClient.signedIn(server.url, PEOPLE.manager);
    const reset = await sopflow(database, 'user', 'reset-password', MANAGER);
    expect(reset.code).toBe(0);
    const password = /^password: (\S+) {2}\(shown this once\)$/m.exec(reset.stdout)![1]!;
    expect((await browser.get('/workflows')).status).toBe(303);
    expect((await new FormClient(server.url).signIn(MANAGER, PEOPLE.manager.password)).status).toBe(401);
    const again = await FormClient.signedIn(server.url, { email: MANAGER, password });
    expect((await again.get('/workflows')).status).toBe(200);

    const managerToken = server.tokens.manager;
    expect(await status(managerToken)).toBe(200);
    expect(await sopflow(database, 'user', 'deactivate', MANAGER)).toMatchObject({ code: 0, stdout: `deactivated ${MANAGER}\n` });
    expect((await again.get('/workflows')).status).toBe(303);
    await waitFor(async () => (await status(managerToken)) === 401, { timeoutMs: 3000, what: 'the deactivation to reach the server' });
    expect(await sopflow(database, 'user', 'deactivate', PEOPLE.admin.email)).toMatchObject({ code: 1, stderr: expect.stringContaining('last active admin') });

    const entries = (await server.app.audit.page()).items.filter((e) => !e.action.startsWith('workflow.'));
    expect(entries.map((e) => [e.actor, e.action])).toEqual([
      ['sopflow-cli', 'user.deactivate'],
      ['sopflow-cli', 'user.password_reset'],
      ['sopflow-cli', 'token.revoke'],
      ['sopflow-cli', 'user.role'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(password);
  });
});
