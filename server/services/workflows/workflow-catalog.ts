import type { WorkflowLibrary, WorkflowVersion } from './workflow-library.js';

/** The latest version of every workflow, read at most once per few seconds: every queue and intake page lists them. */
export class WorkflowCatalog {
  private cached: { at: number; versions: Promise<WorkflowVersion[]> } | undefined;

  constructor(
    private readonly workflows: WorkflowLibrary,
    private readonly ttlMs = 5000,
  ) {}

  latest(): Promise<WorkflowVersion[]> {
    const now = performance.now();
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const versions = this.workflows.list().then((list) => Promise.all(list.map((w) => this.workflows.latest(w.key))));
      // A failed read is not remembered.
      void versions.catch(() => (this.cached = undefined));
      this.cached = { at: now, versions };
    }
    return this.cached.versions;
  }

  /** Forget at once: a workflow was just published from this process. */
  invalidate(): void {
    this.cached = undefined;
  }
}
