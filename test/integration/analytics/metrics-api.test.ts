import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';
import { ANN, BOB, HOUR, KPI_SOP, MIN, ticket } from './support/scenario.js';

const DAY = 24 * HOUR;

eachDatabase('GET /api/metrics', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database(), { workflows: [] });
    await server.app.workflows.import(KPI_SOP, ANN);
    // one answered and closed, one abandoned, one left waiting at Answer
    await ticket(server.app, T0, 'phone', [
      [2, 'answer', ANN],
      [12, 'resolve', ANN],
      [15, 'close', BOB, { satisfaction: 4 }],
    ]);
    await ticket(server.app, T0 + HOUR, 'chat', [[3, 'abandon', 'ivr@kpi.test']]);
    await ticket(server.app, T0 + 2 * HOUR, 'phone', []);
    server.app.clock.set(T0 + 3 * HOUR);
  });
  afterEach(() => server.close());

  const manager = () => ({ token: server.tokens.manager });

  test('managers get the engine’s figures as JSON; agents and strangers are refused', async () => {
    const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + DAY).toISOString()}`;
    const answer = await server.call('GET', `/api/metrics?workflow=kpi-sop&${range}&groupBy=channel`, manager());
    expect(answer.status).toBe(200);
    const direct = await server.app.analytics.metrics({ workflow: 'kpi-sop', from: T0, to: T0 + DAY, groupBy: 'channel' });
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(direct)));
    expect(answer.body.kpis).toMatchObject({ tickets: 3, open: 1, closed: 2, abandonment: { rate: 0.5, n: 2 }, csat: { mean: 4, satisfiedShare: 1, n: 1 } });
    expect(answer.body.groups.map((g: { key: string }) => g.key)).toEqual(['chat', 'phone']);

    expect((await server.call('GET', '/api/metrics?workflow=kpi-sop')).status).toBe(403);
    expect((await server.call('GET', '/api/metrics?workflow=kpi-sop', { token: null })).status).toBe(401);
  });

  test('the period defaults to the last 30 days; an ISO date starts at 00:00 of ANALYTICS_UTC_OFFSET (+08:00)', async () => {
    const byDefault = await server.call('GET', '/api/metrics?workflow=kpi-sop', manager());
    expect(byDefault.body.query).toMatchObject({ from: T0 + 3 * HOUR - 30 * DAY, to: T0 + 3 * HOUR });
    expect(byDefault.body.kpis.tickets).toBe(3);
    // T0 is 2026-11-23 17:00 in Shanghai: the day 2026-11-23 there began at 2026-11-22T16:00Z
    const byDate = await server.call('GET', '/api/metrics?workflow=kpi-sop&from=2026-11-23&to=2026-11-24&vip=false', manager());
    expect(byDate.body.query).toMatchObject({ from: Date.parse('2026-11-22T16:00:00Z'), to: Date.parse('2026-11-23T16:00:00Z'), vip: false });
    expect(byDate.body.kpis.tickets).toBe(3);
  });

  test('bad input answers 400 naming the field', async () => {
    const bad = async (query: string) => {
      const answer = await server.call('GET', `/api/metrics${query}`, manager());
      expect(answer.status).toBe(400);
      return (answer.body.error.details as Array<{ field: string }>).map((d) => d.field);
    };
    expect(await bad('?from=yesterday')).toEqual(['from']);
    expect(await bad('?from=2026-11-24&to=2026-11-23')).toEqual(['from']);
    expect(await bad('?groupBy=colour')).toEqual(['groupBy']);
    expect(await bad('?vip=yes')).toEqual(['vip']);
    expect(await bad('?version=0')).toEqual(['version']);
    expect(await bad('?colour=blue')).toEqual(['colour']);
    const tickets = await server.call('GET', '/api/metrics/tickets?kpi=everything&limit=501', manager());
    expect(tickets.status).toBe(400);
    expect(tickets.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['kpi', 'limit']);
    const compare = await server.call('GET', '/api/metrics/compare?fromA=2026-11-24&toA=2026-11-23', manager());
    expect(compare.status).toBe(400);
    expect(compare.body.error.details).toEqual([{ field: 'fromA', message: 'must be before toA' }]);
  });

  test('a workflow or version that does not exist is 404 not_found, never figures of no tickets; a version needs its workflow', async () => {
    const code = async (path: string) => {
      const answer = await server.call('GET', path, manager());
      return [answer.status, answer.body?.error?.code];
    };
    for (const path of [
      '/api/metrics?workflow=kpi-sop-typo',
      '/api/metrics?workflow=kpi-sop&version=9',
      '/api/metrics/compare?workflow=kpi-sop&versionA=1&versionB=7',
      '/api/metrics/tickets?workflow=kpi-sop-typo',
      '/api/metrics/tickets.xlsx?workflow=kpi-sop&version=2',
    ])
      expect([path, ...(await code(path))]).toEqual([path, 404, 'not_found']);
    const pooled = await server.call('GET', '/api/metrics?version=1', manager());
    expect([pooled.status, pooled.body.error.code, pooled.body.error.details]).toEqual([
      400,
      'validation_failed',
      [{ field: 'version', message: 'needs workflow' }],
    ]);
    const compare = await server.call('GET', '/api/metrics/compare?versionB=1', manager());
    expect([compare.status, compare.body.error.details[0].field]).toEqual([400, 'versionB']);
    expect(await code('/api/metrics?workflow=kpi-sop&version=1')).toEqual([200, undefined]);
  });

  test('every figure drills down to its tickets, page by page; before/after compares two periods', async () => {
    const metrics = await server.call('GET', '/api/metrics?workflow=kpi-sop', manager());
    const drill = async (kpi: string) => (await server.call('GET', `/api/metrics/tickets?workflow=kpi-sop&kpi=${kpi}`, manager())).body.total as number;
    expect(await drill('tickets')).toBe(metrics.body.kpis.tickets);
    expect(await drill('open')).toBe(metrics.body.kpis.open);
    expect(await drill('abandoned')).toBe(1);
    expect(await drill('csat')).toBe(metrics.body.kpis.csat.n);
    const first = await server.call('GET', '/api/metrics/tickets?workflow=kpi-sop&limit=2', manager());
    expect(first.body).toMatchObject({ total: 3, next: expect.any(String) });
    const rest = await server.call('GET', `/api/metrics/tickets?workflow=kpi-sop&limit=2&cursor=${first.body.next}`, manager());
    expect(rest.body.rows).toHaveLength(1);
    expect(rest.body.next).toBeUndefined();
    expect(rest.body.rows[0]).toMatchObject({ channel: 'phone', closedAt: null, firstResponseMs: null });

    const split = new Date(T0 + 30 * MIN).toISOString();
    const compare = await server.call('GET', `/api/metrics/compare?workflow=kpi-sop&toA=${split}&fromB=${split}`, manager());
    expect(compare.status).toBe(200);
    expect(compare.body.rows.find((r: { kpi: string }) => r.kpi === 'abandonment')).toMatchObject({ a: 0, b: 1, nA: 1, nB: 1, verdict: expect.any(String) });
    expect((await server.call('GET', '/api/metrics/compare?workflow=kpi-sop')).status).toBe(403);
  });

  test('the OpenAPI document describes the three calls', async () => {
    const document = await server.call('GET', '/api/openapi.json', { token: null });
    for (const path of ['/api/metrics', '/api/metrics/compare', '/api/metrics/tickets']) {
      expect(document.body.paths[path].get).toMatchObject({ tags: ['analytics'], description: 'Needs at least the manager role.' });
    }
    const parameters = document.body.paths['/api/metrics'].get.parameters.map((p: { name: string }) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(['workflow', 'version', 'from', 'to', 'groupBy', 'channel', 'level', 'vip', 'agent']));
  });
});
