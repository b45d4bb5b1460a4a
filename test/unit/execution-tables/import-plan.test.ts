import { InvalidWorkbookError } from '../../../server/shared/errors.js';
import type { WorkbookRow } from '../../../server/services/execution-tables/excel/import-workbook.js';
import type { ExecutionRow, RowContent } from '../../../server/services/execution-tables/execution-table.js';
import { planImport } from '../../../server/services/execution-tables/import-plan.js';
import { contentOf, ROWS } from './workbook-fixtures.js';

const ID_COLUMN = { sheet: '执行表', column: 'A', header: '编号' };
// ROWS in table order: IDs 11, 12, 15, 13 at positions 1–4
const [diagnose, redesign, train, review] = ROWS as [ExecutionRow, ExecutionRow, ExecutionRow, ExecutionRow];

/** The file's rows as the reader returns them, the first on sheet row 3 (under the title and the header). */
function file(...rows: Array<{ id: number | null; content: RowContent }>): WorkbookRow[] {
  return rows.map((row, index) => ({ ...row, sheetRow: index + 3, idColumn: ID_COLUMN }));
}

const same = (row: ExecutionRow) => ({ id: row.id, content: contentOf(row) });

describe('planning an import: the file against the table', () => {
  test('the table exported and read back unchanged changes nothing', () => {
    const plan = planImport(ROWS, file(...ROWS.map(same)));

    expect(plan).toMatchObject({ added: [], changed: [], removed: [], moved: [], unchanged: ROWS.length });
    expect(plan.order.map((row) => [row.position, row.id])).toEqual([
      [1, 11],
      [2, 12],
      [3, 15],
      [4, 13],
    ]);
  });

  test('a file without its KPI sheet keeps every target: its rows say nothing about them', () => {
    const withTargets = ROWS.filter((row) => row.kpi !== null);
    expect(withTargets.length).toBeGreaterThan(0);
    const noKpiSheet = file(...ROWS.map((row) => ({ id: row.id, content: { ...contentOf(row), kpi: null } }))).map((row) => ({
      ...row,
      kpiAbsent: true as const,
    }));
    expect(planImport(ROWS, noKpiSheet)).toMatchObject({ changed: [], unchanged: ROWS.length });
    // with the sheet, an emptied line removes its target
    const emptied = planImport(ROWS, file(...ROWS.map((row) => ({ id: row.id, content: { ...contentOf(row), kpi: null } }))));
    expect(emptied.changed.map((row) => row.id)).toEqual(withTargets.map((row) => row.id));
  });

  test('rows without an ID are added where the file puts them; rows the file leaves out are removed', () => {
    const added = { ...contentOf(train), phase: '新增：质检抽查' };
    const plan = planImport(ROWS, file(same(diagnose), { id: null, content: added }, same(redesign), same(review)));

    expect(plan.added).toEqual([{ position: 2, id: null, content: added, sheetRow: 4 }]);
    expect(plan.removed.map((row) => row.id)).toEqual([train.id]);
    expect(plan.unchanged).toBe(3);
    // rows shifted by the added and removed rows have not moved
    expect(plan.moved).toEqual([]);
    expect(plan.order.map((row) => row.id)).toEqual([11, null, 12, 13]);
  });

  test('a changed row lists each changed field from → to', () => {
    const done = { ...contentOf(redesign), status: 'done' as const, notes: '已上线' };
    const plan = planImport(ROWS, file(same(diagnose), { id: redesign.id, content: done }, same(train), same(review)));

    expect(plan.changed).toEqual([
      {
        position: 2,
        id: 12,
        sheetRow: 4,
        content: done,
        changes: { status: { from: 'in_progress', to: 'done' }, notes: { from: 'weekly review', to: '已上线' } },
      },
    ]);
    expect(plan.unchanged).toBe(3);
  });

  test('a reordered file puts the rows in its order and names the fewest rows that moved', () => {
    // the last row is dragged to the top
    const plan = planImport(ROWS, file(same(review), same(diagnose), same(redesign), same(train)));

    expect(plan.order.map((row) => [row.position, row.id])).toEqual([
      [1, 13],
      [2, 11],
      [3, 12],
      [4, 15],
    ]);
    expect(plan.moved).toEqual([{ id: 13, from: 4, to: 1 }]);
    expect(plan).toMatchObject({ added: [], changed: [], removed: [], unchanged: 4 });
  });

  test('a target stored with its fields in another order is not a change', () => {
    const stored: ExecutionRow = {
      ...redesign,
      kpi: { baseline: { to: '2025-12-28', from: '2025-12-01' }, target: -20, comparison: 'change_lte', metric: 'complaint_rate', description: '' },
    };
    const plan = planImport([diagnose, stored], file(same(diagnose), same(redesign)));

    expect(plan.changed).toEqual([]);
    expect(plan.unchanged).toBe(2);
  });

  test('an ID this table does not have refuses the file, every such row pointed at', () => {
    const error = (() => {
      try {
        planImport(ROWS, file(same(diagnose), { id: 404, content: contentOf(redesign) }, { id: 405, content: contentOf(train) }));
      } catch (refusal) {
        return refusal;
      }
    })();

    expect(error).toBeInstanceOf(InvalidWorkbookError);
    expect((error as InvalidWorkbookError).problems).toEqual([
      { ...ID_COLUMN, row: 4, message: expect.any(String), code: 'idUnknown', values: { id: 404 } },
      { ...ID_COLUMN, row: 5, message: expect.any(String), code: 'idUnknown', values: { id: 405 } },
    ]);
  });
});
