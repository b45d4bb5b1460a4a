import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import type {
  AuditOf,
  NewWorkflowVersion,
  PublishOutcome,
  StoredWorkflowVersion,
  WorkflowRepository,
  WorkflowVersionHeader,
} from '../../data/workflows/workflow-repository.js';
import type { AuditLog } from '../audit/audit.js';
import type { WorkflowLimits } from '../../shared/config.js';
import { ConflictError, InvalidBpmnError, NotFoundError, type BpmnProblem } from '../../shared/errors.js';
import type { ReadOptions } from '../../engine/bpmn/read-graph.js';
import { exportBpmn } from '../../engine/bpmn/export.js';
import { linkCalls } from '../../engine/compile/link-calls.js';
import type { TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import { bindCalls, boundCalls, callProblems, LinkedWorkflows, type RecordedCalls } from './called-workflows.js';
import type { WorkflowChecks } from './workflow-checks.js';

/** One published version of a workflow. Versions never change once published. */
export interface WorkflowVersion extends WorkflowVersionHeader {
  workflow: Workflow;
}

export interface WorkflowSummary {
  key: string;
  name: string;
  latestVersion: number;
  publishedAt: number;
  steps: number;
}

/** Imports, versions and hands out workflows. Compiled versions are cached: they are immutable. */
export class WorkflowLibrary {
  private readonly byId = new Map<number, WorkflowVersion>();
  private readonly byNumber = new Map<string, WorkflowVersion>();
  private readonly linked = new LinkedWorkflows();

  constructor(
    private readonly repository: WorkflowRepository,
    private readonly clock: Clock,
    /** What every upload must pass; the same checks `sopflow validate` makes. */
    private readonly checks: WorkflowChecks,
    /** Where imports are recorded (who published which version); absent for tools that write no audit log. */
    private readonly audit?: AuditLog,
  ) {}

  /** What one imported file may cost (size, elements, text lengths, compile time): refused beyond. */
  get limits(): WorkflowLimits {
    return this.checks.limits;
  }

  /**
   * Publishes a BPMN file as the next version of its process, unless it is byte for byte the latest version.
   * Refused whole (InvalidBpmnError with every problem) when it cannot run or breaks a limit, and with
   * TooLargeError (413) when the file is larger than `limits.maxBytes`. Nothing is written then. A file with
   * several processes imports `options.process`, or its only executable one; the warnings name what was set aside.
   */
  async import(
    source: Uint8Array | string,
    publishedBy: string,
    options: ReadOptions = {},
  ): Promise<{ version: WorkflowVersion; created: boolean; warnings: BpmnProblem[] }> {
    const { workflow, warnings } = await this.checks.checkWithWarnings(source, options);
    const audit = this.audit;
    const entries: AuditOf | undefined =
      audit && ((created) => [audit.entry(publishedBy, 'workflow.import', `workflow ${created.key} v${created.version}`, null, { name: created.name })]);
    return { ...(await this.publish(workflow, source, publishedBy, (next) => this.repository.publish(workflow.key, next, entries))), warnings };
  }

  /**
   * Publishes a workflow that passed `checks` from `source` as the next version, written by `write` (the
   * repository's publish, or the drafts' transaction that also closes the draft). The latest version byte for
   * byte, or the same workflow and layout written out again: nothing is written.
   */
  async publish(
    workflow: Workflow,
    source: Uint8Array | string,
    publishedBy: string,
    write: (next: (latest: StoredWorkflowVersion | undefined) => NewWorkflowVersion | undefined) => Promise<PublishOutcome>,
  ): Promise<{ version: WorkflowVersion; created: boolean }> {
    const calls = await this.callProblems(workflow);
    if (calls.length) throw new InvalidBpmnError(calls);
    const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
    const checksum = createHash('sha256').update(source).digest('hex');
    // The editor and an export write the stored XML again: the same workflow, layout included, in other bytes.
    const current = await this.repository.latest(workflow.key);
    const rewritten = current && current.checksum !== checksum && (await sameWorkflow(current.workflow(), workflow));
    const same = (latest: StoredWorkflowVersion) => latest.checksum === checksum || (rewritten && latest.id === current.id);
    const outcome = await write((latest) =>
      latest && same(latest)
        ? undefined
        : {
            key: workflow.key,
            version: (latest?.version ?? 0) + 1,
            name: workflow.name,
            sourceBpmn: text,
            workflow,
            checksum,
            publishedAt: this.clock.now(),
            publishedBy,
          },
    );
    switch (outcome.kind) {
      case 'created':
        return { version: this.remember(outcome.version), created: true };
      case 'unchanged':
        return { version: this.remember(outcome.version), created: false };
      case 'taken':
        throw new ConflictError(`workflow ${workflow.key} version ${outcome.version} was published at the same time; publish again`);
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected publish outcome ${JSON.stringify(unexpected)}`);
      }
    }
  }

  async latest(key: string): Promise<WorkflowVersion> {
    const row = await this.repository.latest(key);
    if (!row) throw new NotFoundError(`no workflow "${key}"`);
    return this.remember(row);
  }

  async version(key: string, version: number): Promise<WorkflowVersion> {
    const cached = this.byNumber.get(`${key}@${version}`);
    if (cached) return cached;
    const row = await this.repository.version(key, version);
    if (!row) throw new NotFoundError(`workflow "${key}" has no version ${version}`);
    return this.remember(row);
  }

  /** A version by its row id, as tickets refer to it; served from memory after the first read. */
  async get(id: number): Promise<WorkflowVersion> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const row = await this.repository.byId(id);
    if (!row) throw new NotFoundError(`no workflow version with id ${id}`);
    return this.remember(row);
  }

  async versions(key: string): Promise<Array<Omit<WorkflowVersion, 'workflow'>>> {
    const headers = await this.repository.history(key);
    if (!headers.length) throw new NotFoundError(`no workflow "${key}"`);
    return headers;
  }

  async list(): Promise<WorkflowSummary[]> {
    const versions = await Promise.all((await this.repository.latestIds()).map((id) => this.get(id)));
    return versions.map((v) => ({
      key: v.key,
      name: v.name,
      latestVersion: v.version,
      publishedAt: v.publishedAt,
      steps: Object.keys(v.workflow.steps).length,
    }));
  }

  /** BPMN 2.0 XML with layout (generated when the imported file had none). */
  async bpmn(key: string, version: number): Promise<string> {
    return exportBpmn((await this.version(key, version)).workflow.graph);
  }

  private remember(stored: StoredWorkflowVersion): WorkflowVersion {
    const cached = this.byId.get(stored.id);
    if (cached) return cached;
    const { workflow, ...header } = stored;
    const version: WorkflowVersion = { ...header, workflow: workflow() };
    this.byId.set(stored.id, version);
    this.byNumber.set(`${version.key}@${version.version}`, version);
    return version;
  }

  /**
   * What the call activities of `workflow` would call if it were published now: refused when one calls a key
   * (or pinned version) nobody published, or when the calls come back to a workflow on their way (a cycle).
   */
  callProblems(workflow: Workflow): Promise<BpmnProblem[]> {
    return workflow.calls ? callProblems(workflow, this) : Promise.resolve([]);
  }

  /**
   * The version as a ticket starting now runs it: each call activity linked to the latest version of the
   * workflow it calls, or the pinned one (`kept`: the calls a migrating ticket ran keep their versions).
   */
  async atStart(version: WorkflowVersion, kept?: RecordedCalls): Promise<WorkflowVersion> {
    if (!version.workflow.calls) return version;
    return { ...version, workflow: this.linked.link(version.id, version.workflow, await bindCalls(version.workflow, this, kept)) };
  }

  /** The version a ticket runs on, by its row id: linked to the versions its calls recorded when it started. */
  async forTicket(id: number, state: Pick<TicketState, 'calls'>): Promise<WorkflowVersion> {
    const version = await this.get(id);
    if (!version.workflow.calls) return version;
    return { ...version, workflow: this.linked.link(version.id, version.workflow, await boundCalls(state.calls ?? {}, this)) };
  }

  /** A version by key and number as a ticket runs it, linked to the versions its calls recorded (`Ticket.calls`). */
  async ofTicket(key: string, version: number, calls: RecordedCalls | undefined): Promise<WorkflowVersion> {
    const found = await this.version(key, version);
    return found.workflow.calls ? this.forTicket(found.id, { calls: { ...calls } }) : found;
  }

  /** A workflow not published (a draft) linked as a ticket starting now would run it. */
  async linkedNow(workflow: Workflow): Promise<Workflow> {
    return workflow.calls ? linkCalls(workflow, await bindCalls(workflow, this)) : workflow;
  }
}

/**
 * The same workflow, layout included, whatever bytes it was read from. Writing both out is the proof, but costs
 * a tenth of a second for hundreds of steps: it is only paid when everything but the diagram already agrees.
 */
async function sameWorkflow(a: Workflow, b: Workflow): Promise<boolean> {
  const { graph: graphA, ...restA } = a;
  const { graph: graphB, ...restB } = b;
  if (JSON.stringify(restA) !== JSON.stringify(restB)) return false;
  return (await exportBpmn(graphA)) === (await exportBpmn(graphB));
}
