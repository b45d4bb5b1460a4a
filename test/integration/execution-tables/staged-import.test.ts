import type { ExecutionRow } from '../../../server/services/execution-tables/execution-table.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow } from '../../helpers/sopflow.js';
import { contentOf } from '../../unit/execution-tables/workbook-fixtures.js';

const MANAGER = 'chen.jie@managers.test';
const COLLEAGUE = 'wang.fang@managers.test';
const ID_COLUMN = { sheet: 'Execution table', column: 'A', header: 'ID' };

/** The workbook's rows as the reader returns them: each table row, one with its notes changed. */
function edited(rows: readonly ExecutionRow[], changedId: number) {
  return rows.map((row, index) => ({
    id: row.id,
    content: row.id === changedId ? { ...contentOf(row), notes: `${row.notes} (checked)` } : contentOf(row),
    sheetRow: index + 3,
    idColumn: ID_COLUMN,
  }));
}

eachDatabase('execution tables: a staged upload is applied to the rows its preview showed', (database) => {
  let app: Awaited<ReturnType<typeof openTestSopflow>>;
  beforeEach(async () => {
    app = await openTestSopflow(database());
  });
  afterEach(() => app.close());

  test('a colleague’s row added and edit made after the preview refuse the apply, and both are kept', async () => {
    // given a table and an upload previewed against it
    const table = await app.executionTables.create(
      { name: 'Faster first response', startDate: '2026-11-23', template: 'six-step-method', locale: 'en' },
      MANAGER,
    );
    const [first, second] = table.rows;
    const staging = await app.executionTables.stageImport(table.id, edited(table.rows, first!.id), MANAGER);

    // when a colleague adds a row and edits another before the manager applies it
    const added = await app.executionTables.addRow(table.id, { phase: 'Colleague row' }, COLLEAGUE);
    await app.executionTables.updateRow(table.id, second!.id, { notes: 'colleague note' }, COLLEAGUE);
    const refused = await app.executionTables.applyStagedImport(table.id, staging, MANAGER).catch((error: unknown) => error);

    // then nothing is applied: the colleague's row and note stay, the previewed change is not made
    expect(refused).toMatchObject({ code: 'conflict', details: { changedSincePreview: true } });
    const rows = (await app.executionTables.get(table.id)).rows;
    expect(rows.find((row) => row.id === added.id)?.phase).toBe('Colleague row');
    expect(rows.find((row) => row.id === second!.id)?.notes).toBe('colleague note');
    expect(rows.find((row) => row.id === first!.id)?.notes).toBe(first!.notes);

    // and an upload previewed against the table as it is now applies
    const again = await app.executionTables.stageImport(table.id, edited(rows, first!.id), MANAGER);
    const plan = await app.executionTables.applyStagedImport(table.id, again, MANAGER);
    expect(plan.changed.map((row) => row.id)).toEqual([first!.id]);
    expect((await app.executionTables.get(table.id)).rows.find((row) => row.id === added.id)?.phase).toBe('Colleague row');
  });

  test('a staged upload applied once is refused a second time with 409 applied_already, told apart from an unknown id (404)', async () => {
    const table = await app.executionTables.create({ name: 'Twice', startDate: '2026-11-23', template: 'six-step-method', locale: 'en' }, MANAGER);
    const [first] = table.rows;
    const staging = await app.executionTables.stageImport(table.id, edited(table.rows, first!.id), MANAGER);
    await app.executionTables.applyStagedImport(table.id, staging, MANAGER);
    const applied = (await app.executionTables.get(table.id)).rows;
    const history = await app.executionTables.history(table.id);

    // a second press of Apply, and the preview asked for again: 409, nothing more written
    const again = await app.executionTables.applyStagedImport(table.id, staging, MANAGER).catch((error: unknown) => error);
    expect(again).toMatchObject({ code: 'conflict', details: { reason: 'applied_already' } });
    await expect(app.executionTables.stagedImport(table.id, staging, MANAGER)).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'applied_already' },
    });
    expect((await app.executionTables.get(table.id)).rows).toEqual(applied);
    expect(await app.executionTables.history(table.id)).toEqual(history);
    // an id never staged (or another person's upload) is still no such upload
    await expect(app.executionTables.applyStagedImport(table.id, 'f'.repeat(32), MANAGER)).rejects.toMatchObject({ code: 'not_found' });
    await expect(app.executionTables.applyStagedImport(table.id, staging, COLLEAGUE)).rejects.toMatchObject({ code: 'not_found' });

    // two presses at once: one applies, the other is told it was applied already
    const rows = (await app.executionTables.get(table.id)).rows;
    const next = await app.executionTables.stageImport(table.id, edited(rows, rows[1]!.id), MANAGER);
    const outcomes = await Promise.allSettled([1, 2].map(() => app.executionTables.applyStagedImport(table.id, next, MANAGER)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: { code: 'conflict', details: { reason: 'applied_already' } } });
  });

  test('a name or a KPI description past its limit is refused by the service, so the pages refuse it as the API does', async () => {
    const long = await app.executionTables.create({ name: '项'.repeat(501), startDate: '2026-11-23' }, MANAGER).catch((error: unknown) => error);
    expect(long).toMatchObject({ code: 'validation_failed', details: [{ field: 'name', code: 'tooLong' }] });
    const table = await app.executionTables.create({ name: '项'.repeat(500), startDate: '2026-11-23' }, MANAGER);
    const kpi = { metric: 'first_response_time' as const, comparison: 'lte' as const, target: 5, description: 'x'.repeat(501) };
    const refused = await app.executionTables.addRow(table.id, { phase: 'Measure', kpi }, MANAGER).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'validation_failed', details: [{ field: 'kpi.description', code: 'tooLong' }] });
    expect((await app.executionTables.get(table.id)).rows).toEqual([]);

    // Characters, not UTF-16 units: 500 astral ones (𠀀, emoji) are within, 501 are not.
    const astral = (n: number) => '𠀀😀'.repeat(n).slice(0, 2 * n);
    const over = await app.executionTables.create({ name: astral(501), startDate: '2026-11-23' }, MANAGER).catch((error: unknown) => error);
    expect(over).toMatchObject({ code: 'validation_failed', details: [{ field: 'name', code: 'tooLong', values: { limit: 500 } }] });
    const named = await app.executionTables.create({ name: astral(500), startDate: '2026-11-23' }, MANAGER);
    expect(named.name).toBe(astral(500));
    const described = await app.executionTables.addRow(named.id, { phase: astral(200), kpi: { ...kpi, description: astral(500) } }, MANAGER);
    expect([described.phase, described.kpi?.description]).toEqual([astral(200), astral(500)]);
    const tooMuch = await app.executionTables
      .addRow(named.id, { phase: astral(201), kpi: { ...kpi, description: astral(501) } }, MANAGER)
      .catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({
      code: 'validation_failed',
      details: [
        { field: 'phase', code: 'tooLong' },
        { field: 'kpi.description', code: 'tooLong' },
      ],
    });
  });

  test('line breaks are stored as one \\n however they were typed, so an unedited export imports as unchanged', async () => {
    const table = await app.executionTables.create({ name: 'Breaks', startDate: '2026-11-23' }, MANAGER);
    const row = await app.executionTables.addRow(table.id, { phase: 'Typed', notes: '第一行\r\n第二行' }, MANAGER);
    expect(row.notes).toBe('第一行\n第二行');
    expect((await app.executionTables.updateRow(table.id, row.id, { actions: 'a\rb' }, MANAGER)).actions).toBe('a\nb');
    const rows = (await app.executionTables.get(table.id)).rows;
    expect(await app.executionTables.previewImport(table.id, edited(rows, -1))).toMatchObject({ changed: [], unchanged: 1 });
  });
});
