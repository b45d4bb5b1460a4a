import type { Database } from '../database.js';

/** How many tickets run on one published version of a workflow. */
export interface VersionUsage {
  version: number;
  open: number;
  closed: number;
}

interface UsageRow {
  key: string;
  version: number | string;
  open: number | string | null;
  closed: number | string | null;
}

/** Tickets per workflow version, open and closed: what the workflow library lists beside each version. */
export interface WorkflowUsageReadModel {
  /** Every version of every workflow that has tickets, by key (versions without tickets are absent). */
  all(): Promise<Map<string, VersionUsage[]>>;
  /** The versions of one workflow that have tickets. */
  of(key: string): Promise<VersionUsage[]>;
}

export class KnexWorkflowUsageReadModel implements WorkflowUsageReadModel {
  constructor(private readonly db: Database) {}

  async all(): Promise<Map<string, VersionUsage[]>> {
    const byKey = new Map<string, VersionUsage[]>();
    for (const row of await this.rows()) {
      const list = byKey.get(row.key) ?? [];
      list.push(usageOf(row));
      byKey.set(row.key, list);
    }
    return byKey;
  }

  async of(key: string): Promise<VersionUsage[]> {
    return (await this.rows(key)).map(usageOf);
  }

  private async rows(key?: string): Promise<UsageRow[]> {
    const { knex } = this.db;
    const query = knex('tickets as t')
      .join('workflows as w', 'w.id', 't.workflow_id')
      .groupBy('w.key', 'w.version')
      .select('w.key', 'w.version')
      .select(knex.raw('sum(case when t.closed_at is null then 1 else 0 end) as open'))
      .select(knex.raw('sum(case when t.closed_at is null then 0 else 1 end) as closed'));
    if (key !== undefined) query.where('w.key', key);
    return (await query) as UsageRow[];
  }
}

function usageOf(row: UsageRow): VersionUsage {
  return { version: Number(row.version), open: Number(row.open ?? 0), closed: Number(row.closed ?? 0) };
}
