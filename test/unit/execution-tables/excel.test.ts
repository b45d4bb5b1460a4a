import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import * as XLSX from 'xlsx';
import { AppError, InvalidWorkbookError, type CellProblem } from '../../../server/shared/errors.js';
import { exportExecutionTable } from '../../../server/services/execution-tables/excel/export-workbook.js';
import { displayWidth } from '../../../server/services/execution-tables/excel/workbook-layout.js';
import { readExecutionTableWorkbook } from '../../../server/services/execution-tables/excel/import-workbook.js';
import type { ExecutionRow } from '../../../server/services/execution-tables/execution-table.js';
import { contentOf, EXPORTED_AT, exportToBuffer, formatter, FORMATTERS, isKnownOwner, ROWS, TABLE, TODAY } from './workbook-fixtures.js';

const HEADERS = {
  'zh-CN': ['编号', '序号', '流程环节', '具体动作', '负责人', '开始日期', '结束日期', '时间安排', '完成状态', '问题与障碍', '改进建议', '备注'],
  en: ['ID', '#', 'Phase', 'Actions', 'Owner', 'Start', 'End', 'Weeks', 'Status', 'Problems & blockers', 'Improvement suggestions', 'Notes'],
};
const EXPECTED = {
  'zh-CN': {
    sheets: ['执行表', 'KPI 目标'],
    title: '客服流程优化 2026 Q1 — 导出于 2026年11月23日 17:05',
    statuses: ['已完成', '进行中', '未开始', '需优化'],
    weeks: ['第1-2周', '第3-4周', undefined, '第5周'],
    kpiHeader: ['行编号', '流程环节', '指标', '比较', '目标值', '单位', '基线开始', '基线结束', '说明'],
    kpi: [
      [11, '现状诊断', '首次响应时间', '≤', 15, '分钟', undefined, undefined, '首次响应 ≤ 15 分钟'],
      [12, 'Redesign the escalation path', '投诉率', '变化 ≤', -20, '%', '2025-12-01', '2025-12-28', undefined],
      [13, '效果复盘', '满意度 4–5 分占比', '≥', 85.5, '%', undefined, undefined, undefined],
    ],
  },
  en: {
    sheets: ['Execution table', 'KPI targets'],
    title: '客服流程优化 2026 Q1 — exported Nov 23, 2026, 5:05 PM',
    statuses: ['Done', 'In progress', 'Not started', 'Needs optimization'],
    weeks: ['Weeks 1–2', 'Weeks 3–4', undefined, 'Week 5'],
    kpiHeader: ['Row ID', 'Phase', 'Metric', 'Comparison', 'Target', 'Unit', 'Baseline from', 'Baseline to', 'Description'],
    kpi: [
      [11, '现状诊断', 'First response time', '≤', 15, 'min', undefined, undefined, '首次响应 ≤ 15 分钟'],
      [12, 'Redesign the escalation path', 'Complaint rate', 'change ≤', -20, '%', '2025-12-01', '2025-12-28', undefined],
      [13, '效果复盘', 'CSAT share of 4–5', '≥', 85.5, '%', undefined, undefined, undefined],
    ],
  },
} as const;
const LOCALES = ['zh-CN', 'en'] as const;

/** A cell's shown text, or its value for numbers; undefined for an empty cell. */
function shown(sheet: XLSX.WorkSheet, address: string): unknown {
  const cell = sheet[address] as XLSX.CellObject | undefined;
  if (!cell) return undefined;
  return cell.t === 'n' ? cell.v : cell.t === 'd' ? cell.w : cell.v;
}

function rowOf(sheet: XLSX.WorkSheet, row: number, columns: number): unknown[] {
  return Array.from({ length: columns }, (_, c) => shown(sheet, XLSX.utils.encode_cell({ r: row - 1, c })));
}

/** A part of the .xlsx zip as text, read with SheetJS's own zip reader. */
function zipPart(workbook: Buffer, path: string): string {
  const zip = XLSX.CFB.read(workbook, { type: 'buffer' }) as { FullPaths: string[]; FileIndex: Array<{ content: Uint8Array }> };
  const index = zip.FullPaths.findIndex((full) => full.endsWith(`/${path}`));
  if (index < 0) throw new Error(`${path} is not in the workbook`);
  return Buffer.from(zip.FileIndex[index]!.content).toString('utf8');
}

async function problemsOf(workbook: Buffer): Promise<CellProblem[]> {
  const error: unknown = await readExecutionTableWorkbook(workbook, { formatters: FORMATTERS, isKnownOwner }).then(
    () => new Error('the workbook was accepted'),
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(InvalidWorkbookError);
  return (error as InvalidWorkbookError).problems;
}

const where = ({ sheet, row, column, header }: CellProblem) => ({ sheet, row, column, header });

describe('exporting an execution table to Excel', () => {
  test.each(LOCALES)('%s: title, headers, values in the reader’s language, real date cells', async (locale) => {
    // given the table exported in one language, read back by SheetJS
    const workbook = XLSX.read(await exportToBuffer(locale), { cellDates: true, cellStyles: true });
    const expected = EXPECTED[locale];
    expect(workbook.SheetNames).toEqual(expected.sheets);
    const sheet = workbook.Sheets[expected.sheets[0]]!;

    // then the title spans the columns above the header
    expect(shown(sheet, 'A1')).toBe(expected.title);
    expect(sheet['!merges']).toEqual([XLSX.utils.decode_range('A1:L1')]);
    expect(rowOf(sheet, 2, 12)).toEqual(HEADERS[locale]);

    // and each row is there, in table order, with the status in the reader's language
    ROWS.forEach((row, index) => {
      const excelRow = index + 3;
      expect(rowOf(sheet, excelRow, 12)).toEqual([
        row.id,
        row.position,
        row.phase,
        row.actions || undefined,
        row.owner || undefined,
        row.startDate ?? undefined,
        row.endDate ?? undefined,
        expected.weeks[index],
        expected.statuses[index],
        row.blockers || undefined,
        row.suggestions || undefined,
        row.notes || undefined,
      ]);
      for (const [column, date] of [
        ['F', row.startDate],
        ['G', row.endDate],
      ] as const) {
        const cell = sheet[`${column}${excelRow}`] as XLSX.CellObject | undefined;
        if (date === null) expect(cell).toBeUndefined();
        else expect(cell).toMatchObject({ t: 'd', z: 'yyyy-mm-dd', w: date });
      }
    });
    expect(sheet['!ref']).toBe(`A1:L${ROWS.length + 2}`);

    // and the KPI sheet has one row per row with a target
    const kpi = workbook.Sheets[expected.sheets[1]]!;
    expect(rowOf(kpi, 1, 9)).toEqual(expected.kpiHeader);
    expect([2, 3, 4].map((row) => rowOf(kpi, row, 9))).toEqual(expected.kpi);
    expect(kpi.G3).toMatchObject({ t: 'd', w: '2025-12-01' });
    expect(kpi.A5).toBeUndefined();
  });

  test('the header is frozen and filtered; the status column offers the four statuses on every row', async () => {
    const workbook = await exportToBuffer('zh-CN');
    const xml = zipPart(workbook, 'xl/worksheets/sheet1.xml');

    expect(xml).toMatch(/<pane [^>]*ySplit="2"[^>]*state="frozen"/);
    expect(xml).toContain(`<autoFilter ref="A2:L${ROWS.length + 2}"/>`);
    const validation = /<dataValidation type="list"[^>]*sqref="I3:I(\d+)"><formula1>&quot;(.*?)&quot;<\/formula1>/.exec(xml);
    expect(validation).not.toBeNull();
    expect(Number(validation![1])).toBeGreaterThanOrEqual(ROWS.length + 2);
    expect(validation![2]!.split(',')).toEqual(['未开始', '进行中', '已完成', '需优化']);
    expect(zipPart(workbook, 'xl/worksheets/sheet2.xml')).toMatch(/<dataValidation type="list"[^>]*sqref="D2:D\d+"><formula1>&quot;≤,≥,变化 ≤,变化 ≥&quot;/);
  });

  test('each status has its own fill; an overdue end date is red; long text wraps', async () => {
    const buffer = await exportToBuffer('en');
    const sheet = XLSX.read(buffer, { cellStyles: true }).Sheets['Execution table']!;
    const fill = (address: string) => (sheet[address] as XLSX.CellObject).s as { patternType: string; fgColor?: { rgb: string } };
    const fills = ['I3', 'I4', 'I5', 'I6'].map((address) => fill(address));
    for (const each of fills) expect(each.patternType).toBe('solid');
    expect(new Set(fills.map((each) => each.fgColor?.rgb)).size).toBe(4);

    // SheetJS reads fills but not fonts: fonts through exceljs
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(buffer).buffer);
    const table = workbook.getWorksheet('Execution table')!;
    expect(table.getCell('G4').font?.color?.argb).toBe('FFC00000'); // in progress, ended 2026-02-01
    expect(table.getCell('G6').font?.color?.argb).toBe('FFC00000'); // needs optimization, ended 2026-02-02
    expect(table.getCell('G3').font?.color?.argb).toBeUndefined(); // done: never overdue
    expect(table.getCell('D3').alignment?.wrapText).toBe(true);
  });

  test('columns are as wide as their content, a CJK character counting two', async () => {
    expect(displayWidth('流程环节 ok')).toBe(11);
    expect(displayWidth('满意度（平均分）')).toBe(16);
    const widthOfPhase = async (phase: string) => {
      const sheet = XLSX.read(await exportToBuffer('en', [{ ...ROWS[2]!, phase }]), { cellStyles: true }).Sheets['Execution table']!;
      return sheet['!cols']![2]!.width!;
    };
    const chinese = await widthOfPhase('流程环节流程环节流程环节');
    const latin = await widthOfPhase('Phase number');
    expect(chinese - latin).toBe(12);
    expect(await widthOfPhase('很长的环节名称'.repeat(20))).toBeLessThanOrEqual(30);
  });
});

describe('an export that cannot finish', () => {
  /** Rows 1…count, counting how many the export asked for; `failAt` throws instead of that row. */
  function source(count: number, failAt?: number): { rows: AsyncGenerator<ExecutionRow>; pulled(): number } {
    let pulled = 0;
    async function* rows(): AsyncGenerator<ExecutionRow> {
      for (let id = 1; id <= count; id++) {
        if (id === failAt) throw new Error('the database cursor was lost');
        pulled += 1;
        yield { ...ROWS[0]!, id, position: id };
      }
    }
    return { rows: rows(), pulled: () => pulled };
  }
  const exporting = (rows: AsyncIterable<ExecutionRow>, output: PassThrough) =>
    exportExecutionTable({ table: TABLE, rows, formatter: formatter('en'), exportedAt: EXPORTED_AT, today: TODAY }, output);

  test('rows that fail half-way reject the export and destroy the output, so no half file looks whole', async () => {
    const output = new PassThrough().resume();
    await expect(exporting(source(1000, 600).rows, output)).rejects.toThrow('the database cursor was lost');
    expect(output.destroyed).toBe(true);
  });

  test('a reader that goes away stops the export: it rejects and reads no more rows', async () => {
    // given a download cancelled after its first chunk
    const output = new PassThrough();
    output.once('data', () => output.destroy());
    const rows = source(50_000);

    await expect(exporting(rows.rows, output)).rejects.toThrow('went away');
    expect(rows.pulled()).toBeLessThan(50_000);
  });
});

describe('export → import round trip', () => {
  test.each(LOCALES)('%s: every row comes back with its ID, its place and its content, targets included', async (locale) => {
    const rows = await readExecutionTableWorkbook(await exportToBuffer(locale), { formatters: FORMATTERS, isKnownOwner });
    expect(rows.map(({ sheetRow, id, content }) => ({ sheetRow, id, content }))).toEqual(
      ROWS.map((row, index) => ({ sheetRow: index + 3, id: row.id, content: contentOf(row) })),
    );
    expect(rows[0]!.idColumn).toEqual({ sheet: locale === 'en' ? 'Execution table' : '执行表', column: 'A', header: HEADERS[locale][0] });
  });

  test('a workbook whose KPI sheet was deleted marks its rows: their targets are not in the file', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await exportToBuffer('en')) as unknown as ArrayBuffer);
    workbook.removeWorksheet(workbook.worksheets[1]!.id);
    const rows = await readExecutionTableWorkbook(Buffer.from(await workbook.xlsx.writeBuffer()), { formatters: FORMATTERS, isKnownOwner });
    expect(rows.map((row) => row.kpiAbsent)).toEqual(ROWS.map(() => true));
    const whole = await readExecutionTableWorkbook(await exportToBuffer('en'), { formatters: FORMATTERS, isKnownOwner });
    expect(whole.every((row) => row.kpiAbsent === undefined)).toBe(true);
  });

  test('a table longer than the rows sampled for column widths streams whole, in order', async () => {
    const many: ExecutionRow[] = Array.from({ length: 450 }, (_, index) => ({ ...ROWS[index % ROWS.length]!, id: index + 1, position: index + 1 }));
    const rows = await readExecutionTableWorkbook(await exportToBuffer('zh-CN', many), { formatters: FORMATTERS, isKnownOwner });
    expect(rows.map((row) => row.id)).toEqual(many.map((row) => row.id));
    expect(rows.filter((row) => row.content.kpi).length).toBe(many.filter((row) => row.kpi).length);
  });

  test('an empty table exports a header and reads back as no rows', async () => {
    await expect(readExecutionTableWorkbook(await exportToBuffer('en', []), { formatters: FORMATTERS, isKnownOwner })).resolves.toEqual([]);
  });
});

describe('importing an edited workbook', () => {
  test('a workbook with bad rows is refused whole, every bad cell listed with its sheet, row, column and header', async () => {
    // given the zh-CN export, edited in Excel: rows 3–6 are IDs 11, 12, 15, 13; KPI rows 2–4 are 11, 12, 13
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await exportToBuffer('zh-CN')).buffer);
    const table = workbook.getWorksheet('执行表')!;
    table.getCell('I3').value = '做完了'; // not a status
    table.getCell('F4').value = 'next week'; // not a date
    table.getCell('C5').value = null; // no phase
    table.getCell('E6').value = 'nobody@example.com'; // not a user or role
    table.getRow(7).values = [null, null, '新增环节', null, null, new Date(Date.UTC(2026, 2, 10)), '2026-03-01', null, '进行中']; // ends before it starts
    table.getRow(9).values = ['x12', null, '另一个环节', null, null, null, null, null, 'done']; // not an ID; row 8 stays empty
    const kpi = workbook.getWorksheet('KPI 目标')!;
    kpi.getCell('C3').value = 'speed'; // not a metric
    kpi.getRow(5).values = [99, null, '首次响应时间', '<=', 10]; // no such row

    const problems = await problemsOf(Buffer.from(await workbook.xlsx.writeBuffer()));

    expect(problems.map(where)).toEqual([
      { sheet: '执行表', row: 3, column: 'I', header: '完成状态' },
      { sheet: '执行表', row: 4, column: 'F', header: '开始日期' },
      { sheet: '执行表', row: 5, column: 'C', header: '流程环节' },
      { sheet: '执行表', row: 6, column: 'E', header: '负责人' },
      { sheet: '执行表', row: 7, column: 'G', header: '结束日期' },
      { sheet: '执行表', row: 9, column: 'A', header: '编号' },
      { sheet: 'KPI 目标', row: 3, column: 'C', header: '指标' },
      { sheet: 'KPI 目标', row: 5, column: 'A', header: '行编号' },
    ]);
    expect(problems[0]).toMatchObject({ code: 'statusUnknown', values: { value: '做完了' } });
    expect(problems[4]).toMatchObject({ code: 'endsBeforeStart' });
  });

  test('a formula saved without its result (a script wrote it) is a problem of its cell, never read as a blank', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await exportToBuffer('zh-CN')).buffer);
    const table = workbook.getWorksheet('执行表')!;
    table.getCell('G3').value = { formula: 'DATE(2026,11,3)' } as ExcelJS.CellFormulaValue; // an end date, never calculated
    table.getCell('J4').value = { formula: 'A4&"!"', result: '12!' } as ExcelJS.CellFormulaValue; // calculated: read as its result
    table.getCell('C8').value = { formula: 'C3' } as ExcelJS.CellFormulaValue; // a row holding nothing else is not skipped
    workbook.getWorksheet('KPI 目标')!.getCell('E2').value = { formula: '10+5' } as ExcelJS.CellFormulaValue;

    const problems = await problemsOf(Buffer.from(await workbook.xlsx.writeBuffer()));

    expect(problems.filter((p) => p.code === 'formulaNotComputed').map((p) => ({ ...where(p), values: p.values }))).toEqual([
      { sheet: '执行表', row: 3, column: 'G', header: '结束日期', values: { formula: '=DATE(2026,11,3)' } },
      { sheet: '执行表', row: 8, column: 'C', header: '流程环节', values: { formula: '=C3' } },
      { sheet: 'KPI 目标', row: 2, column: 'E', header: '目标值', values: { formula: '=10+5' } },
    ]);
    expect(problems.filter((p) => p.row === 4 && p.sheet === '执行表')).toEqual([]);
  });

  test('a row ID twice, and a KPI target for a row without an ID, are problems', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await exportToBuffer('en')).buffer);
    workbook.getWorksheet('Execution table')!.getCell('A5').value = 11;
    workbook.getWorksheet('KPI targets')!.getRow(5).values = [null, null, 'csat', '>=', 4.5];

    const problems = await problemsOf(Buffer.from(await workbook.xlsx.writeBuffer()));

    expect(problems.map(where)).toEqual([
      { sheet: 'Execution table', row: 5, column: 'A', header: 'ID' },
      { sheet: 'KPI targets', row: 5, column: 'A', header: 'Row ID' },
    ]);
    expect(problems[0]).toMatchObject({ code: 'idTwice', values: { row: 3 } });
  });

  test('a missing column is named in the language of the file; no row is read against it', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(new Uint8Array(await exportToBuffer('zh-CN')).buffer);
    workbook.getWorksheet('执行表')!.getCell('I2').value = '状态?';

    expect((await problemsOf(Buffer.from(await workbook.xlsx.writeBuffer()))).map(where)).toEqual([
      { sheet: '执行表', row: 2, column: '', header: '完成状态' },
    ]);
  });

  test('columns in any order and either language; statuses, metrics and comparisons by key or label; dates as text', async () => {
    // given a workbook typed by hand: no title, English headers shuffled, a renamed table sheet
    const workbook = new ExcelJS.Workbook();
    const table = workbook.addWorksheet('Plan');
    table.addRow(['Phase', 'Status', 'ID', 'Owner', 'Start', 'End', 'Actions', 'Problems & blockers', 'Improvement suggestions', 'Notes']);
    table.addRow(['现状诊断', '已完成', '11', '客服主管', '2026/1/5', new Date(Date.UTC(2026, 0, 18)), 'a', '', '', '']);
    table.addRow([]);
    table.addRow(['  New phase ', 'needs_optimization', null, null, '2026-03-01', null, null, null, null, 'n']);
    const kpi = workbook.addWorksheet('KPI 目标');
    kpi.addRow(['行编号', 'Metric', 'Comparison', 'Target', 'Baseline from', 'Baseline to', 'Description']);
    kpi.addRow([11, 'first_response_time', '<=', '15', null, null, null]);

    const rows = await readExecutionTableWorkbook(Buffer.from(await workbook.xlsx.writeBuffer()), { formatters: FORMATTERS, isKnownOwner });

    expect(rows).toEqual([
      {
        sheetRow: 2,
        id: 11,
        idColumn: { sheet: 'Plan', column: 'C', header: 'ID' },
        content: { ...contentOf(ROWS[0]!), actions: 'a', suggestions: '', kpi: { metric: 'first_response_time', comparison: 'lte', target: 15 } },
      },
      {
        sheetRow: 4,
        id: null,
        idColumn: { sheet: 'Plan', column: 'C', header: 'ID' },
        content: {
          phase: 'New phase',
          actions: '',
          owner: '',
          startDate: '2026-03-01',
          endDate: null,
          status: 'needs_optimization',
          blockers: '',
          suggestions: '',
          notes: 'n',
          kpi: null,
        },
      },
    ]);
  });

  test.each([
    ['a text file', Buffer.from('编号,流程环节\n11,现状诊断\n')],
    ['an empty upload', Buffer.alloc(0)],
  ])('%s is not a workbook: a problem of the file field that says so', async (_, upload) => {
    await expect(readExecutionTableWorkbook(upload, { formatters: FORMATTERS, isKnownOwner })).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'file', code: 'notAWorkbook' }],
    });
  });

  test('a damaged workbook is not a workbook either', async () => {
    const whole = await exportToBuffer('en');
    const error: unknown = await readExecutionTableWorkbook(whole.subarray(0, whole.length / 2), { formatters: FORMATTERS, isKnownOwner }).catch(
      (refusal: unknown) => refusal,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'validation_failed', details: [{ field: 'file', code: 'notAWorkbook' }] });
  });
});
