// The per-ticket workbook streams: a download cancelled midway stops the reading of tickets.
import { PassThrough } from 'node:stream';
import type { TicketFactRow } from '../../../server/services/analytics/metrics-model.js';
import { writeTicketWorkbook } from '../../../server/services/reports/report-workbook.js';
import { createI18n } from '../../../server/shared/i18n.js';

const { formatter } = createI18n(new URL('../../../views/locales/', import.meta.url));

const ROW: TicketFactRow = {
  id: 0,
  workflow: 'customer-inquiry',
  version: 1,
  channel: 'web',
  level: 'L1',
  vip: false,
  createdAt: Date.parse('2026-11-23T09:00:00Z'),
  closedAt: null,
  agents: ['agent@sopflow.test'],
  firstResponseMs: 60_000,
  resolutionMs: null,
  breaches: 0,
  reopenings: 0,
  csat: null,
  abandoned: false,
  fcr: null,
  handleMs: 120_000,
  waitingMs: 0,
  escalations: 0,
  warnings: 0,
  complaint: false,
};

test('a reader that goes away stops the export: it rejects and reads no more tickets', async () => {
  // given 50,000 tickets, and a download cancelled after its first chunk
  let pulled = 0;
  async function* rows(): AsyncGenerator<TicketFactRow> {
    for (let id = 1; id <= 50_000; id++) {
      pulled += 1;
      yield { ...ROW, id };
    }
  }
  const output = new PassThrough();
  output.once('data', () => output.destroy());

  const exporting = writeTicketWorkbook(
    { rows: rows(), timers: { timersOf: () => Promise.resolve(new Map()) }, formatter: formatter('en'), zone: 'UTC' },
    output,
  );

  await expect(exporting).rejects.toThrow();
  expect(pulled).toBeLessThan(50_000);
});
