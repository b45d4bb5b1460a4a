// The analytics contract (issue 15): what the metric engine answers, shared by the API, pages, reports and exports.
// Groupings and drill-down subsets are the read model's own, so the two cannot drift apart.
import type { FactGrouping, FactSubset } from '../../data/analytics/metrics-sql.js';
import type { CompareMethod } from './definitions.js';

export type GroupBy = Exclude<FactGrouping, 'all'>;

export const GROUP_BYS: readonly GroupBy[] = ['channel', 'level', 'vip', 'agent', 'team', 'week', 'version'];

export interface MetricsQuery {
  /** Workflow key; absent = all workflows. */
  workflow?: string;
  /** One version; absent = all versions of the key. */
  version?: number;
  /** Epoch ms: tickets CREATED in [from, to). */
  from: number;
  to: number;
  groupBy?: GroupBy;
  /** Filters; a drill-down uses the same. */
  channel?: string;
  level?: string;
  vip?: boolean;
  agent?: string;
  /** Tickets a step of this lane (step owner; 'none' for steps without) was closed by a person in: the `team` group's drill-down. */
  team?: string;
}

/** Every figure of one set of tickets; null where the denominator is 0. */
export interface Kpis {
  tickets: number;
  open: number;
  closed: number;
  /** Business time. */
  firstResponseMs: { mean: number | null; p50: number | null; p90: number | null; n: number };
  /** Handling time: sum of agent-owned, non-waiting, non-automatic step time per closed ticket. */
  ahtMs: { mean: number | null; n: number };
  resolutionMs: { mean: number | null; p50: number | null; p90: number | null; n: number };
  waitingOnCustomerMs: { mean: number | null; n: number };
  /** Resolved at first level, no reopen within the window. */
  fcr: { rate: number | null; n: number };
  abandonment: { rate: number | null; n: number };
  slaCompliance: { ticket: number | null; step: number | null; ticketN: number; stepN: number };
  warnings: number;
  breaches: number;
  escalations: number;
  reopenRate: number | null;
  complaintRate: number | null;
  csat: { mean: number | null; satisfiedShare: number | null; n: number };
}

export interface MetricsGroup {
  key: string;
  kpis: Kpis;
}

export interface StepStats {
  step: string;
  name: string;
  visits: number;
  p50Ms: number | null;
  p90Ms: number | null;
  /** p50 / limit. */
  medianOverLimit: number | null;
  totalWaitingMs: number;
  breachShare: number | null;
  slaMs: number | null;
  /** The step waits on the customer: its time is not the service's. */
  waitingOnCustomer: boolean;
}

export interface Variant {
  path: string[];
  tickets: number;
  meanResolutionMs: number | null;
}

export interface Rework {
  from: string;
  to: string;
  count: number;
}

export interface Metrics {
  query: MetricsQuery;
  kpis: Kpis;
  groups: MetricsGroup[];
  steps: StepStats[];
  bottlenecks: { byWaiting: StepStats[]; byBreachShare: StepStats[] };
  rework: Rework[];
  variants: Variant[];
  /** `week`: ISO week start date, YYYY-MM-DD. */
  weekly: Array<{ week: string; kpis: Kpis }>;
}

export type Verdict = 'better' | 'worse' | 'no-evidence';

export interface ComparisonRow {
  kpi: string;
  /** What is compared: the mean or the median (nearest rank) of per-ticket values, or a rate. */
  statistic: 'mean' | 'median' | 'rate';
  /** How the interval is made (definitions.ts, COMPARE_METHODS). */
  method: CompareMethod;
  a: number | null;
  b: number | null;
  nA: number;
  nB: number;
  /** b − a. */
  difference: number | null;
  ci95: [number, number] | null;
  verdict: Verdict;
}

export interface Comparison {
  a: MetricsQuery;
  b: MetricsQuery;
  rows: ComparisonRow[];
}

export interface TicketFactRow {
  id: number;
  workflow: string;
  version: number;
  channel: string;
  level: string | null;
  vip: boolean;
  createdAt: number;
  closedAt: number | null;
  agents: string[];
  firstResponseMs: number | null;
  resolutionMs: number | null;
  breaches: number;
  reopenings: number;
  csat: number | null;
  abandoned: boolean;
  /** Null until the ticket counts for FCR (closed, not abandoned, its window passed). */
  fcr: boolean | null;
  handleMs: number | null;
  waitingMs: number | null;
  escalations: number;
  warnings: number;
  complaint: boolean;
}

/**
 * The subset behind a figure; its count equals the figure: `tickets`, `open`, `closed`; `firstResponse`
 * (firstResponseMs.n); `fcr` (FCR numerator) and `fcrCounted` (fcr.n); `abandoned` (abandonment numerator);
 * `breached` (breaches); `resolutionBreached` (tickets breaching the resolution limit: ticketN × (1 − ticket));
 * `warned` (warnings); `reopened` (reopenRate × closed); `complaint`; `csat` (csat.n); `escalated` (escalations).
 */
export type DrillKpi = FactSubset;

export const DRILL_KPIS: readonly DrillKpi[] = [
  'tickets',
  'open',
  'closed',
  'firstResponse',
  'fcr',
  'fcrCounted',
  'abandoned',
  'breached',
  'resolutionBreached',
  'warned',
  'reopened',
  'complaint',
  'csat',
  'escalated',
];

/** The largest page of a drill-down; 50 when not asked. */
export const DRILL_PAGE_MAX = 500;
export const DRILL_PAGE_DEFAULT = 50;

export interface TicketsQuery extends MetricsQuery {
  kpi?: DrillKpi;
  cursor?: string;
  limit?: number;
}

export interface MetricsService {
  metrics(q: MetricsQuery): Promise<Metrics>;
  compare(a: MetricsQuery, b: MetricsQuery): Promise<Comparison>;
  /** Tickets behind a number: same filters; `kpi` selects the subset (e.g. 'breached'); cursor paging. */
  tickets(q: TicketsQuery): Promise<{ rows: TicketFactRow[]; next?: string; total: number }>;
  /** Streams every matching ticket's row (for the per-ticket Excel export), flat memory. Not checked: a stream's refusal would come after its headers, so callers `checkScope` first. */
  eachTicket(q: MetricsQuery): AsyncIterable<TicketFactRow>;
  /** Per agent; the team average is `metrics({...q, groupBy: 'agent'})`'s overall kpis. */
  agents(q: MetricsQuery): Promise<Array<{ agent: string; kpis: Kpis }>>;
  /** Refuses what every method above refuses before it reads: a version without its workflow, an unknown workflow or version. */
  checkScope(q: Pick<MetricsQuery, 'workflow' | 'version'>): Promise<void>;
}
