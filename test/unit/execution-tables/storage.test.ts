import { openDatabase, type Database } from '../../../server/data/database.js';
import { KnexExecutionTableRepository } from '../../../server/data/execution-tables/knex-repository.js';
import type { RowWrite } from '../../../server/data/execution-tables/repository.js';
import { emptyRow, type RowContent } from '../../../server/services/execution-tables/execution-table.js';
import { eachDatabase } from '../../helpers/databases.js';
import { openTestSopflow, T0 } from '../../helpers/sopflow.js';

const ACTOR = 'manager@example.com';
const content = (phase: string, changes: Partial<RowContent> = {}): RowContent => ({ ...emptyRow(), phase, ...changes });
const created = (row: RowContent) => ({ action: 'created' as const, changes: { phase: { from: null, to: row.phase } } });

eachDatabase('execution tables: the repository', (database) => {
  let db: Database;
  let repository: KnexExecutionTableRepository;
  beforeEach(async () => {
    db = await openDatabase(database().config);
    repository = new KnexExecutionTableRepository(db);
  });
  afterEach(() => db.close());

  const newTable = (rows: RowContent[]) =>
    repository.create(
      { name: 'Plan', owner: ACTOR, startDate: '2026-01-05', template: null, workflows: ['complaint-handling'], createdAt: T0, createdBy: ACTOR },
      rows.map((row) => ({ content: row, history: created(row) })),
    );

  test('a change worked out from rows changed since is refused whole: nothing of it is written', async () => {
    const id = await newTable([content('A'), content('B')]);
    const [a] = await repository.rows(id);
    const edit: RowWrite = {
      kind: 'update',
      id: a!.id,
      content: content('A', { notes: 'first' }),
      history: { action: 'updated', changes: { notes: { from: '', to: 'first' } } },
    };
    expect(await repository.apply({ tableId: id, actor: ACTOR, at: T0 + 1, expect: { rows: [a!] }, writes: [edit] })).toEqual({
      kind: 'applied',
      inserted: [],
    });

    const late = { ...edit, content: content('A', { notes: 'second' }) };
    expect(await repository.apply({ tableId: id, actor: ACTOR, at: T0 + 2, expect: { rows: [a!] }, writes: [late] })).toEqual({ kind: 'stale' });
    expect(await repository.apply({ tableId: id, actor: ACTOR, at: T0 + 2, expect: { rows: [], count: 3 }, writes: [late] })).toEqual({ kind: 'stale' });
    expect((await repository.row(id, a!.id))?.notes).toBe('first');
    expect((await repository.history(id, a!.id)).map((h) => h.action)).toEqual(['updated', 'created']);
    expect(await repository.apply({ tableId: id + 1, actor: ACTOR, at: T0, writes: [] })).toEqual({ kind: 'noTable' });
  });

  test('a staged upload is taken by the one change that applies it', async () => {
    const id = await newTable([]);
    await repository.stage({ id: 'upload', tableId: id, createdBy: ACTOR, createdAt: T0, rows: [], basis: 'rows-at-preview' }, T0 - 1);
    expect(await repository.staged('upload', id, ACTOR)).toMatchObject({ createdAt: T0, basis: 'rows-at-preview' });
    expect(await repository.staged('upload', id, 'someone@example.com')).toBeUndefined();
    expect(await repository.apply({ tableId: id, actor: ACTOR, at: T0, staging: 'upload', writes: [] })).toEqual({ kind: 'applied', inserted: [] });
    expect(await repository.apply({ tableId: id, actor: ACTOR, at: T0, staging: 'upload', writes: [] })).toEqual({ kind: 'stagingGone' });
  });

  test('rows stream in order a page at a time, past the first page', async () => {
    const rows = Array.from({ length: 1_234 }, (_, i) => content(`row ${i + 1}`, { status: i % 2 ? 'done' : 'in_progress' }));
    const id = await newTable(rows);
    let position = 0;
    for await (const row of repository.streamRows(id)) expect(row.position).toBe(++position);
    expect(position).toBe(rows.length);
    expect((await repository.list())[0]).toMatchObject({ id, workflows: ['complaint-handling'], statuses: { done: 617, in_progress: 617 } });
  });
});

eachDatabase('execution tables: edits at the same time', (database) => {
  test('edits made together each land, with their history; positions stay 1…n', async () => {
    const app = await openTestSopflow(database(), { workflows: [] });
    try {
      const { executionTables } = app;
      const table = await executionTables.create({ name: 'Plan', startDate: '2026-01-05' }, ACTOR);
      const row = await executionTables.addRow(table.id, { phase: 'Diagnose' }, ACTOR);
      // Both read the row before either writes: the second is worked out again from the first's result.
      await Promise.all([
        executionTables.updateRow(table.id, row.id, { status: 'done' }, ACTOR),
        executionTables.updateRow(table.id, row.id, { notes: 'checked' }, ACTOR),
      ]);
      expect(await executionTables.row(table.id, row.id)).toMatchObject({ status: 'done', notes: 'checked' });
      expect((await executionTables.history(table.id, row.id)).map((h) => h.action)).toEqual(['updated', 'updated', 'created']);

      await Promise.all(Array.from({ length: 10 }, (_, i) => executionTables.addRow(table.id, { phase: `added ${i}`, position: 1 }, ACTOR)));
      const { rows } = await executionTables.get(table.id);
      expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(rows[10]!.phase).toBe('Diagnose');
    } finally {
      await app.close();
    }
  });
});
