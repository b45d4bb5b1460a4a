/**
 * Execution-table rows made up as they come, for the export benchmark: Chinese and English plans as managers
 * write them, every column filled in most rows, about one row in ten with a KPI target. Deterministic, and
 * never all in memory: the export reads them as the database cursor will.
 */
import {
  addDays,
  KPI_COMPARISONS,
  KPI_METRICS,
  ROW_STATUSES,
  type ExecutionRow,
  type KpiMetric,
  type KpiTarget,
} from '../../../server/services/execution-tables/execution-table.js';

export const BENCH_TABLE_START = '2026-01-05';

const PHASES = [
  '现状诊断',
  '流程梳理与瓶颈定位',
  '升级路径重设计',
  'SLA 分级与时限',
  '知识库整理',
  'Agent training',
  'Pilot on the chat channel',
  '质检抽查与复盘',
  'Rollout to all queues',
  '效果评估与持续改进',
];
const ACTIONS = [
  '梳理现有工单流程，统计各环节平均耗时与超时比例',
  '访谈一线客服与组长，收集重复提问与转派原因',
  'Map every L1 → L2 hand-off and agree on an owner and a time limit for each',
  '为高频问题编写标准回复模板，并在知识库中按产品线归类',
  'Run two 90-minute workshops per shift; record them for new hires',
  '每周抽查 50 张已关闭工单，按评分表打分并反馈到个人',
];
const OWNERS = ['客服主管', '质检专员', 'ops-lead@example.com', '培训负责人', 'it-support@example.com', '二线技术支持'];
const BLOCKERS = ['', '', '等待 IT 排期，工单系统字段无法自定义', 'Chat vendor API rate-limits exports', '夜班人手不足，培训时间难以安排'];
const SUGGESTIONS = ['', '先在一个渠道试点，两周后复盘再推广', 'Automate the first reply for order-status questions', '把超时提醒提前到时限的 80%'];
const NOTES = ['', '', '周会跟进', 'See the pilot report in the shared drive', '与财务确认退款权限'];

/** A small linear congruential generator: the same rows on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function* syntheticRows(count: number, seed = 20_260_105): AsyncGenerator<ExecutionRow> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const metrics = Object.keys(KPI_METRICS) as KpiMetric[];
  for (let i = 1; i <= count; i++) {
    const start = addDays(BENCH_TABLE_START, Math.floor(next() * 300));
    const scheduled = next() > 0.1;
    yield {
      id: i,
      position: i,
      phase: `${pick(PHASES)} ${i}`,
      actions: `${pick(ACTIONS)}（第 ${i} 项）\n${pick(ACTIONS)}`,
      owner: pick(OWNERS),
      startDate: scheduled ? start : null,
      endDate: scheduled ? addDays(start, 7 + Math.floor(next() * 28)) : null,
      status: pick(ROW_STATUSES),
      blockers: pick(BLOCKERS),
      suggestions: pick(SUGGESTIONS),
      notes: pick(NOTES),
      kpi: i % 10 === 0 ? target(pick(metrics), pick(KPI_COMPARISONS), next) : null,
      updatedAt: Date.UTC(2026, 0, 5) + i * 60_000,
      updatedBy: pick(OWNERS),
    };
  }
}

function target(metric: KpiMetric, comparison: KpiTarget['comparison'], next: () => number): KpiTarget {
  const relative = comparison === 'change_lte' || comparison === 'change_gte';
  return {
    metric,
    comparison,
    target: relative ? -Math.round(next() * 30) : Math.round(next() * 100),
    ...(relative ? { baseline: { from: '2025-12-01', to: '2025-12-28' } } : {}),
    description: `${metric} 目标，按周复核`,
  };
}
