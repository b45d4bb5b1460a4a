import { randomBytes } from 'node:crypto';
import { DEFAULT_WORKBOOK_LIMITS, DEFAULT_WORKFLOW_LIMITS, type WorkbookLimits } from '../../../server/shared/config.js';
import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { manyRows, withRows } from '../../unit/execution-tables/hostile-xlsx.js';
import { FormClient, decode, testId } from './support/form-client.js';

/** Low limits, so the files that pass them stay small. */
const LIMITS: WorkbookLimits = { ...DEFAULT_WORKBOOK_LIMITS, uploadBytes: 256 * 1024, rows: 200 };
const WORKFLOW_MAX_BYTES = 64 * 1024;
const CJK = /[\u4e00-\u9fff]/;

/** The attributes and text of the first element carrying `data-testid`. */
function tagged(html: string, id: string): { limit?: string; maximum?: string; text?: string } {
  const tag = new RegExp(`<[^>]*data-testid="${id}"[^>]*>`).exec(html)?.[0] ?? '';
  return { limit: /data-limit="([^"]*)"/.exec(tag)?.[1], maximum: /data-maximum="([^"]*)"/.exec(tag)?.[1], text: testId(html, id) };
}

/** The cells of each row of the import page's problem table. */
function problemRows(html: string): string[][] {
  const body = /data-testid="import-problems"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((cell) => decode(cell[1]!).trim()));
}

eachDatabase('pages: the execution table import page’s refusals, in the reader’s language', (database) => {
  let server: TestServer;
  let table: { id: number };
  let exported: Buffer;

  beforeEach(async () => {
    server = await startTestServer(database(), {
      config: { workbookLimits: LIMITS, workflowLimits: { ...DEFAULT_WORKFLOW_LIMITS, maxBytes: WORKFLOW_MAX_BYTES } },
      workflows: [],
    });
    table = await server.app.executionTables.create(
      { name: '客服流程优化', startDate: '2026-01-05', template: 'six-step-method', locale: 'zh-CN' },
      PEOPLE.manager.email,
    );
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
    exported = (await manager.download(`/api/execution-tables/${table.id}/export.xlsx?lang=zh-CN`)).data;
  });
  afterEach(() => server.close());

  /** A manager signed in with pages in `language`, the table's page open (its CSRF token read). */
  async function managerIn(language: string): Promise<FormClient> {
    const manager = await FormClient.signedIn(server.url, PEOPLE.manager, language);
    await manager.get(`/execution-tables/${table.id}`);
    return manager;
  }

  test('a file past the upload limit: the error page names the limit and its maximum, for the table import and the workflow import', async () => {
    for (const language of ['zh-CN', 'en']) {
      const manager = await managerIn(language);
      const table413 = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', randomBytes(LIMITS.uploadBytes + 1), 'plan.xlsx');
      expect(table413.status).toBe(413);
      const tableLimit = tagged(table413.html, 'limit');
      expect(tableLimit).toMatchObject({ limit: 'WORKBOOK_MAX_UPLOAD_BYTES', maximum: String(LIMITS.uploadBytes) });
      expect(tableLimit.text).toContain('WORKBOOK_MAX_UPLOAD_BYTES');
      expect(tableLimit.text).toContain('256 KB');

      await manager.get('/workflows');
      const workflow413 = await manager.postFile('/workflows/upload', 'file', randomBytes(WORKFLOW_MAX_BYTES + 1), 'big.bpmn');
      expect(workflow413.status).toBe(413);
      const workflowLimit = tagged(workflow413.html, 'limit');
      expect(workflowLimit).toMatchObject({ limit: 'WORKFLOW_MAX_BYTES', maximum: String(WORKFLOW_MAX_BYTES) });
      expect(workflowLimit.text).toContain('64 KB');
      // in the reader's language: the Chinese page's sentence is Chinese, the English page's is not
      expect(CJK.test(tableLimit.text!)).toBe(language === 'zh-CN');
      expect(CJK.test(workflowLimit.text!)).toBe(language === 'zh-CN');
    }
  });
  test('a workbook past a limit: the Chinese import page names the limit, its maximum and the cell, in Chinese', async () => {
    const manager = await managerIn('zh-CN');
    const before = await server.app.executionTables.get(table.id);
    const refused = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', withRows(exported, manyRows(1000, LIMITS.rows + 50)), 'plan.xlsx');
    expect(refused.status).toBe(413);
    const limit = tagged(refused.html, 'import-limit');
    expect(limit).toMatchObject({ limit: 'WORKBOOK_MAX_ROWS', maximum: String(LIMITS.rows) });
    expect(limit.text).toMatch(CJK);
    expect(limit.text).toContain('WORKBOOK_MAX_ROWS');
    expect(limit.text).toContain(String(LIMITS.rows));
    // where: the sheet, and the row and column of the first row past the limit
    const [[sheet, row, column, message]] = problemRows(refused.html) as [[string, string, string, string]];
    expect(sheet).toBe('执行表');
    expect(Number(row)).toBeGreaterThan(1000);
    expect(column).toBe('A (WORKBOOK_MAX_ROWS)');
    expect(message).toBe(limit.text);
    expect(message).toContain(`A${row}`);
    expect(CJK.test(testId(refused.html, 'import-limit')!)).toBe(true);
    expect(await server.app.executionTables.get(table.id)).toEqual(before);
  });

  test('a file that is no workbook: the upload form again, why beside its file field in the reader’s language, nothing written', async () => {
    const before = await server.app.executionTables.get(table.id);
    for (const [language, data] of [
      ['zh-CN', Buffer.from('编号,阶段\n1,现状诊断\n')],
      ['en', randomBytes(4096)],
    ] as const) {
      const manager = await managerIn(language);
      const refused = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', data, 'plan.xlsx');
      expect(refused.status).toBe(400);
      expect(refused.html).toMatch(/<input id="i-file" name="file" type="file"[^>]* required aria-invalid="true" aria-describedby="i-file-error">/);
      expect(CJK.test(testId(refused.html, 'error-file')!)).toBe(language === 'zh-CN');
      expect(testId(refused.html, 'import-upload')).toBeDefined();
    }
    expect(await server.app.executionTables.get(table.id)).toEqual(before);
    const [staged] = await server.app.db.knex('execution_imports').count({ n: '*' });
    expect(Number(staged!.n)).toBe(0);
  });

  test('Apply pressed twice: 409 “applied already” in the reader’s language; a stale preview: 409 with the upload form to go on', async () => {
    const manager = await managerIn('zh-CN');
    const workbook = withRows(exported, manyRows(50, 1));
    const upload = async (): Promise<string> => {
      const staged = await manager.postFile(`/execution-tables/${table.id}/import`, 'file', workbook, 'plan.xlsx');
      expect(staged.status).toBe(303);
      expect((await manager.get(staged.location!)).status).toBe(200);
      return staged.location!;
    };
    const preview = await upload();
    expect((await manager.post(`${preview}/apply`, {})).status).toBe(303);
    const applied = await server.app.executionTables.get(table.id);

    // a second press of Apply, and the preview opened again: 409, said in Chinese, a link back to the table
    for (const again of [await manager.post(`${preview}/apply`, {}), await manager.get(preview)]) {
      expect(again.status).toBe(409);
      expect(again.html).toContain('data-testid="import-notice" data-reason="applied_already"');
      expect(testId(again.html, 'import-notice')).toMatch(CJK);
      expect(again.html).toContain(`href="/execution-tables/${table.id}" data-testid="import-back"`);
    }
    expect(await server.app.executionTables.get(table.id)).toEqual(applied);
    // an upload that never was is still no such page
    expect((await manager.post(`/execution-tables/${table.id}/import/${'f'.repeat(32)}/apply`, {})).status).toBe(404);

    // a preview made stale by a colleague's edit: 409, why in Chinese, and the upload form for a fresh preview
    const stale = await upload();
    await server.app.executionTables.updateRow(table.id, applied.rows[0]!.id, { notes: '同事的备注' }, PEOPLE.admin.email);
    const refused = await manager.post(`${stale}/apply`, {});
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('data-testid="import-notice" data-reason="changed_since_preview"');
    expect(testId(refused.html, 'import-notice')).toMatch(CJK);
    expect(refused.html).toMatch(
      new RegExp(`<form method="post" action="/execution-tables/${table.id}/import" enctype="multipart/form-data"[^>]*data-testid="import-upload"`),
    );
    expect(await upload()).toMatch(/\/import\/[0-9a-f]+$/);
  });
});
