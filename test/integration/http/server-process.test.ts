import { request } from 'node:http';
import { eachDatabase, sqliteDatabase } from '../../helpers/databases.js';
import { waitFor } from '../../helpers/wait-for.js';
import { FormClient } from '../web/support/form-client.js';
import { prepareDatabase, startServerProcess, type ServerProcess } from './support/server-process.js';

const TICKETS = 16;
/** Advances acknowledged before the kill. */
const ACKNOWLEDGED_BEFORE_KILL = 120;
const TICKET = { workflow: 'customer-inquiry', channel: 'chat', subject: 'stream', customer: { name: 'Zhou' } };

/** The n-th event of a customer inquiry that keeps being reopened: answer, grade, then resolve → feedback → unresolved follow-up, round and round. */
function eventAt(n: number): { type: string; fields?: Record<string, unknown> } {
  if (n === 0) return { type: 'answer' };
  if (n === 1) return { type: 'grade', fields: { level: 'L1' } };
  return [{ type: 'resolve' }, { type: 'send_feedback' }, { type: 'record_follow_up', fields: { satisfaction: 2, resolved: false } }][(n - 2) % 3]!;
}

/** GET on a connection of its own, closed after the answer. */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

eachDatabase('the server process', (database) => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    server = undefined;
  });

  async function call(method: string, path: string, token: string, json?: unknown) {
    return fetch(server!.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
  }

  test('killed with SIGKILL during a stream of advances, it loses none it acknowledged', async () => {
    const { token } = await prepareDatabase(database());
    server = await startServerProcess(database());
    const ids: number[] = [];
    for (let i = 0; i < TICKETS; i++) ids.push(((await (await call('POST', '/api/tickets', token, TICKET)).json()) as { id: number }).id);

    // when every ticket is advanced as fast as the server answers, and the server is killed mid-stream
    const acknowledged = new Map<number, string[]>(ids.map((id) => [id, []]));
    let total = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    const stream = async (id: number) => {
      const events = acknowledged.get(id)!;
      for (;;) {
        const event = eventAt(events.length);
        inFlight++;
        const response = await call('POST', `/api/tickets/${id}/events`, token, { ...event, expectedRevision: events.length + 1 }).catch(() => undefined);
        inFlight--;
        if (!response) return; // cut by the kill: not acknowledged
        await response.arrayBuffer().catch(() => undefined);
        if (response.status !== 200) throw new Error(`advance ${event.type} of ticket ${id} answered ${response.status}`);
        events.push(event.type);
        if (++total === ACKNOWLEDGED_BEFORE_KILL) {
          inFlightAtKill = inFlight;
          server!.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(ids.map(stream));
    expect(await server.exited).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThan(0);

    // then, restarted on the same database, every acknowledged advance is there
    server = await startServerProcess(database());
    for (const [id, events] of acknowledged) {
      const ticket = (await (await call('GET', `/api/tickets/${id}`, token)).json()) as {
        revision: number;
        stepLog: Array<{ event?: string; automatic: boolean }>;
      };
      const logged = ticket.stepLog.filter((visit) => !visit.automatic && visit.event).map((visit) => visit.event);
      // At most one more: an advance committed as the process died, before its answer went out.
      expect(logged.slice(0, events.length)).toEqual(events);
      expect(logged.length - events.length).toBeLessThanOrEqual(1);
      expect(ticket.revision).toBe(1 + logged.length);
    }
    // two server processes start in this test: on a busy machine that alone can take most of 30 s
  }, 90_000);

  test('SIGTERM: new connections are refused, the advance in flight completes and is stored, the exit code is 0', async () => {
    const { token } = await prepareDatabase(database());
    server = await startServerProcess(database());
    const { id } = (await (await call('POST', '/api/tickets', token, TICKET)).json()) as { id: number };

    // given an advance whose body is only half sent
    const body = JSON.stringify({ type: 'answer', expectedRevision: 1 });
    const advance = request(`${server.url}/api/tickets/${id}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      advance.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body: text }));
      });
      advance.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => advance.write(body.slice(0, 10), (error) => (error ? reject(error) : resolve())));
    // The server has read the advance's headers (it is in flight) once it answers a request sent after them.
    expect(await statusOf(`${server.url}/healthz`)).toBe(200);

    // when the server is told to stop
    server.child.kill('SIGTERM');
    await server.logged(/shutting down/);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    // then the request in flight still gets its answer, and the process exits 0
    advance.end(body.slice(10));
    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ id, revision: 2, state: ['Task_Grade'] });
    expect(await server.exited).toBe(0);

    server = await startServerProcess(database());
    expect(await (await call('GET', `/api/tickets/${id}`, token)).json()).toMatchObject({ revision: 2, state: ['Task_Grade'] });
  });
});

/** True while a process with this id exists. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  test('on a fresh database it publishes the built-in SOPs; a signal sent to npm reaches the server, which shuts down cleanly', async () => {
    const database = sqliteDatabase();
    const admin = { email: 'first.admin@sopflow.test', password: 'a first admin passphrase' };
    const server = await startServerProcess(database, { throughNpm: true, env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } });
    try {
      expect(server.pid).not.toBe(server.child.pid);
      // a fresh database: the first start publishes the built-in SOPs
      await server.logged(/built-in SOPs published/);
      // and the first admin's home says what to do next, with links that work
      const page = await FormClient.signedIn(server.url, admin);
      const home = await page.get('/admin');
      expect(home.html).toContain('data-testid="getting-started"');
      expect(home.html).toContain('href="#add-people"');
      expect(home.html).toContain('id="add-people"');
      // made by the server at its start, and recorded as such
      const audit = JSON.parse((await page.get('/api/audit')).html) as { items: Array<{ action: string; actor: string; after: { email?: string } }> };
      expect(audit.items).toContainEqual(
        expect.objectContaining({ action: 'user.add', actor: 'sopflow-server', after: expect.objectContaining({ email: admin.email }) }),
      );
      const workflows = await page.get('/workflows');
      expect(workflows.status).toBe(200);
      for (const key of ['customer-inquiry', 'complaint-handling', 'email-support', 'phone-service', 'standard-service']) expect(workflows.html).toContain(key);
      expect(await statusOf(`${server.url}/healthz`)).toBe(200);
      server.child.kill('SIGTERM');
      await server.logged(/^stopped$/);
      expect(await server.exited).toBe(0);
      await waitFor(() => !running(server.pid), { what: `server process ${server.pid} to exit` });
    } finally {
      if (running(server.pid)) process.kill(server.pid, 'SIGKILL');
      await database.drop();
    }
  });
});
