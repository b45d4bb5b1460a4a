import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrationSource } from '../../../server/data/migrations/index.js';
import { openSopflow } from '../../../server/sopflow.js';
import { sopflow as run } from '../../helpers/cli.js';
import { eachDatabase, sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { testConfig } from '../../helpers/sopflow.js';
import { startTestServer } from '../../helpers/web-server.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const INQUIRY = join(root, 'workflows/customer-inquiry.bpmn');
const UNEXECUTABLE = join(root, 'test/fixtures/corpus/bpmn-miwg-test-suite/bpmn.io (Camunda Modeler) 18.6.1/C.9.1-export.bpmn');

/** `sopflow …` on the test database, as an operator runs it. */
const sopflow = (database: TestDatabase, ...args: string[]) => run(database.env, ...args);

eachDatabase('sopflow migrate and token create', (database) => {
  test('migrate brings the schema up to date and says what is applied', async () => {
    const { code, stdout } = await sopflow(database(), 'migrate');
    expect(code).toBe(0);
    const migrations = await migrationSource.getMigrations([]);
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^(SQLite|PostgreSQL) .*: ${migrations.length} migration\\(s\\) applied, 0 pending$`)),
      ...migrations.map((name) => `  ${name}`),
    ]);
    expect(migrations).toEqual(expect.arrayContaining(['2026-11-23-01-initial', '2026-11-23-03-sessions']));
  });

  test("token create prints the token and a curl example; the token works on the API with its user's role", async () => {
    await sopflow(database(), 'user', 'add', 'bot@programs.test', '--role', 'agent');
    const created = await sopflow(database(), 'token', 'create', 'bot@programs.test', '--label', 'crm');
    expect(created.code).toBe(0);
    const [token, example] = created.stdout.trim().split('\n');
    expect(token).toMatch(/^sop_\S{30,}$/);
    expect(example).toContain(`curl -H "Authorization: Bearer ${token}" http://localhost:`);

    const server = await startTestServer(database());
    try {
      expect((await server.call('GET', '/api/tickets', { token: token! })).status).toBe(200);
      expect((await server.call('POST', '/api/workflows', { token: token!, body: '<x/>', type: 'application/xml' })).status).toBe(403);
    } finally {
      await server.close();
    }

    expect(await sopflow(database(), 'token', 'create', 'nobody@programs.test')).toMatchObject({ code: 1, stderr: 'sopflow: no user nobody@programs.test\n' });
  });
});

// The services under these commands are tested on both databases; here the command line is, on SQLite.
describe('sopflow import and user add [sqlite]', () => {
  let current: TestDatabase;
  const database = () => current;
  beforeEach(() => {
    current = sqliteDatabase();
  });
  afterEach(() => current.drop());

  test('import: created, then unchanged; an unexecutable file is one line per problem and exit 1', async () => {
    await sopflow(database(), 'user', 'add', 'ops@sopflow.test', '--role', 'manager');
    await sopflow(database(), 'user', 'add', 'agent@sopflow.test', '--role', 'agent');
    await sopflow(database(), 'user', 'add', 'gone@sopflow.test', '--role', 'manager');
    await sopflow(database(), 'user', 'deactivate', 'gone@sopflow.test');
    // --by names someone who may publish; anyone else is refused, naming the option and its value, and nothing is published
    for (const by of ['nobody@sopflow.test', 'agent@sopflow.test', 'gone@sopflow.test']) {
      const refused = await sopflow(database(), 'import', INQUIRY, '--by', by);
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(new RegExp(`^sopflow: --by "${by}": .+\n$`));
    }
    expect(await sopflow(database(), 'import', INQUIRY, '--by', 'OPS@sopflow.test')).toMatchObject({ code: 0, stdout: 'customer-inquiry version 1 created\n' });
    expect(await sopflow(database(), 'import', INQUIRY)).toMatchObject({ code: 0, stdout: 'customer-inquiry version 1 unchanged\n' });

    const invalid = await sopflow(database(), 'import', UNEXECUTABLE);
    expect(invalid.code).toBe(1);
    // the problems are errors here, on stderr: nothing on stdout
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Event_0r6z74c boundaryEvent: /),
      expect.stringMatching(/^Event_08bx9nv boundaryEvent: /),
    ]);
  });

  test("import --by records the publisher as the API would: the user's email", async () => {
    await sopflow(database(), 'user', 'add', 'chief@sopflow.test', '--role', 'admin');
    expect((await sopflow(database(), 'import', INQUIRY, '--by', 'Chief@sopflow.test')).code).toBe(0);
    const app = await openSopflow(testConfig(database()));
    try {
      expect(await app.workflows.latest('customer-inquiry')).toMatchObject({ version: 1, publishedBy: 'chief@sopflow.test' });
    } finally {
      await app.close();
    }
  });

  test('user add prints a generated password once, which then signs in; a second add or a bad role is one line and exit 1', async () => {
    const added = await sopflow(database(), 'user', 'add', 'Li.Na@agents.test', '--role', 'agent', '--name', 'Li Na');
    expect(added.code).toBe(0);
    const [first, second, ...rest] = added.stdout.trim().split('\n');
    expect([first, rest]).toEqual(['added li.na@agents.test as agent ("Li Na")', []]);
    const password = /^password: (\S+) {2}\(shown this once\)$/.exec(second!)![1]!;

    const chosen = await sopflow(database(), 'user', 'add', 'chen@managers.test', '--role', 'manager', '--password', 'correct horse');
    expect(chosen).toMatchObject({ code: 0, stdout: 'added chen@managers.test as manager ("chen")\n' });
    // an empty --password is a password too short, not a request for a generated one
    const empty = await sopflow(database(), 'user', 'add', 'empty@agents.test', '--role', 'agent', '--password', '');
    expect(empty).toMatchObject({ code: 1, stdout: '' });
    // the name's bound is the API's: the service holds it for every way in
    const long = await sopflow(database(), 'user', 'add', 'long@agents.test', '--role', 'agent', '--name', 'N'.repeat(201));
    expect(long).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('200') });

    const app = await openSopflow(testConfig(database()));
    try {
      expect(await app.users.checkPassword('li.na@agents.test', password)).toMatchObject({ role: 'agent', name: 'Li Na' });
      expect(await app.users.checkPassword('chen@managers.test', 'correct horse')).toMatchObject({ role: 'manager' });
    } finally {
      await app.close();
    }

    for (const args of [
      ['li.na@agents.test', '--role', 'agent'],
      ['zhou@agents.test', '--role', 'boss'],
    ]) {
      const refused = await sopflow(database(), 'user', 'add', ...args);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^sopflow: .+\n$/);
    }
  });
});
