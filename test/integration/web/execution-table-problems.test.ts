import { ownersOf } from '../../../server/engine/workflow.js';
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
    // and in place, under the end field, which keeps what was typed
    expect(testId(early.html, 'error-endDate')).toBe('2026-01-01 早于开始日期 2026-01-05');
    expect(early.html).toMatch(/<input id="r-end" name="endDate" type="date" value="2026-01-01" aria-invalid="true" aria-describedby="r-end-error">/);

    const unknown = await manager.post(path, { status: 'Finished' });
    expect(unknown.status).toBe(400);
    expect(testId(unknown.html, 'row-problems')).toBe('完成状态: “Finished”不是有效的完成状态，请使用：未开始、进行中、已完成、需优化');
    expect(testId(unknown.html, 'error-status')).toBe('“Finished”不是有效的完成状态，请使用：未开始、进行中、已完成、需优化');

    const target = await manager.post(path, { kpiMetric: 'first_contact_resolution', kpiComparison: 'gte', kpiTarget: 'eighty' });
    expect(target.status).toBe(400);
    expect(testId(target.html, 'error-kpi_target')).toBeTruthy();
    expect(target.html).toMatch(/<input id="k-target" name="kpiTarget" inputmode="decimal" value=""[^>]*aria-invalid="true"/);
  });

  test('a row added with the end before the start: the error next to the end field, in both languages, what was typed kept, nothing written', async () => {
    const { executionTables } = server.app;
    const table = await executionTables.create({ name: 'Plan', startDate: '2026-01-05' }, PEOPLE.manager.email);
    const path = `/execution-tables/${table.id}`;
    const typed = {
      phase: '现状诊断 <一>',
      actions: '导出三个月的工单',
      owner: '数据分析师',
      startDate: '2026-01-12',
      endDate: '2026-01-05',
      status: 'in_progress',
    };
    for (const [client, message] of [
      [manager, '2026-01-05 早于开始日期 2026-01-12'],
      [await FormClient.signedIn(server.url, PEOPLE.manager, 'en'), /2026-01-05.*2026-01-12/],
    ] as const) {
      await client.get(path);
      const answer = await client.post(`${path}/rows`, typed);
      expect(answer.status).toBe(400);
      const error = testId(answer.html, 'error-endDate');
      if (typeof message === 'string') expect(error).toBe(message);
      else expect(error).toMatch(message);
      // the end field says it is invalid and points to its message; the other fields have none
      expect(answer.html).toMatch(/<input id="n-end" name="endDate" type="date" value="2026-01-05" aria-invalid="true" aria-describedby="n-end-error"/);
      expect(testId(answer.html, 'error-startDate')).toBeUndefined();
      expect(answer.html).toContain('value="现状诊断 &lt;一&gt;"');
      expect(answer.html).toContain('>导出三个月的工单</textarea>');
      expect(answer.html).toContain('value="数据分析师"');
      expect(answer.html).toContain('value="2026-01-12"');
      expect(answer.html).toMatch(/<option value="in_progress" selected>/);
      expect(answer.html).toMatch(/<details class="no-print add-row" id="add-row"[^>]* open/);
    }
    expect((await executionTables.get(table.id)).rows).toHaveLength(0);
  });

  test('owners: the datalist offers the people and the SOP roles that exist; a row whose owner nobody matches is marked', async () => {
    const { executionTables, workflows } = server.app;
    const [workflow] = await workflows.list();
    const lane = ownersOf([(await workflows.latest(workflow!.key)).workflow])[0]!;
    const table = await executionTables.create({ name: 'Plan', startDate: '2026-01-05', workflows: [workflow!.key] }, PEOPLE.manager.email);
    for (const owner of [PEOPLE.agent.name, lane.toUpperCase(), 'Nobody we know', PEOPLE.manager.email, ''])
      await executionTables.addRow(table.id, { phase: `owned by ${owner || 'no one'}`, owner }, PEOPLE.manager.email);
    const page = await manager.get(`/execution-tables/${table.id}`);
    const datalist = /<datalist id="known-owners"[^>]*>([\s\S]*?)<\/datalist>/.exec(page.html)![1]!;
    expect(datalist).toContain(`<option value="${PEOPLE.agent.name}" label="人员 · ${PEOPLE.agent.email}">`);
    expect(datalist).toContain(`<option value="${lane}" label="SOP 角色">`);
    expect(datalist).not.toContain('Nobody we know');
    const flagged = [...page.html.matchAll(/data-testid="row-(\d+)"[\s\S]*?<\/tr>/g)]
      .filter((m) => m[0].includes('data-testid="owner-unknown"'))
      .map((m) => Number(m[1]));
    expect(flagged).toEqual([3]);
    expect(testId(page.html, 'unknown-owners')).toContain('1 行');
    // the row's own page offers the same owners and says the same
    const rows = (await executionTables.get(table.id)).rows;
    const nobody = await manager.get(`/execution-tables/${table.id}/rows/${rows[2]!.id}`);
    expect(nobody.html).toContain('<input id="r-owner" name="owner" value="Nobody we know" list="known-owners"');
    expect(nobody.html).toContain(`<option value="${lane}" label="SOP 角色">`);
    expect(testId(nobody.html, 'owner-unknown')).toBe('没有与此名称匹配的人员或 SOP 角色');
    const agentRow = await manager.get(`/execution-tables/${table.id}/rows/${rows[0]!.id}`);
    expect(testId(agentRow.html, 'owner-unknown')).toBeUndefined();
  });
});
