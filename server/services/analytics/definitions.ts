// Every KPI's definition, written once: the README's KPI table, the API and the pages' footnotes read it.

export type KpiId =
  | 'tickets'
  | 'firstResponse'
  | 'aht'
  | 'resolution'
  | 'waitingOnCustomer'
  | 'fcr'
  | 'abandonment'
  | 'slaTicket'
  | 'slaStep'
  | 'warnings'
  | 'breaches'
  | 'escalations'
  | 'reopenRate'
  | 'complaintRate'
  | 'csat'
  | 'csatSatisfied'
  | 'stepDuration';

export type KpiUnit = 'count' | 'ms' | 'rate' | 'score';

/** How a comparison judges a difference between two sets of tickets. */
export type CompareMethod = 'welch-mean' | 'bootstrap-median' | 'two-proportion-newcombe';

export interface KpiDefinition {
  id: KpiId;
  name: { en: string; zh: string };
  formula: { en: string; zh: string };
  unit: KpiUnit;
  /** Up is good (FCR, CSAT); false: down is good (durations, breaches); null: neither (counts). */
  higherIsBetter: boolean | null;
  /** The comparison's rows for this KPI, one per method (a duration: its mean, and its median where the dashboard shows one); none: not compared. */
  compare: readonly CompareMethod[];
}

/** The confidence of every comparison interval, and the resamples (seeded) of the median bootstrap. */
export const CONFIDENCE = 0.95;
export const BOOTSTRAP_RESAMPLES = 10_000;
export const BOOTSTRAP_SEED = 15;
/**
 * The fewest values a side needs before a median bootstrap gives a verdict: a handful of values resample to
 * almost the same median every time, and the interval then shows only the other side's spread (two tickets
 * against hundreds read as a confident "better"). The interval is still given.
 */
export const BOOTSTRAP_MIN_VALUES = 10;

export const COMPARE_METHODS: Record<CompareMethod, { en: string; zh: string }> = {
  'welch-mean': {
    en: "Difference of means B − A with Welch's 95% t interval: (B − A) ± t · √(s²A/nA + s²B/nB), t the 97.5% quantile of Student's t on the Welch–Satterthwaite degrees of freedom, over every ticket of each side. It assumes neither equal spreads nor normal durations once a side has a few hundred tickets (central limit theorem); with only a handful, read it with care.",
    zh: '均值之差 B − A，Welch t 95% 区间：(B − A) ± t · √(s²A/nA + s²B/nB)，t 取 Welch–Satterthwaite 自由度下 Student t 分布的 97.5% 分位数，使用两组全部工单。不要求两组方差相等；每组有数百张工单时也不要求耗时服从正态分布（中心极限定理）；只有少量工单时请谨慎解读。',
  },
  'bootstrap-median': {
    en: `Difference of medians (nearest rank) B − A with a 95% percentile bootstrap interval: ${BOOTSTRAP_RESAMPLES.toLocaleString('en')} resamples, seeded (${BOOTSTRAP_SEED}) so the same data gives the same interval. Each resample's median is drawn exactly from its order-statistic law (the ⌈n/2⌉-th of n uniform draws, a Beta variate) over each side's sorted values around its median, instead of redrawing every ticket. No verdict while a side has fewer than ${BOOTSTRAP_MIN_VALUES} values (the interval is still shown).`,
    zh: `中位数（最近秩）之差 B − A，95% 百分位自助法（bootstrap）区间：重抽样 ${BOOTSTRAP_RESAMPLES.toLocaleString('en')} 次，固定随机种子（${BOOTSTRAP_SEED}），同样数据得到同样区间。每次重抽样的中位数按其次序统计量分布（n 次均匀抽取中第 ⌈n/2⌉ 小者，即 Beta 变量）直接从各组中位数附近的有序取值中抽取，而不必逐张工单重抽。任一组少于 ${BOOTSTRAP_MIN_VALUES} 个取值时不下结论（仍给出区间）。`,
  },
  'two-proportion-newcombe': {
    en: "Difference of rates B − A with Newcombe's hybrid score 95% interval (method 10, from each side's Wilson interval), which stays valid at rates of 0 or 1 and small samples.",
    zh: '比率之差 B − A，采用 Newcombe 混合得分 95% 区间（方法 10，由两组各自的 Wilson 区间合成），在比率为 0 或 1 及小样本时仍然有效。',
  },
};

/** What "better" needs: the whole interval on the good side of 0. */
export const VERDICT_RULE = {
  en: '"Better" or "worse" only when the 95% interval of the difference excludes 0; otherwise "no evidence".',
  zh: '仅当差值的 95% 区间不含 0 时才判定“更好”或“更差”，否则为“证据不足”。',
};

const BUSINESS = { en: 'business time on the calendar of the ticket (of the step, for step times)', zh: '按工单（步骤耗时按步骤）的工作日历计算的工作时间' };

export const KPI_DEFINITIONS: readonly KpiDefinition[] = [
  {
    id: 'tickets',
    name: { en: 'Tickets', zh: '工单数' },
    formula: {
      en: 'Tickets created in the period [from, to), with the filters; open = not closed yet.',
      zh: '在期间 [from, to) 内创建且符合筛选条件的工单；未结 = 尚未关闭。',
    },
    unit: 'count',
    higherIsBetter: null,
    compare: [],
  },
  {
    id: 'firstResponse',
    name: { en: 'First response time', zh: '首次响应时间' },
    formula: {
      en: `From creation to the first exit, by a person (not a timer or the system), of a person's step that does not wait on the customer, with an event other than "abandon"; ${BUSINESS.en}. Mean, p50, p90 (nearest rank) over tickets answered.`,
      zh: `从创建到首次由人员（非计时器、非系统）完成一个不等待客户的人工步骤（事件不是 abandon）；${BUSINESS.zh}。对已响应工单取均值、p50、p90（最近秩）。`,
    },
    unit: 'ms',
    higherIsBetter: false,
    compare: ['welch-mean', 'bootstrap-median'],
  },
  {
    id: 'aht',
    name: { en: 'Average handling time (AHT)', zh: '平均处理时长（AHT）' },
    formula: {
      en: `Per closed ticket the customer did not abandon, the sum of the business time of its visits to person's steps that do not wait on the customer (automatic steps excluded); the mean over those tickets.`,
      zh: '每张已关闭且未被客户放弃的工单，其在不等待客户的人工步骤（不含自动步骤）的工作时间之和；对这些工单取均值。',
    },
    unit: 'ms',
    higherIsBetter: false,
    compare: ['welch-mean'],
  },
  {
    id: 'resolution',
    name: { en: 'Resolution time', zh: '解决时长' },
    formula: {
      en: `From creation to close, ${BUSINESS.en}, waiting on the customer included (shown apart below). Mean, p50, p90 (nearest rank) over closed tickets.`,
      zh: `从创建到关闭，${BUSINESS.zh}，含等待客户时间（另行列出）。对已关闭工单取均值、p50、p90（最近秩）。`,
    },
    unit: 'ms',
    higherIsBetter: false,
    compare: ['welch-mean', 'bootstrap-median'],
  },
  {
    id: 'waitingOnCustomer',
    name: { en: 'Waiting on the customer', zh: '等待客户时长' },
    formula: {
      en: 'Per closed ticket, business time spent in steps that wait on the customer; the mean over closed tickets.',
      zh: '每张已关闭工单在“等待客户”步骤中的工作时间；对已关闭工单取均值。',
    },
    unit: 'ms',
    higherIsBetter: null,
    compare: ['welch-mean'],
  },
  {
    id: 'fcr',
    name: { en: 'First-contact resolution (FCR)', zh: '首次解决率（FCR）' },
    formula: {
      en: 'Closed tickets (not abandoned) resolved at the first level — no escalation, level L1 or none — and never reopened, ÷ closed tickets (not abandoned) whose window (ANALYTICS_FCR_WINDOW business days after close, default 3) has passed; tickets still inside the window are not counted yet.',
      zh: '已关闭（非放弃）且在一线解决（无升级、级别为 L1 或无级别）、从未重开的工单 ÷ 关闭后已过观察窗口（ANALYTICS_FCR_WINDOW 个工作日，默认 3）的已关闭（非放弃）工单；仍在窗口内的暂不计入。',
    },
    unit: 'rate',
    higherIsBetter: true,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'abandonment',
    name: { en: 'Abandonment rate', zh: '放弃率' },
    formula: {
      en: 'Tickets the customer left (a flow with sop:event="abandon") before any agent response ÷ tickets either answered or abandoned.',
      zh: '客户在任何坐席响应前离开（经 sop:event="abandon" 的流程）的工单 ÷ 已响应或已放弃的工单。',
    },
    unit: 'rate',
    higherIsBetter: false,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'slaTicket',
    name: { en: 'SLA compliance (tickets)', zh: 'SLA 达成率（工单）' },
    formula: {
      en: 'Tickets with a resolution limit: 1 − breached ÷ (closed + open already breached). A breach counts the moment it happens, so open breached tickets stay in the denominator.',
      zh: '有解决时限的工单：1 − 超时工单 ÷（已关闭 + 未关闭但已超时）。超时发生即计入，未关闭的超时工单不会被排除出分母。',
    },
    unit: 'rate',
    higherIsBetter: true,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'slaStep',
    name: { en: 'SLA compliance (steps)', zh: 'SLA 达成率（步骤）' },
    formula: {
      en: 'Visits of steps with a limit, ended or already breached: not breached ÷ all of them.',
      zh: '有时限步骤的访问（已结束或已超时）：未超时 ÷ 全部。',
    },
    unit: 'rate',
    higherIsBetter: true,
    compare: [],
  },
  {
    id: 'warnings',
    name: { en: 'Warned tickets', zh: '预警工单' },
    formula: {
      en: 'Tickets sent at least one SLA warning (step or resolution). A warning counts when its reminder goes out: when the scheduler fires the warning timer while the step (or the ticket) is still open; a step left past its warning point before that was not warned.',
      zh: '至少收到一次 SLA 预警（步骤或解决时限）的工单数。预警在提醒发出时计入：即调度器在步骤（或工单）仍未结束时触发预警计时器；在提醒发出前已越过预警点并离开的步骤不计为预警。',
    },
    unit: 'count',
    higherIsBetter: null,
    compare: [],
  },
  {
    id: 'breaches',
    name: { en: 'Breached tickets', zh: '超时工单' },
    formula: { en: 'Tickets with at least one breached step limit or a breached resolution limit.', zh: '至少有一个步骤超时或解决时限超时的工单数。' },
    unit: 'count',
    higherIsBetter: null,
    compare: [],
  },
  {
    id: 'escalations',
    name: { en: 'Escalated tickets', zh: '升级工单' },
    formula: {
      en: 'Tickets escalated at least once: an interrupting timer\'s escalation, or a step left by the "escalate" event.',
      zh: '至少升级一次的工单：中断型计时器的升级，或以 escalate 事件离开步骤。',
    },
    unit: 'count',
    higherIsBetter: null,
    compare: [],
  },
  {
    id: 'reopenRate',
    name: { en: 'Reopen rate', zh: '重开率' },
    formula: {
      en: "Closed tickets with at least one reopening — a person's step entered again through a flow that loops back in the SOP — ÷ closed tickets.",
      zh: '至少重开一次（经 SOP 中回环的流程再次进入人工步骤）的已关闭工单 ÷ 已关闭工单。',
    },
    unit: 'rate',
    higherIsBetter: false,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'complaintRate',
    name: { en: 'Complaint rate', zh: '投诉率' },
    formula: {
      en: 'Tickets of the complaint-handling SOP or with the field complaint = true ÷ tickets.',
      zh: '投诉处理 SOP 的工单或字段 complaint = true 的工单 ÷ 工单数。',
    },
    unit: 'rate',
    higherIsBetter: false,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'csat',
    name: { en: 'CSAT (mean)', zh: '满意度（均值）' },
    formula: {
      en: 'Mean of the field satisfaction (1–5) over rated tickets; unrated tickets are excluded.',
      zh: '已评分工单的 satisfaction 字段（1–5）均值；未评分工单不计入。',
    },
    unit: 'score',
    higherIsBetter: true,
    compare: ['welch-mean'],
  },
  {
    id: 'csatSatisfied',
    name: { en: 'CSAT (satisfied share)', zh: '满意占比' },
    formula: { en: 'Rated tickets scoring 4 or 5 ÷ rated tickets.', zh: '评分为 4 或 5 的工单 ÷ 已评分工单。' },
    unit: 'rate',
    higherIsBetter: true,
    compare: ['two-proportion-newcombe'],
  },
  {
    id: 'stepDuration',
    name: { en: 'Step duration', zh: '步骤耗时' },
    formula: {
      en: "Business time of ended visits of a step on its calendar: p50 and p90 — the nearest-rank visit's duration bucket (eight an octave), read within it by rank between its shortest and longest visit, so exact when that bucket holds one or two visits or visits of one duration and otherwise off by less than an eighth — p50 ÷ the step's limit, total time spent in the step (the bottleneck ranking), breach share = breached ÷ visits with a limit.",
      zh: '步骤已结束访问的工作时间（按步骤日历）：p50、p90 —— 取最近秩访问所在的耗时分桶（每倍程八个桶），在桶内按秩于最短与最长访问之间插值：该桶只有一两次访问或耗时相同时精确，否则误差小于八分之一；p50 ÷ 步骤时限，步骤总耗时（瓶颈排序），超时占比 = 超时 ÷ 有时限的访问。',
    },
    unit: 'ms',
    higherIsBetter: false,
    compare: [],
  },
];

export const PERCENTILE_RULE = {
  en: "Percentiles are nearest-rank: p50 is the ⌈n/2⌉-th smallest value, p90 the ⌈9n/10⌉-th. A step's are read from duration buckets (eight an octave) within which they are interpolated by rank: exact when the bucket holds one or two visits, otherwise off by less than an eighth.",
  zh: '百分位数取最近秩：p50 为第 ⌈n/2⌉ 小的值，p90 为第 ⌈9n/10⌉ 小的值。步骤耗时的百分位数取自耗时分桶（每倍程八个桶），在桶内按秩插值：桶内只有一两次访问时精确，否则误差小于八分之一。',
};

export function definitionOf(id: KpiId): KpiDefinition {
  return KPI_DEFINITIONS.find((d) => d.id === id)!;
}

/** The README's KPI table (English), generated from the definitions: a test keeps the README equal to it. */
export function kpiTableMarkdown(): string {
  const rows = KPI_DEFINITIONS.map(
    (d) => `| \`${d.id}\` | ${d.name.en} | ${d.formula.en.replaceAll('|', '\\|')} | ${d.compare.length ? d.compare.join(', ') : '—'} |`,
  );
  return ['| KPI | name | definition | before/after test |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
