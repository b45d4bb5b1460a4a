import ExcelJS from 'exceljs';
import { InvalidWorkbookError, ValidationError, type CellProblem, type FieldProblem, type ProblemMessage } from '../../../server/shared/errors.js';
import { readExecutionTableWorkbook } from '../../../server/services/execution-tables/excel/import-workbook.js';
import { emptyRow, rowProblems, type KpiTarget, type RowContent } from '../../../server/services/execution-tables/execution-table.js';
import { planImport } from '../../../server/services/execution-tables/import-plan.js';
import { createI18n, LOCALES, LOCALES_DIR } from '../../../server/shared/i18n.js';
import { fieldProblemLines, rowFromForm } from '../../../server/web/pages/view-models/execution-table-page.js';
import { problemText } from '../../../server/web/pages/view-models/problem-text.js';
import { unzip, zip } from './hostile-xlsx.js';
import { contentOf, exportToBuffer, FORMATTERS, isKnownOwner, ROWS } from './workbook-fixtures.js';

const { i18n, formatter } = createI18n(LOCALES_DIR);
const CHINESE = /[\u4e00-\u9fff]/;

async function refusal(workbook: ExcelJS.Workbook): Promise<CellProblem[]> {
  const error: unknown = await readExecutionTableWorkbook(Buffer.from(await workbook.xlsx.writeBuffer()), { formatters: FORMATTERS, isKnownOwner }).then(
    () => new Error('the workbook was accepted'),
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(InvalidWorkbookError);
  return (error as InvalidWorkbookError).problems;
}

/** The problems of an upload refused as a file (not a workbook, no sheet): each on the `file` field. */
async function fileRefusal(data: Buffer): Promise<FieldProblem[]> {
  const error: unknown = await readExecutionTableWorkbook(data, { formatters: FORMATTERS, isKnownOwner }).then(
    () => new Error('the file was accepted'),
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const { problems } = error as ValidationError;
  expect(problems.map((problem) => problem.field)).toEqual(['file']);
  return problems;
}

async function exported(): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(await exportToBuffer('zh-CN')).buffer);
  return workbook;
}

function planProblems(rows: Parameters<typeof planImport>[1]): CellProblem[] {
  try {
    planImport(ROWS, rows);
  } catch (error) {
    return (error as InvalidWorkbookError).problems;
  }
  throw new Error('the plan was accepted');
}

const row = (changes: Partial<RowContent>): RowContent => ({ ...emptyRow(), phase: '现状诊断', ...changes });
const kpi = (target: Partial<KpiTarget>): RowContent => row({ kpi: { metric: 'csat', comparison: 'gte', target: 4.5, ...target } as KpiTarget });

/** Every kind of problem the rows, the row form, the workbook reader and the import plan report. */
async function badInputs(): Promise<ProblemMessage[]> {
  const problems: ProblemMessage[] = [
    ...rowProblems(row({ phase: ' ', status: 'finished' as RowContent['status'], startDate: '2026-02-30', actions: 'x'.repeat(4001) })),
    ...rowProblems(row({ startDate: '2026-01-05', endDate: '2026-01-01' })),
    ...rowProblems(kpi({ metric: 'speed' as KpiTarget['metric'], comparison: 'about' as KpiTarget['comparison'], target: Number.NaN })),
    ...rowProblems(kpi({ metric: 'complaint_rate', comparison: 'change_lte', target: -20 })),
    ...rowProblems(kpi({ baseline: { from: '2026-01-10', to: '2025-13-01' } })),
    // The row form passes what was typed on; the service's rules refuse it.
    ...rowProblems(row(rowFromForm({ status: 'finished', kpiMetric: 'csat', kpiTarget: 'ten' }))),
  ];

  const cells = await exported();
  const table = cells.getWorksheet('执行表')!;
  table.getCell('I3').value = '做完了'; // not a status
  table.getCell('I4').value = null; // no status
  table.getCell('F5').value = 'next week'; // not a date
  table.getCell('E6').value = 'nobody@example.com'; // not a user or role
  table.getCell('A6').value = 'x12'; // not an ID
  table.getCell('A5').value = 11; // an ID twice
  table.getCell('J3').value = { formula: 'DATE(2026,11,3)' } as ExcelJS.CellFormulaValue; // a formula never calculated
  const targets = cells.getWorksheet('KPI 目标')!;
  targets.getRow(3).values = [null, null, null, null, null, null, '2026-01-01']; // no row ID, metric, comparison or target; half a baseline
  targets.getRow(4).values = ['abc', null, 'speed', 'about', 'ten', null, null, null, 'x'.repeat(501)];
  targets.getRow(5).values = [99, null, 'csat', '>=', 4.5]; // no such row
  targets.getRow(6).values = [11, null, 'csat', '>=', 4.5]; // a second target for row 11 (its first is on row 2)
  problems.push(...(await refusal(cells)));

  const twice = await exported();
  twice.getWorksheet('执行表')!.getCell('J2').value = '完成状态'; // the status column twice
  problems.push(...(await refusal(twice)));
  const missing = await exported();
  missing.getWorksheet('执行表')!.getCell('I2').value = '状态?';
  problems.push(...(await refusal(missing)));
  const headless = new ExcelJS.Workbook();
  headless.addWorksheet('执行表').addRow(['a', 'b']);
  problems.push(...(await refusal(headless)));

  problems.push(...(await fileRefusal(Buffer.from('ID,阶段\n1,现状诊断\n'))));
  const sheetless = unzip(await exportToBuffer('zh-CN'));
  sheetless.set(
    'xl/workbook.xml',
    Buffer.from(
      sheetless
        .get('xl/workbook.xml')!
        .toString()
        .replace(/<sheet [^>]*\/>/g, ''),
    ),
  );
  problems.push(...(await fileRefusal(zip(sheetless))));

  problems.push(
    ...planProblems(
      [404, 11, 11].map((id, index) => ({ id, content: contentOf(ROWS[0]!), sheetRow: index + 3, idColumn: { sheet: '执行表', column: 'A', header: '编号' } })),
    ),
  );
  return problems;
}

describe('problems in the reader’s language', () => {
  let problems: ProblemMessage[];
  beforeAll(async () => {
    problems = await badInputs();
  });

  test('every problem has a code, and every kind of bad input is among them', () => {
    expect(problems.filter((problem) => !problem.code)).toEqual([]);
    expect(new Set(problems.map((problem) => problem.code))).toEqual(
      new Set([
        'required',
        'tooLong',
        'notADate',
        'notADateCell',
        'endsBeforeStart',
        'statusRequired',
        'statusUnknown',
        'ownerUnknown',
        'metricRequired',
        'metricUnknown',
        'comparisonRequired',
        'comparisonUnknown',
        'numberRequired',
        'notANumber',
        'baselineRequired',
        'baselineIncomplete',
        'baselineEndsBeforeStart',
        'idInvalid',
        'idTwice',
        'idUnknown',
        'targetRowIdRequired',
        'targetRowIdInvalid',
        'targetRowIdUnknown',
        'targetTwice',
        'noHeaderRow',
        'columnTwice',
        'columnMissing',
        'notAWorkbook',
        'noTableSheet',
        'formulaNotComputed',
      ]),
    );
  });

  test.each(LOCALES)('%s: every code has its own entry, rendered whole with the problem’s values', (locale) => {
    const f = formatter(locale);
    for (const problem of problems) {
      expect(typeof i18n.getResource(locale, 'translation', `problems.${problem.code!}`)).toBe('string');
      const text = problemText(f, problem);
      expect(text).not.toMatch(/problems\.|\{\{|\$t\(/);
      for (const value of Object.values(problem.values ?? {})) expect(text).toContain(String(value));
      if (locale === 'zh-CN') expect(text).toMatch(CHINESE);
    }
  });

  test('a Chinese page reads Chinese sentences, labels in Chinese, dates and typed text as they are', () => {
    const zh = formatter('zh-CN');
    const [status] = rowProblems(row(rowFromForm({ status: 'Finished' })));
    expect(problemText(zh, status!)).toBe('“Finished”不是有效的完成状态，请使用：未开始、进行中、已完成、需优化');
    expect(fieldProblemLines(rowProblems(row({ startDate: '2026-01-05', endDate: '2026-01-01' })), zh)).toEqual([
      '结束日期: 2026-01-01 早于开始日期 2026-01-05',
    ]);
    expect(fieldProblemLines(rowProblems(row({ phase: '' })), zh)).toEqual(['流程环节: 不能为空']);
    expect(problemText(zh, { message: 'more than 200,000 rows: split the table', code: 'tooManyRows', values: { max: 200_000 } })).toBe(
      '超过 200,000 行：请拆分执行表',
    );
    expect(problemText(formatter('en'), status!)).toBe('“Finished” is not a status: use one of Not started, In progress, Done, Needs optimization');
  });

  test('typed text is shown, never read as catalog markup', () => {
    const [status] = rowProblems(row(rowFromForm({ status: '$t(executionTables.title) {{value}}' })));
    expect(problemText(formatter('zh-CN'), status!)).toMatch(/^“\$t\(executionTables\.title\) \{\{value\}\}”不是有效的完成状态/);
  });

  test('a problem without a code is shown as its message', () => {
    const problem: FieldProblem = { field: 'position', message: 'must be a whole number from 1' };
    expect(fieldProblemLines([problem], formatter('zh-CN'))).toEqual(['位置: must be a whole number from 1']);
  });
});
