// The event log streams: a large log leaves in many chunks as it is read, and a reader that goes away stops
// the reading. (Memory is measured in the benchmark's analytics section, not here.)
import { Writable } from 'node:stream';
import { finishHistoryLoad, loadHistory, type HistoryVisit } from '../../../server/data/analytics/bulk-history.js';
import { KnexEventLogReadModel, type EventLogReadModel } from '../../../server/data/analytics/event-log-read-model.js';
import { EventLog } from '../../../server/services/analytics/event-log.js';
import { eachDatabase } from '../../helpers/databases.js';
import { T0 } from '../../helpers/sopflow.js';
import { startTestServer, type TestServer } from '../../helpers/web-server.js';

const TICKETS = 3_000;
const VISITS = 8;

eachDatabase('event log streaming', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
    // given: 3,000 closed inquiries of 8 visits each, written in bulk (24,000 step-log rows, 48,000 events)
    const { id: versionId, workflow } = await server.app.workflows.latest('customer-inquiry');
    const steps = Object.values(workflow.steps).filter((s) => !s.waitingOnCustomer);
    const visits: HistoryVisit[] = [];
    for (let id = 1; id <= TICKETS; id++)
      for (let k = 0; k < VISITS; k++) {
        const step = steps[k % steps.length]!;
        const enteredAt = T0 + id * 60_000 + k * 1_000;
        visits.push({
          ticketId: id,
          visit: k + 1,
          step: step.id,
          stepName: step.name,
          owner: null,
          enteredAt,
          exitedAt: enteredAt + 1_000,
          durationMs: 1_000,
          actor: 'agent@example.test',
          event: 'done',
          slaMs: null,
          breached: false,
          automatic: false,
        });
      }
    await loadHistory(server.app.db, {
      customers: [{ id: 1, name: 'Customer', externalId: 'c-1', createdAt: T0 }],
      tickets: Array.from({ length: TICKETS }, (_, i) => ({
        id: i + 1,
        workflowVersionId: versionId,
        workflowKey: 'customer-inquiry',
        channel: 'chat',
        subject: `ticket ${i + 1}`,
        customerId: 1,
        vip: false,
        level: 'L1',
        createdAt: T0 + (i + 1) * 60_000,
        updatedAt: T0 + (i + 1) * 60_000 + VISITS * 1_000,
        closedAt: T0 + (i + 1) * 60_000 + VISITS * 1_000,
        createdBy: 'bulk@example.test',
      })),
      visits,
    });
    await finishHistoryLoad(server.app.db, server.app.clock.now());
  });
  afterEach(() => server.close());

  test('a large log arrives chunked, no length announced, every event in it', async () => {
    const response = await fetch(`${server.url}/api/event-log.xes`, { headers: { authorization: `Bearer ${server.tokens.manager}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(response.headers.get('content-length')).toBeNull();
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let chunks = 0;
    let events = 0;
    let traces = 0;
    let tail = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks += 1;
      const text = tail + decoder.decode(read.value, { stream: true });
      events += text.split('<event>').length - 1;
      traces += text.split('<trace>').length - 1;
      tail = text.slice(-8);
      // NOTE: a tag cut between two chunks would be counted twice otherwise.
      events -= tail.split('<event>').length - 1;
      traces -= tail.split('<trace>').length - 1;
    }
    expect(chunks).toBeGreaterThan(10);
    expect(traces).toBe(TICKETS);
    expect(events).toBe(TICKETS * VISITS * 2);
    expect(tail.endsWith('</log>\n')).toBe(true);
  });

  test('a reader that goes away stops the reading: the service stops paging, the server serves on', async () => {
    // over HTTP: the client hangs up after the first chunk
    const abort = new AbortController();
    const response = await fetch(`${server.url}/api/event-log.csv`, { headers: { authorization: `Bearer ${server.tokens.manager}` }, signal: abort.signal });
    await response.body!.getReader().read();
    abort.abort();
    expect((await server.call('GET', '/healthz', { token: null })).status).toBe(200);

    // in the service: an output that fails after its first chunk; the pages read are counted
    const model = new KnexEventLogReadModel(server.app.db);
    let pages = 0;
    const counting: EventLogReadModel = {
      async *cases(filter, batch) {
        for await (const page of model.cases(filter, batch)) {
          pages += 1;
          yield page;
        }
      },
    };
    const log = new EventLog(counting, server.app.workflows, { batchTickets: 50 });
    let written = 0;
    const output = new Writable({
      write(_chunk, _encoding, done) {
        written += 1;
        done(written > 1 ? new Error('the client went away') : null);
      },
    });
    await expect(log.write('xes', {}, output)).rejects.toThrow('the client went away');
    expect(pages).toBeLessThan(TICKETS / 50 / 4);

    // and a reader that keeps up gets all of it
    pages = 0;
    const counts = await log.write('csv', {}, new Writable({ write: (_chunk, _encoding, done) => done() }));
    expect([pages, counts]).toEqual([TICKETS / 50, { traces: TICKETS, events: TICKETS * VISITS * 2 }]);
  });
});
