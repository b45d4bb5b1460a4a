import { PassThrough } from 'node:stream';
import { exportExecutionTable } from '../../../server/services/execution-tables/excel/export-workbook.js';
import type { ExecutionRow, ExecutionTable, RowContent } from '../../../server/services/execution-tables/execution-table.js';
import { createI18n, type Locale } from '../../../server/shared/i18n.js';

const { formatter } = createI18n(new URL('../../../views/locales/', import.meta.url), { timeZone: 'Asia/Shanghai' });
export { formatter };
export const FORMATTERS = [formatter('zh-CN'), formatter('en')];

export const EXPORTED_AT = Date.parse('2026-11-23T09:05:00Z');
export const TODAY = '2026-02-10';

export const TABLE: Omit<ExecutionTable, 'rows'> = {
  id: 7,
  name: '客服流程优化 2026 Q1',
  owner: 'lead@example.com',
  startDate: '2026-01-05',
  template: 'six-step-method',
  workflows: ['customer-inquiry'],
  createdAt: 0,
  createdBy: 'lead@example.com',
};

const base = { updatedAt: 0, updatedBy: 'lead@example.com' };

/** One row per status, dates present and absent, text in both scripts, targets of both kinds; rows 2 and 4 are overdue on TODAY. */
export const ROWS: ExecutionRow[] = [
  {
    ...base,
    id: 11,
    position: 1,
    phase: '现状诊断',
    actions: '梳理现有工单流程，统计各环节耗时\n访谈一线客服 5 人',
    owner: '客服主管',
    startDate: '2026-01-05',
    endDate: '2026-01-18',
    status: 'done',
    blockers: '',
    suggestions: '先看投诉最多的三类问题',
    notes: '',
    kpi: { metric: 'first_response_time', comparison: 'lte', target: 15, description: '首次响应 ≤ 15 分钟' },
  },
  {
    ...base,
    id: 12,
    position: 2,
    phase: 'Redesign the escalation path',
    actions: 'Map L1 → L2 hand-offs; agree on SLA per level',
    owner: 'ops@example.com',
    startDate: '2026-01-19',
    endDate: '2026-02-01',
    status: 'in_progress',
    blockers: '等待 IT 排期',
    suggestions: '',
    notes: 'weekly review',
    kpi: { metric: 'complaint_rate', comparison: 'change_lte', target: -20, baseline: { from: '2025-12-01', to: '2025-12-28' } },
  },
  {
    ...base,
    id: 15,
    position: 3,
    phase: '培训与上线',
    actions: '',
    owner: '',
    startDate: null,
    endDate: null,
    status: 'not_started',
    blockers: '',
    suggestions: '',
    notes: '',
    kpi: null,
  },
  {
    ...base,
    id: 13,
    position: 4,
    phase: '效果复盘',
    actions: '对比上线前后四周的满意度',
    owner: '客服主管',
    startDate: '2026-02-02',
    endDate: '2026-02-02',
    status: 'needs_optimization',
    blockers: '',
    suggestions: '',
    notes: '',
    kpi: { metric: 'csat_share_4_5', comparison: 'gte', target: 85.5 },
  },
];

export const OWNERS = new Set(['客服主管', 'ops@example.com']);
export const isKnownOwner = (owner: string): boolean => OWNERS.has(owner);

export async function* streamOf<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** The workbook as the export writes it, collected from the stream. */
export async function exportToBuffer(locale: Locale, rows: ExecutionRow[] = ROWS): Promise<Buffer> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await exportExecutionTable({ table: TABLE, rows: streamOf(rows), formatter: formatter(locale), exportedAt: EXPORTED_AT, today: TODAY }, output);
  return Buffer.concat(chunks);
}

export function contentOf(row: ExecutionRow): RowContent {
  const { phase, actions, owner, startDate, endDate, status, blockers, suggestions, notes, kpi } = row;
  return { phase, actions, owner, startDate, endDate, status, blockers, suggestions, notes, kpi };
}
