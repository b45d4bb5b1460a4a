import type { Clock } from '../../shared/clock.js';
import type { Comparison, Kpis, Metrics, MetricsQuery, MetricsService, TicketFactRow, TicketsQuery } from './metrics-model.js';

export type { MetricsService } from './metrics-model.js';

/** What the metric engine is built from (the read model is wired in as it lands). */
export interface MetricsDependencies {
  clock: Clock;
}

/** The one metric engine of issue 15. Skeleton: the contract's shape, answered once the read model lands. */
export function createMetricsService(deps: MetricsDependencies): MetricsService {
  const pending = (): never => {
    throw new Error(`the metric engine is not built yet (asked at ${deps.clock.now()})`);
  };
  return {
    metrics: (_q: MetricsQuery): Promise<Metrics> => Promise.resolve().then(pending),
    compare: (_a: MetricsQuery, _b: MetricsQuery): Promise<Comparison> => Promise.resolve().then(pending),
    tickets: (_q: TicketsQuery): Promise<{ rows: TicketFactRow[]; next?: string; total: number }> => Promise.resolve().then(pending),
    eachTicket: (_q: MetricsQuery): AsyncIterable<TicketFactRow> => ({ [Symbol.asyncIterator]: pending }),
    agents: (_q: MetricsQuery): Promise<Array<{ agent: string; kpis: Kpis }>> => Promise.resolve().then(pending),
  };
}
