import { randomBytes } from 'node:crypto';
import * as XLSX from 'xlsx';
import type { WorkbookLimits } from '../../../server/shared/config.js';
import { DEFAULT_WORKBOOK_LIMITS } from '../../../server/shared/config.js';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient } from '../web/support/form-client.js';
import { cell, manyRows, unzip, withRows, zip } from '../../unit/execution-tables/hostile-xlsx.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Low limits, so hostile inputs stay small; the time budget stays generous for a loaded machine. */
const LIMITS: WorkbookLimits = { ...DEFAULT_WORKBOOK_LIMITS, uploadBytes: 256 * 1024, inflatedBytes: 1024 * 1024, rows: 200, columns: 20, cellChars: 2000 };

eachDatabase('HTTP API: hostile workbooks are refused within their limits', (database) => {
  let server: TestServer;
  let table: { id: number };
  let exported: Buffer;

  beforeEach(async () => {
    server = await startTestServer(database(), { config: { workbookLimits: LIMITS }, workflows: [] });
    const created = await server.call('POST', '/api/execution-tables', {
      token: server.tokens.manager,
      json: { name: 'Hostile input', template: 'six-step-method', startDate: '2026-01-05', locale: 'en' },
    });
    expect(created.status).toBe(201);
    table = created.body;
    const response = await fetch(`${server.url}/api/execution-tables/${table.id}/export.xlsx?lang=en`, {
      headers: { authorization: `Bearer ${server.tokens.manager}` },
    });
    exported = Buffer.from(await response.arrayBuffer());
  });
  afterEach(() => server.close());

  /** What an import could have written: the rows, their history, staged uploads. */
  async function written(): Promise<unknown> {
    const knex = server.app.db.knex;
    return {
      rows: await knex('execution_rows').where({ table_id: table.id }).orderBy('id'),
      history: (await knex('execution_row_history').where({ table_id: table.id }).count({ n: '*' }))[0],
      staged: (await knex('execution_imports').count({ n: '*' }))[0],
    };
  }

  /**
   * Uploads `data` (to the preview, or to apply it) while `/healthz` is asked every 10 ms; answers the reply
   * and the longest a health check waited.
   */
  async function uploadWhileWatched(data: Buffer, preview = true): Promise<{ status: number; body: any; longestHealthMs: number }> {
    let done = false;
    let longest = 0;
    const watch = (async () => {
      while (!done) {
        const asked = performance.now();
        const answer = await fetch(`${server.url}/healthz`);
        await answer.arrayBuffer();
        expect(answer.status).toBe(200);
        longest = Math.max(longest, performance.now() - asked);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(data)], { type: XLSX_TYPE }), 'plan.xlsx');
    const response = await fetch(`${server.url}/api/execution-tables/${table.id}/import${preview ? '?preview=true' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.tokens.manager}` },
      body: form,
    }).finally(() => {
      done = true;
    });
    const body = (await response.json()) as unknown;
    await watch;
    return { status: response.status, body, longestHealthMs: longest };
  }

  async function expectRefused(data: Buffer, status: number, code: string, details?: Record<string, unknown> | unknown[]): Promise<void> {
    const before = await written();
    for (const preview of [true, false]) {
      const answer = await uploadWhileWatched(data, preview);
      expect(answer.status).toBe(status);
      expect(answer.body.error.code).toBe(code);
      if (details) expect(answer.body.error.details).toMatchObject(details);
      expect(answer.longestHealthMs).toBeLessThan(1000);
    }
    expect(await written()).toEqual(before);
  }

  test('the export itself is accepted within the same limits: the limits refuse hostile files, not plans', async () => {
    const answer = await uploadWhileWatched(exported);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ applied: false, added: 0, removed: 0, changed: 0 });
  });

  test('a zip bomb (a sheet of a few kilobytes that inflates to 8 MB) is refused the moment the inflated limit is passed', async () => {
    const bomb = withRows(exported, Buffer.alloc(8 * 1024 * 1024, ' '));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectRefused(bomb, 413, 'payload_too_large', { limit: 'WORKBOOK_MAX_INFLATED_BYTES', maximum: LIMITS.inflatedBytes });
  });

  test('a zip bomb inside one cell (8 MB of text) is refused as that cell’s length, long before the inflated limit', async () => {
    const text = Buffer.alloc(8 * 1024 * 1024, 'A');
    const bomb = withRows(exported, Buffer.concat([Buffer.from('<row r="900"><c r="B900" t="inlineStr"><is><t>'), text, Buffer.from('</t></is></c></row>')]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    // saxes holds a text node until the markup after it: without a watch on the run, the inflated limit stops it
    await expectRefused(bomb, 413, 'payload_too_large', { limit: 'WORKBOOK_MAX_CELL_CHARS', maximum: LIMITS.cellChars, cell: 'B900' });
  });

  test('an upload larger than the upload limit is refused as it arrives', async () => {
    const parts = unzip(exported);
    // Random bytes do not compress: the file is past the limit itself.
    parts.set('docProps/padding.bin', randomBytes(LIMITS.uploadBytes));
    await expectRefused(zip(parts), 413, 'payload_too_large', { limit: 'WORKBOOK_MAX_UPLOAD_BYTES', maximum: LIMITS.uploadBytes });
  });

  test('a sheet with more rows than the limit is refused at the first row past it, naming the sheet', async () => {
    await expectRefused(withRows(exported, manyRows(1000, LIMITS.rows + 50)), 413, 'payload_too_large', {
      limit: 'WORKBOOK_MAX_ROWS',
      maximum: LIMITS.rows,
      sheet: 'Execution table',
    });
  });

  test('a cell beyond the column limit is refused, naming the cell', async () => {
    await expectRefused(withRows(exported, `<row r="1000">${cell('C1000', 'phase')}${cell('Z1000', 'far away')}</row>`), 413, 'payload_too_large', {
      limit: 'WORKBOOK_MAX_COLUMNS',
      maximum: LIMITS.columns,
      cell: 'Z1000',
    });
  });

  test('a cell longer than the cell limit is refused, naming the cell', async () => {
    const long = 'x'.repeat(LIMITS.cellChars + 1);
    await expectRefused(withRows(exported, `<row r="1000">${cell('C1000', long)}</row>`), 413, 'payload_too_large', {
      limit: 'WORKBOOK_MAX_CELL_CHARS',
      maximum: LIMITS.cellChars,
      cell: 'C1000',
    });
  });

  test('a text file, random bytes, a truncated file, a damaged entry and a DOCTYPE are refused as no workbook, on the file field', async () => {
    const notAWorkbook = [{ field: 'file', code: 'notAWorkbook' }];
    await expectRefused(Buffer.from('ID,Phase\n1,Diagnose\n'), 400, 'validation_failed', notAWorkbook);
    await expectRefused(randomBytes(4096), 400, 'validation_failed', notAWorkbook);
    await expectRefused(exported.subarray(0, Math.floor(exported.length / 2)), 400, 'validation_failed', notAWorkbook);
    const damaged = Buffer.from(exported);
    // Overwrite the middle of the file (inside some entry's compressed bytes) with garbage.
    damaged.fill(0xff, Math.floor(damaged.length / 3), Math.floor(damaged.length / 3) + 64);
    await expectRefused(damaged, 400, 'validation_failed', notAWorkbook);
    const parts = unzip(exported);
    parts.set(
      'xl/workbook.xml',
      Buffer.from(
        `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${parts
          .get('xl/workbook.xml')!
          .toString()
          .replace(/^<\?xml[^>]*\?>/, '')}`,
      ),
    );
    await expectRefused(zip(parts), 400, 'validation_failed', notAWorkbook);
  });

  test('the import page refuses a hostile workbook with the same 413, and writes nothing', async () => {
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager);
    await manager.get(`/execution-tables/${table.id}`);
    const before = await written();
    const bomb = withRows(exported, Buffer.alloc(4 * 1024 * 1024, ' '));
    const refused = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', bomb, 'plan.xlsx');
    expect(refused.status).toBe(413);
    expect(refused.html).toMatch(/data-testid="import-problems"[\s\S]*WORKBOOK_MAX_INFLATED_BYTES/);
    expect(await written()).toEqual(before);
    // The same form takes the export itself: to its preview.
    const fine = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', exported, 'plan.xlsx');
    expect(fine.status).toBe(303);
  });

  test('the OpenAPI document says the import answers 413 when a workbook is past a limit', async () => {
    const document = (await server.call('GET', '/api/openapi.json')).body;
    expect(document.paths['/api/execution-tables/{id}/import'].post.responses['413'].description).toMatch(/limit/);
  });
});

eachDatabase('HTTP API: a workbook that takes longer than its time budget', (database) => {
  test('is refused with 413 naming the budget, and the server answers meanwhile', async () => {
    const server = await startTestServer(database(), { config: { workbookLimits: { ...DEFAULT_WORKBOOK_LIMITS, parseMs: 1 } }, workflows: [] });
    try {
      const created = await server.call('POST', '/api/execution-tables', {
        token: server.tokens.manager,
        json: { name: 'Slow', startDate: '2026-01-05' },
      });
      const workbook = XLSX.utils.book_new();
      XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet([['ID', 'Phase']]), 'Execution table');
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(XLSX.write(workbook, { type: 'buffer', bookType: 'xlsx' }) as Buffer)], { type: XLSX_TYPE }), 'plan.xlsx');
      const response = await fetch(`${server.url}/api/execution-tables/${created.body.id}/import?preview=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.tokens.manager}` },
        body: form,
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as any).error.details).toEqual({ limit: 'WORKBOOK_PARSE_TIMEOUT_MS', maximum: 1 });
      expect((await server.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
