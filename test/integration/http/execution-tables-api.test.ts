import ExcelJS from 'exceljs';
import * as XLSX from 'xlsx';
import { TableSchema } from '../../../server/web/api/execution-tables.schemas.js';
import { eachDatabase } from '../../helpers/databases.js';
import { MANAGER, startTestServer, type TestServer } from '../../helpers/web-server.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

eachDatabase('HTTP API: execution tables', (database) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(database());
  });
  afterEach(() => server.close());

  const asManager = (method: string, path: string, json?: unknown) => server.asManager(method, path, json);

  async function download(id: number, lang: 'zh-CN' | 'en'): Promise<{ status: number; type: string | null; disposition: string | null; data: Buffer }> {
    const response = await fetch(`${server.url}/api/execution-tables/${id}/export.xlsx?lang=${lang}`, {
      headers: { authorization: `Bearer ${server.tokens.manager}` },
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      disposition: response.headers.get('content-disposition'),
      data: Buffer.from(await response.arrayBuffer()),
    };
  }

  async function upload(id: number, data: Buffer, preview = false) {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(data)], { type: XLSX_TYPE }), 'plan.xlsx');
    const response = await fetch(`${server.url}/api/execution-tables/${id}/import${preview ? '?preview=true' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.tokens.manager}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  /** Edits cells of an exported workbook, as a manager would offline. */
  async function edited(data: Buffer, edit: (sheet: ExcelJS.Worksheet) => void): Promise<Buffer> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(data as unknown as ArrayBuffer);
    edit(workbook.worksheets[0]!);
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }

  async function sixStepProject() {
    const created = await asManager('POST', '/api/execution-tables', {
      name: '客服流程优化 2026 Q1',
      template: 'six-step-method',
      startDate: '2026-01-05',
      locale: 'zh-CN',
      workflows: ['customer-inquiry'],
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  test('a project from a template without a locale is in the caller’s language: their Accept-Language, none meaning 简体中文', async () => {
    const create = (headers: Record<string, string>) =>
      server.call('POST', '/api/execution-tables', {
        token: server.tokens.manager,
        headers,
        json: { name: 'x', template: 'six-step-method', startDate: '2026-01-05' },
      });
    const phase = async (headers: Record<string, string>) => ((await create(headers)).body.rows[0] as { phase: string }).phase;
    expect(await phase({ 'accept-language': 'zh-CN,zh;q=0.9' })).toBe('现状诊断');
    expect(await phase({})).toBe('现状诊断');
    expect(await phase({ 'accept-language': 'en-US' })).not.toBe('现状诊断');
  });

  test('templates are listed; a project from the six-step method has its rows with dates from the start and weeks; agents may not see it', async () => {
    const templates = await asManager('GET', '/api/execution-tables/templates');
    expect(templates.body.items[0]).toMatchObject({ key: 'six-step-method', name: { 'zh-CN': expect.any(String), en: expect.any(String) } });

    const table = await sixStepProject();
    expect(TableSchema.parse(table)).toEqual(table);
    expect(table.rows.length).toBe(templates.body.items[0].rowCount);
    expect(table.rows[0]).toMatchObject({ position: 1, phase: '现状诊断', startDate: '2026-01-05', weeks: { from: 1 } });
    expect(table.rows.map((r: { phase: string }) => r.phase)).toEqual(expect.arrayContaining(['目标设定', '流程设计', '培训落地', '效果监控', '持续优化']));
    expect(table.rows.some((r: { kpi: unknown }) => r.kpi !== null)).toBe(true);
    expect(table.progress.total).toBe(table.rows.length);

    expect((await server.call('GET', `/api/execution-tables/${table.id}`)).status).toBe(403);
    const unknown = await asManager('POST', '/api/execution-tables', { name: 'x', template: 'no-such', startDate: '2026-01-05' });
    expect(unknown.status).toBe(404);
    const bad = await asManager('POST', '/api/execution-tables', { name: '', startDate: '2026-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((p: { field: string }) => p.field).sort()).toEqual(['name', 'startDate']);
  });

  test('rows are added, edited, moved and deleted; every change is in the row history with who and what', async () => {
    const table = await asManager('POST', '/api/execution-tables', { name: 'Empty plan', startDate: '2026-01-05' }).then((r) => r.body);
    const a = await asManager('POST', `/api/execution-tables/${table.id}/rows`, {
      phase: 'Diagnose',
      owner: 'ops lead',
      startDate: '2026-01-05',
      endDate: '2026-01-18',
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ position: 1, status: 'not_started', weeks: { from: 1, to: 2 } });
    const b = await asManager('POST', `/api/execution-tables/${table.id}/rows`, { phase: 'Design', position: 1 });
    expect(b.body.position).toBe(1);

    const changed = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, {
      status: 'in_progress',
      kpi: { metric: 'first_response_time', comparison: 'lte', target: 15, description: '首次响应 ≤ 15 分钟' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ status: 'in_progress', position: 2, kpi: { metric: 'first_response_time', target: 15 }, updatedBy: MANAGER });
    // The same target with its keys in another order is no change: the history below gets no entry for it.
    const same = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, {
      kpi: { description: '首次响应 ≤ 15 分钟', target: 15, comparison: 'lte', metric: 'first_response_time' },
    });
    expect(same.status).toBe(200);
    await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, { position: 1 });

    const invalid = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, { endDate: '2026-01-01' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details).toEqual([
      { field: 'endDate', message: expect.any(String), code: 'endsBeforeStart', values: { start: '2026-01-05', end: '2026-01-01' } },
    ]);
    const relative = await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, {
      kpi: { metric: 'complaint_rate', comparison: 'change_lte', target: -20 },
    });
    expect(relative.status).toBe(400);
    expect(relative.body.error.details[0].field).toBe('kpi.baseline');
    // The service checks the row, so the API refuses what the pages refuse, with the same codes.
    const refused = await asManager('POST', `/api/execution-tables/${table.id}/rows`, { phase: 'x'.repeat(201), startDate: '2026-02-30' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((p: { field: string; code: string }) => [p.field, p.code])).toEqual([
      ['phase', 'tooLong'],
      ['startDate', 'notADate'],
    ]);
    expect((await asManager('PATCH', `/api/execution-tables/${table.id}/rows/${a.body.id}`, { position: 0 })).body.error.details[0].field).toBe('position');

    const history = await asManager('GET', `/api/execution-tables/${table.id}/rows/${a.body.id}/history`);
    expect(history.body.items.map((h: { action: string }) => h.action)).toEqual(['moved', 'updated', 'created']);
    expect(history.body.items[1]).toMatchObject({ actor: MANAGER, changes: { status: { from: 'not_started', to: 'in_progress' } } });
    expect(history.body.items[0].changes).toEqual({ position: { from: 2, to: 1 } });

    expect((await asManager('DELETE', `/api/execution-tables/${table.id}/rows/${b.body.id}`)).status).toBe(204);
    const after = await asManager('GET', `/api/execution-tables/${table.id}`);
    expect(after.body.rows.map((r: { phase: string; position: number }) => [r.position, r.phase])).toEqual([[1, 'Diagnose']]);
    const gone = await asManager('GET', `/api/execution-tables/${table.id}/rows/${b.body.id}/history`);
    expect(gone.body.items[0]).toMatchObject({ action: 'deleted', changes: { phase: { from: 'Design', to: null } } });
    expect((await asManager('PATCH', `/api/execution-tables/${table.id}/rows/999999`, { status: 'done' })).status).toBe(404);
  });

  test('export → edit offline → preview → import: the changes are applied, each kept in history; export → import unchanged changes nothing', async () => {
    const table = await sixStepProject();
    const exported = await download(table.id, 'zh-CN');
    expect(exported.status).toBe(200);
    expect(exported.type).toBe(XLSX_TYPE);
    expect(exported.disposition).toMatch(/attachment; filename=.*\.xlsx/);
    const read = XLSX.read(exported.data, { cellDates: true });
    expect(read.SheetNames).toEqual(['执行表', 'KPI 目标']);

    const same = await upload(table.id, exported.data);
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ applied: true, added: 0, changed: 0, removed: 0, unchanged: table.rows.length });

    const first = table.rows[0];
    const changedFile = await edited(exported.data, (sheet) => {
      // Header in row 2: the first data row is row 3. Status is by label; a new row has no ID.
      const statusColumn = sheet.getRow(2).values as unknown[];
      const status = statusColumn.indexOf('完成状态');
      const phase = statusColumn.indexOf('流程环节');
      sheet.getRow(3).getCell(status).value = '需优化';
      const added = sheet.getRow(sheet.rowCount + 1);
      added.getCell(phase).value = '复盘总结';
      added.getCell(status).value = '未开始';
      added.commit();
    });
    const preview = await upload(table.id, changedFile, true);
    expect(preview.body).toMatchObject({ applied: false, added: 1, changed: 1, removed: 0 });
    expect((await asManager('GET', `/api/execution-tables/${table.id}`)).body.rows.length).toBe(table.rows.length);

    const applied = await upload(table.id, changedFile);
    expect(applied.body).toMatchObject({ applied: true, added: 1, changed: 1 });
    const after = (await asManager('GET', `/api/execution-tables/${table.id}`)).body;
    expect(after.rows.length).toBe(table.rows.length + 1);
    expect(after.rows[0]).toMatchObject({ id: first.id, status: 'needs_optimization' });
    expect(after.rows.at(-1)).toMatchObject({ phase: '复盘总结', status: 'not_started' });
    const history = await asManager('GET', `/api/execution-tables/${table.id}/rows/${first.id}/history`);
    expect(history.body.items[0]).toMatchObject({ action: 'imported', changes: { status: { from: first.status, to: 'needs_optimization' } } });
  });

  test('a workbook with bad rows is refused whole, each problem with sheet, row and column; nothing is written', async () => {
    const table = await sixStepProject();
    const exported = await download(table.id, 'en');
    const bad = await edited(exported.data, (sheet) => {
      const headers = sheet.getRow(2).values as unknown[];
      sheet.getRow(3).getCell(headers.indexOf('Status')).value = 'Finished';
      sheet.getRow(4).getCell(headers.indexOf('End')).value = 'next week';
      sheet.getRow(5).getCell(headers.indexOf('Phase')).value = '';
      sheet.getRow(6).getCell(headers.indexOf('Owner')).value = 'Nobody Known';
      // an ID the table does not have is listed with the other problems, not only once they are mended
      sheet.getRow(7).getCell(headers.indexOf('ID')).value = 9999;
    });
    const before = (await asManager('GET', `/api/execution-tables/${table.id}`)).body;
    const refused = await upload(table.id, bad);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    const where = refused.body.error.details.map((p: { row: number; header: string }) => `${p.row}:${p.header}`).sort();
    // (the KPI sheet's target for the row whose ID was changed no longer finds its row: listed too)
    expect(where).toEqual(['3:Row ID', '3:Status', '4:End', '5:Phase', '6:Owner', '7:ID']);
    expect(refused.body.error.details.find((p: { row: number }) => p.row === 7)).toMatchObject({ code: 'idUnknown', values: { id: 9999 } });
    expect(refused.body.error.details[0]).toMatchObject({ sheet: 'Execution table', column: expect.stringMatching(/^[A-Z]+$/), message: expect.any(String) });
    expect((await asManager('GET', `/api/execution-tables/${table.id}`)).body).toEqual(before);

    const notAWorkbook = await upload(table.id, Buffer.from('phase,status\nx,done\n'));
    expect(notAWorkbook.status).toBe(400);
    const noFile = await server.call('POST', `/api/execution-tables/${table.id}/import`, { token: server.tokens.manager, json: {} });
    expect(noFile.status).toBe(400);
  });

  test('"today" is the day in REPORT_TIME_ZONE (Asia/Shanghai): overdue marks and the workbook’s name, whatever the server’s TZ', async () => {
    // 2026-12-05 17:00 UTC is 2026-12-06 01:00 in Shanghai: a row that ended on the 5th is overdue there
    server.app.clock.set(Date.parse('2026-12-05T17:00:00Z'));
    const table = await asManager('POST', '/api/execution-tables', { name: 'Zones', startDate: '2026-11-23' });
    const row = await asManager('POST', `/api/execution-tables/${table.body.id}/rows`, { phase: 'Late', endDate: '2026-12-05', status: 'in_progress' });
    expect(row.body).toMatchObject({ overdue: true });
    expect((await download(table.body.id, 'en')).disposition).toContain('Zones 2026-12-06.xlsx');
  });
});
