import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError, ValidationError } from '../../../server/shared/errors.js';
import { rowProblems, ROW_STATUSES, weeksOf, type RowContent } from '../../../server/services/execution-tables/execution-table.js';
import { loadExecutionTableTemplates, TEMPLATES_DIR } from '../../../server/services/execution-tables/templates.js';
import { LOCALES } from '../../../server/shared/i18n.js';

const templates = loadExecutionTableTemplates(TEMPLATES_DIR);
const SIX_STEPS = JSON.parse(readFileSync(new URL('six-step-method.json', TEMPLATES_DIR), 'utf8')) as {
  rows: Array<{ weeks: { from: number; to: number } }>;
};
const START = '2026-03-02';
const CJK = /[\u4e00-\u9fff]/;
const TEXTS = ['phase', 'actions', 'owner', 'blockers', 'suggestions', 'notes'] as const;

function errorOf(action: () => unknown): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('the six-step method template', () => {
  test('is listed with its name and description in both languages and its row count', () => {
    const summary = templates.listTemplates().find((template) => template.key === 'six-step-method');
    expect(summary).toEqual({
      key: 'six-step-method',
      name: { 'zh-CN': '客服流程优化六步法', en: 'Six-step method for customer-service process optimization' },
      description: { 'zh-CN': expect.stringContaining('现状诊断') as string, en: expect.stringContaining('diagnose') as string },
      rowCount: SIX_STEPS.rows.length,
    });
    expect(summary!.rowCount).toBeGreaterThanOrEqual(14);
    expect(summary!.rowCount).toBeLessThanOrEqual(16);
  });

  test.each(LOCALES)('in %s every text of every row is filled, in that language', (locale) => {
    const rows = templates.instantiate('six-step-method', { startDate: START, locale });
    for (const row of rows) {
      for (const field of TEXTS) {
        expect(row[field].trim()).not.toBe('');
        if (locale === 'en') expect(row[field]).not.toMatch(CJK);
      }
      if (row.kpi) expect(row.kpi.description?.trim()).toBeTruthy();
    }
    if (locale === 'zh-CN') for (const row of rows) expect(row.phase).toMatch(CJK);
  });

  test('walks the six steps in order, 2–3 rows each, grading L1/L2/L3 in the design', () => {
    const rows = templates.instantiate('six-step-method', { startDate: START, locale: 'zh-CN' });
    const phases = [...new Set(rows.map((row) => row.phase))];
    expect(phases).toEqual(['现状诊断', '目标设定', '流程设计', '培训落地', '效果监控', '持续优化']);
    for (const phase of phases) expect([2, 3]).toContain(rows.filter((row) => row.phase === phase).length);
    const design = rows
      .filter((row) => row.phase === '流程设计')
      .map((row) => row.actions)
      .join('\n');
    for (const level of ['L1 常规问题', 'L2 技术问题', 'L3 重大投诉']) expect(design).toContain(level);
  });

  test('reads like a project in week 5: early rows done, later ones not started, every status present', () => {
    const rows = templates.instantiate('six-step-method', { startDate: START, locale: 'en' });
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(ROW_STATUSES));
    const week = (row: RowContent) => weeksOf(START, row.startDate, row.endDate)!;
    for (const row of rows) {
      if (week(row).to < 4) expect(row.status).toBe('done');
      if (week(row).from > 5) expect(row.status).toBe('not_started');
    }
  });

  test('every instantiated row is valid', () => {
    for (const locale of LOCALES) {
      for (const row of templates.instantiate('six-step-method', { startDate: START, locale })) expect(rowProblems(row)).toEqual([]);
    }
  });
});

describe('instantiating: weeks become dates', () => {
  test('week N starts 7·(N−1) days after the start; a row of weeks a–b ends on the last day of week b', () => {
    const rows = templates.instantiate('six-step-method', { startDate: START, locale: 'en' });
    // given the file's weeks 1–2, 2–2 and 11–12
    expect(SIX_STEPS.rows[0]!.weeks).toEqual({ from: 1, to: 2 });
    expect(SIX_STEPS.rows[2]!.weeks).toEqual({ from: 2, to: 2 });
    expect(SIX_STEPS.rows.at(-1)!.weeks).toEqual({ from: 11, to: 12 });
    expect([rows[0]!.startDate, rows[0]!.endDate]).toEqual(['2026-03-02', '2026-03-15']);
    expect([rows[2]!.startDate, rows[2]!.endDate]).toEqual(['2026-03-09', '2026-03-15']);
    expect([rows.at(-1)!.startDate, rows.at(-1)!.endDate]).toEqual(['2026-05-11', '2026-05-24']);
  });

  test('every row round-trips to its weeks, from any start day, across a year end', () => {
    for (const start of [START, '2026-12-30', '2028-02-24']) {
      const rows = templates.instantiate('six-step-method', { startDate: start, locale: 'zh-CN' });
      expect(rows.map((row) => weeksOf(start, row.startDate, row.endDate))).toEqual(SIX_STEPS.rows.map((row) => row.weeks));
    }
    const [first] = templates.instantiate('six-step-method', { startDate: '2026-12-30', locale: 'zh-CN' });
    expect([first!.startDate, first!.endDate]).toEqual(['2026-12-30', '2027-01-12']);
  });

  test('KPI targets carry over; a change target gets its baseline weeks before the start as dates', () => {
    const rows = templates.instantiate('six-step-method', { startDate: START, locale: 'en' });
    const kpi = (metric: string) => rows.find((row) => row.kpi?.metric === metric)?.kpi;
    expect(kpi('first_response_time')).toEqual({
      metric: 'first_response_time',
      comparison: 'lte',
      target: 15,
      description: expect.stringContaining('15 min') as string,
    });
    expect(kpi('first_contact_resolution')).toMatchObject({ comparison: 'gte', target: 80 });
    expect(kpi('sla_compliance')).toMatchObject({ comparison: 'gte', target: 95 });
    expect(kpi('csat')).toMatchObject({ comparison: 'gte', target: 4.5 });
    // weeks -4 to -1: the four weeks just before 2026-03-02
    expect(kpi('complaint_rate')).toMatchObject({ comparison: 'change_lte', target: -20, baseline: { from: '2026-02-02', to: '2026-03-01' } });
    expect(rows.filter((row) => row.kpi?.baseline)).toHaveLength(1);
    const zh = templates.instantiate('six-step-method', { startDate: START, locale: 'zh-CN' });
    expect(zh.find((row) => row.kpi?.metric === 'first_response_time')?.kpi?.description).toContain('15 分钟');
  });

  test('an unknown template is not found; a start that is not a date is refused', () => {
    expect(errorOf(() => templates.instantiate('seven-step-method', { startDate: START, locale: 'en' })).code).toBe('not_found');
    const error = errorOf(() => templates.instantiate('six-step-method', { startDate: '2026-02-30', locale: 'en' }));
    expect(error.code).toBe('validation_failed');
    expect((error as ValidationError).problems).toEqual([{ field: 'startDate', message: expect.any(String) as string }]);
  });
});

describe('a broken template stops the load, naming the file and the field', () => {
  const text = (zh: string, en: string) => ({ 'zh-CN': zh, en });
  const row = (overrides: object = {}) => ({
    phase: text('现状诊断', 'Diagnose'),
    actions: text('盘点工单', 'Review tickets'),
    owner: text('客服主管', 'Service manager'),
    weeks: { from: 1, to: 2 },
    status: 'done',
    ...overrides,
  });
  const template = (key: string, rows: object[]) => ({ key, name: text('模板', 'Template'), description: text('说明', 'About'), rows });
  let root: string;
  let dirs = 0;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sopflow-templates-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh folder holding `files` (name → JSON value or raw text), loaded. */
  function load(files: Record<string, unknown>) {
    const dir = join(root, `case-${(dirs += 1)}`);
    mkdirSync(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return () => loadExecutionTableTemplates(pathToFileURL(`${dir}/`));
  }

  test('a good template in a folder of its own loads and instantiates', () => {
    const loaded = load({ 'good.json': template('good', [row(), row({ weeks: undefined, status: 'not_started' })]), 'notes.txt': 'not a template' })();
    expect(loaded.listTemplates().map((summary) => summary.key)).toEqual(['good']);
    expect(loaded.instantiate('good', { startDate: START, locale: 'en' })).toEqual([
      {
        phase: 'Diagnose',
        actions: 'Review tickets',
        owner: 'Service manager',
        startDate: '2026-03-02',
        endDate: '2026-03-15',
        status: 'done',
        blockers: '',
        suggestions: '',
        notes: '',
        kpi: null,
      },
      {
        phase: 'Diagnose',
        actions: 'Review tickets',
        owner: 'Service manager',
        startDate: null,
        endDate: null,
        status: 'not_started',
        blockers: '',
        suggestions: '',
        notes: '',
        kpi: null,
      },
    ]);
  });

  test('every bad field is listed with its row, and nothing loads', () => {
    const broken = template('broken', [
      row(),
      row({ weeks: { from: 3, to: 2 } }),
      row({ kpi: { metric: 'complaint_rate', comparison: 'change_lte', target: -20 } }),
      row({ owner: { 'zh-CN': '客服主管' }, status: 'finished', blocker: text('无', 'none') }),
      row({ kpi: { metric: 'speed', comparison: 'lte', target: 15, baselineWeeks: { from: -2, to: 0 } } }),
    ]);
    const error = errorOf(load({ 'a-good.json': template('a-good', [row()]), 'broken.json': broken }));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('broken.json');
    const fields = (error as ValidationError).problems.map((problem) => problem.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'rows[1].weeks.to',
        'rows[2].kpi.baselineWeeks',
        'rows[3].owner.en',
        'rows[3].status',
        'rows[3]',
        'rows[4].kpi.metric',
        'rows[4].kpi.baselineWeeks.to',
      ]),
    );
    expect(fields).not.toContainEqual(expect.stringMatching(/^rows\[0\]/));
    for (const field of fields) expect(error.message).toContain(field);
    expect(error.message).toContain('blocker');
  });

  test('a file that is not JSON, or whose key is not its name, is named', () => {
    const notJson = errorOf(load({ 'half.json': '{ "key": "half", ' }));
    expect(notJson.message).toContain('half.json');
    const renamed = errorOf(load({ 'copy.json': template('six-step-method', [row()]) }));
    expect(renamed.message).toContain('copy.json');
    expect((renamed as ValidationError).problems).toEqual([{ field: 'key', message: expect.stringContaining('"copy"') as string }]);
  });

  test('a template without rows is refused', () => {
    expect((errorOf(load({ 'empty.json': template('empty', []) })) as ValidationError).problems.map((problem) => problem.field)).toEqual(['rows']);
  });
});
