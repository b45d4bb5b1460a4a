import type { VersionUsage, WorkflowUsageReadModel } from '../../data/read-models/workflow-usage.query.js';
import type { WorkflowLibrary, WorkflowSummary, WorkflowVersion } from './workflow-library.js';

/** One published version as the library lists it: who published it, when, and the tickets running on it. */
export interface VersionOverview extends Omit<WorkflowVersion, 'workflow'> {
  open: number;
  closed: number;
}

export interface WorkflowOverviewEntry extends WorkflowSummary {
  versions: VersionOverview[];
}

/** The workflow library as managers browse it: every workflow with its versions and their ticket counts. */
export class WorkflowOverview {
  constructor(
    private readonly library: WorkflowLibrary,
    private readonly usage: WorkflowUsageReadModel,
  ) {}

  async all(): Promise<WorkflowOverviewEntry[]> {
    const [summaries, usage] = await Promise.all([this.library.list(), this.usage.all()]);
    return Promise.all(
      summaries.map(async (summary) => ({ ...summary, versions: withUsage(await this.library.versions(summary.key), usage.get(summary.key) ?? []) })),
    );
  }

  /** The versions of one workflow, newest first, with their ticket counts. */
  async versions(key: string): Promise<VersionOverview[]> {
    const [versions, usage] = await Promise.all([this.library.versions(key), this.usage.of(key)]);
    return withUsage(versions, usage);
  }
}

function withUsage(versions: Array<Omit<WorkflowVersion, 'workflow'>>, usage: VersionUsage[]): VersionOverview[] {
  const byVersion = new Map(usage.map((u) => [u.version, u]));
  return versions.map((v) => ({ ...v, open: byVersion.get(v.version)?.open ?? 0, closed: byVersion.get(v.version)?.closed ?? 0 }));
}
