import { pino } from 'pino';
import { eachDatabase } from '../../helpers/databases.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';

const TICKET = { workflow: 'customer-inquiry', channel: 'chat', subject: 'cannot log in', customer: { name: 'Wang Wei' } };

/** Every route of the API, as `METHOD /openapi/path`. */
const ROUTES = [
  'GET /healthz',
  'GET /api/openapi.json',
  'POST /api/workflows',
  'GET /api/workflows',
  'GET /api/workflows/{key}',
  'GET /api/workflows/{key}/versions',
  'GET /api/workflows/{key}/versions/{version}/bpmn',
  'GET /api/workflows/{key}/draft',
  'PUT /api/workflows/{key}/draft',
  'POST /api/workflows/{key}/draft/check',
  'POST /api/workflows/{key}/draft/discard',
  'POST /api/workflows/{key}/draft/publish',
  'POST /api/workflows/{key}/draft/dry-run',
  'POST /api/workflows/conditions/check',
  'POST /api/workflows/{key}/migrations/plan',
  'POST /api/workflows/{key}/migrations/apply',
  'POST /api/tickets',
  'POST /api/tickets/{id}/events',
  'POST /api/tickets/{id}/messages',
  'POST /api/signals',
  'GET /api/signals/{id}',
  'GET /api/tickets/{id}',
  'PATCH /api/tickets/{id}',
  'GET /api/tickets',
  'GET /api/execution-tables/templates',
  'GET /api/execution-tables',
  'POST /api/execution-tables',
  'GET /api/execution-tables/{id}',
  'POST /api/execution-tables/{id}/rows',
  'PATCH /api/execution-tables/{id}/rows/{rowId}',
  'DELETE /api/execution-tables/{id}/rows/{rowId}',
  'POST /api/execution-tables/{id}/rows/{rowId}/flag',
  'GET /api/execution-tables/{id}/rows/{rowId}/history',
  'GET /api/execution-tables/{id}/export.xlsx',
  'POST /api/execution-tables/{id}/import',
  'GET /api/users',
  'POST /api/users',
  'PATCH /api/users/{id}',
  'POST /api/users/{id}/password',
  'GET /api/tokens',
  'POST /api/tokens',
  'DELETE /api/tokens/{id}',
  'GET /api/audit',
  'GET /api/incidents',
  'POST /api/incidents/{id}/retry',
  'POST /api/incidents/{id}/dismiss',
  'GET /api/reports/subscriptions',
  'POST /api/reports/subscriptions',
  'DELETE /api/reports/subscriptions/{id}',
  'GET /api/reports',
  'GET /api/reports/{id}/download',
  'GET /api/metrics',
  'GET /api/metrics/compare',
  'GET /api/metrics/tickets',
  'GET /api/metrics/tickets.xlsx',
  // Routing (issue 18).
  'GET /api/routing/rules',
  'PUT /api/routing/rules',
  'POST /api/routing/rules/test',
  'PATCH /api/tickets/{id}/classification',
  'POST /api/tickets/{id}/assign',
  'POST /api/tickets/{id}/start',
  'GET /api/routing/lanes',
  'PUT /api/routing/lanes',
  'GET /api/routing/agents',
  'PUT /api/users/{id}/presence',
  'POST /api/webhooks',
  'GET /api/webhooks',
  'DELETE /api/webhooks/{id}',
  'GET /api/webhooks/{id}/deliveries',
  'GET /api/event-log.csv',
  'GET /api/event-log.xes',
];

interface Operation {
  operationId: string;
  security: unknown[];
  parameters?: Array<{ name: string; in: string; required: boolean; schema: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

eachDatabase('HTTP API: errors, access, OpenAPI, health, logs', (database) => {
  let server: TestServer;
  let logs: Array<Record<string, unknown>>;
  beforeEach(async () => {
    logs = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    server = await startTestServer(database(), { workflows: ['customer-inquiry'], logger });
  });
  afterEach(() => server.close());

  test('malformed JSON is 400, a JSON body over 1 MB is 413, an unknown route is 404: all in the error format', async () => {
    const malformed = await server.call('POST', '/api/tickets', { body: '{"workflow": ', type: 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });

    const oversized = await server.call('POST', '/api/tickets', { json: { ...TICKET, subject: 'x'.repeat(1024 * 1024) } });
    expect(oversized.status).toBe(413);
    expect(oversized.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 'JSON_BODY_MAX_BYTES', maximum: 1024 * 1024 } });

    const notJson = await server.call('POST', '/api/tickets', { body: 'workflow=x', type: 'application/x-www-form-urlencoded' });
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'bad_request']);

    const unknown = await server.call('DELETE', '/api/tickets');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await server.call('POST', '/api/tickets', { json: TICKET })).status).toBe(201);
  });

  test('no token, a bad token or another scheme is 401 with WWW-Authenticate', async () => {
    const none = await server.call('GET', '/api/tickets', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sopflow"');

    const bad = await server.call('GET', '/api/tickets', { token: 'sop_not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="sopflow", error="invalid_token"');

    const basic = await server.call('GET', '/api/tickets', { token: null, headers: { authorization: 'Basic YTpi' } });
    expect([basic.status, basic.body.error.code]).toEqual([401, 'unauthorized']);
  });

  test('a token is looked up once and remembered for a short while, not read from the database on every request', async () => {
    expect((await server.call('GET', '/api/workflows')).status).toBe(200);
    await server.app.db.write((trx) => trx('api_tokens').delete());
    expect((await server.call('GET', '/api/workflows')).status).toBe(200);
    expect((await server.call('GET', '/api/workflows', { token: server.tokens.manager })).status).toBe(401);
  });

  test('an unexpected failure is 500 with a generic message naming the request, and is logged with its stack', async () => {
    server.app.tickets.get = () => Promise.reject(new Error('disk on fire'));
    const answer = await server.call('GET', '/api/tickets/1', { headers: { 'x-request-id': 'req-42' } });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: 'internal', message: expect.stringContaining('req-42') } });
    expect(JSON.stringify(answer.body)).not.toContain('disk on fire');
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 50,
        req: expect.objectContaining({ id: 'req-42' }),
        err: expect.objectContaining({ message: 'disk on fire', stack: expect.any(String) }),
      }),
    );
  });

  test('one log line per request: id, method, url, status, duration; never the token or the body', async () => {
    const answer = await server.call('POST', '/api/tickets', { json: { ...TICKET, subject: 'secret subject' } });
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const lines = logs.filter((line) => (line.req as { id?: string } | undefined)?.id === id);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, req: { id, method: 'POST', url: '/api/tickets' }, res: { statusCode: 201 }, responseTime: expect.any(Number) }),
    ]);
    expect(JSON.stringify(logs)).not.toContain(server.tokens.agent);
    expect(JSON.stringify(logs)).not.toContain('secret subject');
  });

  test('GET /healthz is 200 while the database answers and 503 when it does not', async () => {
    const healthy = await server.call('GET', '/healthz', { token: null });
    expect(healthy).toMatchObject({ status: 200, body: { status: 'ok', database: database().name === 'sqlite' ? 'sqlite' : 'pg' } });

    await server.app.db.knex.destroy();
    const down = await server.call('GET', '/healthz', { token: null });
    expect(down).toMatchObject({ status: 503, body: { status: 'unavailable' } });
  });

  test('GET /api/openapi.json is OpenAPI 3.1 describing every route, with its parameters, bodies and errors', async () => {
    const answer = await server.call('GET', '/api/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    const document = answer.body as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, operation })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual([...ROUTES].sort());

    for (const { route, path, operation } of operations) {
      expect([route, typeof operation.operationId]).toEqual([route, 'string']);
      // Every {param} in the path is a required path parameter with a schema.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g))
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true, schema: expect.any(Object) }));
      // Every response is described; every $ref resolves.
      for (const response of Object.values(operation.responses)) expect(response.description).toEqual(expect.any(String));
      for (const [, name] of JSON.stringify(operation).matchAll(/"#\/components\/schemas\/(\w+)"/g)) expect(document.components.schemas).toHaveProperty(name!);
      // Protected routes say they need a bearer token and answer 401 and 403.
      if (operation.security.length) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }

    const advance = document.paths['/api/tickets/{id}/events']!.post!;
    expect(Object.keys(advance.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '422']);
    expect(advance.requestBody!.content['application/json']!.schema).toMatchObject({
      required: ['type'],
      properties: { expectedRevision: { type: 'integer' } },
      additionalProperties: false,
    });
    expect(document.paths['/api/tickets']!.get!.parameters).toContainEqual(expect.objectContaining({ name: 'limit', in: 'query', required: false }));
    expect(Object.keys(document.paths['/api/workflows']!.post!.requestBody!.content)).toContain('application/xml');
    expect(document.paths['/api/execution-tables/{id}/import']!.post!.requestBody!.content['multipart/form-data']!.schema).toMatchObject({
      required: ['file'],
    });
    // A route's own 400 names the refusal codes it adds to the schema's
    expect(document.paths['/api/execution-tables/{id}/import']!.post!.responses['400']!.description).toMatch(/notAWorkbook.*formulaNotComputed/);
    expect(document.paths['/api/workflows/{key}/migrations/apply']!.post!.responses['400']!.description).toContain('ticketCannotMove');
    expect(Object.keys(document.paths['/api/execution-tables/{id}/export.xlsx']!.get!.responses['200']!.content!)).toEqual([
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ]);

    // And every documented route is served: none answers "no route".
    for (const { route } of operations) {
      const [method, path] = route.split(' ') as [string, string];
      const called = await server.call(
        method,
        path.replace('{key}', 'customer-inquiry').replace('{version}', '1').replace('{id}', '1').replace('{rowId}', '1'),
      );
      expect([route, called.body?.error?.message ?? 'served']).toEqual([route, expect.not.stringMatching(/^no route/)]);
    }
  });
});
