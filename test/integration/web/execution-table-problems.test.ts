import { eachDatabase } from '../../helpers/databases.js';
import { PEOPLE, startTestServer, type TestServer } from '../../helpers/web-server.js';
import { FormClient, testId } from './support/form-client.js';

eachDatabase('pages: an execution-table row’s problems in the reader’s language', (database) => {
  let server: TestServer;
  let manager: FormClient;
  beforeEach(async () => {
    server = await startTestServer(database());
    manager = await FormClient.signedIn(server.url, PEOPLE.manager, 'zh-CN');
  });
  afterEach(() => server.close());

  test('a Chinese page names the field and says what is wrong in Chinese; the dates as typed', async () => {
    const { executionTables } = server.app;
    const table = await executionTables.create({ name: '客服流程优化', startDate: '2026-01-05' }, PEOPLE.manager.email);
    const row = await executionTables.addRow(table.id, { phase: '现状诊断', startDate: '2026-01-05' }, PEOPLE.manager.email);
    const path = `/execution-tables/${table.id}/rows/${row.id}`;
    await manager.get(path);

    const early = await manager.post(path, { endDate: '2026-01-01' });
    expect(early.status).toBe(400);
    expect(testId(early.html, 'row-problems')).toBe('结束日期: 2026-01-01 早于开始日期 2026-01-05');

    const unknown = await manager.post(path, { status: 'Finished' });
    expect(unknown.status).toBe(400);
    expect(testId(unknown.html, 'row-problems')).toBe('完成状态: “Finished”不是有效的完成状态，请使用：未开始、进行中、已完成、需优化');
  });
});
