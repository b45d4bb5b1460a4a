import type { ModdleElement } from 'bpmn-moddle';
import type { AuditOf } from '../../data/workflows/workflow-repository.js';
import type { WorkflowDraft, WorkflowDraftRepository } from '../../data/workflows/draft-repository.js';
import { parseBpmn } from '../../engine/bpmn/parse.js';
import type { Workflow } from '../../engine/workflow.js';
import type { Clock } from '../../shared/clock.js';
import { workflowLimitSetting } from '../../shared/config.js';
import { AppError, bpmnError, ConflictError, InvalidBpmnError, NotFoundError, TooLargeError, ValidationError, type BpmnProblem } from '../../shared/errors.js';
import type { AuditLog } from '../audit/audit.js';
import { parsePath, simulate } from './simulation.js';
import type { SimulationLine } from './simulation-lines.js';
import { lintDefinitions, type LintProblem } from './publish-lint.js';
import type { ConditionProblem, WorkflowChecks } from './workflow-checks.js';
import { diffWorkflows, type WorkflowDiff } from './workflow-diff.js';
import type { WorkflowLibrary, WorkflowVersion } from './workflow-library.js';

/** The draft an editor works on: the saved one, or (`saved` false) the latest version as it was published. */
export interface DraftView {
  key: string;
  bpmn: string;
  /** What a save names as its `baseRevision`: revisions only grow (0: never edited). */
  revision: number;
  basedOnVersion: number | null;
  /** Whether a draft is saved (if not, `bpmn` is the latest version's). */
  saved: boolean;
  updatedAt?: number;
  updatedBy?: string;
}

/** What publishing the draft would do: its problems (any refuses the publish), lint warnings, and the diff. */
export interface DraftCheck {
  key: string;
  revision: number;
  publishable: boolean;
  /** The importer's problems and the lint errors: each refuses the publish. */
  problems: BpmnProblem[];
  lint: LintProblem[];
  /** Against the latest published version; absent when the draft cannot be compiled. */
  diff?: WorkflowDiff;
  latestVersion: number | null;
}

export interface Published {
  version: WorkflowVersion;
  /** The draft's revision after the publish (a publish moves it on by one): what the next save names. */
  draftRevision: number;
  diff: WorkflowDiff;
  lint: LintProblem[];
}

/**
 * The shared drafts of workflows: managers open, save and publish them. Saves are optimistic (each names
 * the revision it was based on; a stale one is refused with 409 `conflict`, never overwritten). Publishing
 * checks the draft like an upload (`WorkflowChecks`) plus bpmnlint's errors, creates the next version and
 * deletes the draft in one transaction, with the diff from the version before in the audit log.
 */
export class WorkflowDrafts {
  /** Published versions parsed for diffs, by row id: a version never changes, and a save already parsed the one a publish diffs against. */
  private readonly parsedVersions = new Map<number, Promise<ModdleElement>>();

  constructor(
    private readonly drafts: WorkflowDraftRepository,
    private readonly library: WorkflowLibrary,
    private readonly checks: WorkflowChecks,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** A gateway condition as the editor types it: what a publish would refuse it for, or undefined. */
  conditionProblem(expression: string): ConditionProblem | undefined {
    return this.checks.conditionProblem(expression);
  }

  async open(key: string): Promise<DraftView> {
    const stored = await this.drafts.get(key);
    if (stored?.saved) return viewOf(stored);
    const latest = await this.library.latest(key);
    return { key, bpmn: await this.library.bpmn(key, latest.version), revision: stored?.revision ?? 0, basedOnVersion: latest.version, saved: false };
  }

  /** Saves `bpmn` as the next revision when `baseRevision` is still the stored one; else 409 naming the current revision. */
  async save(key: string, bpmn: string, baseRevision: number, actor: string): Promise<DraftView> {
    const latest = await this.library.latest(key);
    const maximum = this.checks.limits.maxBytes;
    if (Buffer.byteLength(bpmn) > maximum) {
      throw new TooLargeError(`the draft is larger than ${maximum} bytes`, workflowLimitSetting('maxBytes'), maximum);
    }
    const parsed = await parseBpmn(bpmn, this.checks.limits);
    if (!parsed.definitions) throw new InvalidBpmnError(parsed.problems);
    const processIds = processIdsOf(parsed.definitions);
    if (!processIds.includes(key))
      throw new InvalidBpmnError([bpmnError(processIds[0] ?? 'document', 'process', 'process_id_changed', `the process id must stay "${key}"`, { key })]);
    const summary = await this.diffSummary(latest, bpmn);
    const entry = this.audit.entry(
      actor,
      'workflow.draft_save',
      `workflow ${key} draft`,
      { revision: baseRevision },
      { revision: baseRevision + 1, ...summary },
    );
    const outcome = await this.drafts.save({ key, bpmn, baseRevision, basedOnVersion: latest.version, at: this.clock.now(), by: actor }, entry);
    if (outcome.kind === 'stale') throw staleDraft(outcome.current, baseRevision);
    return viewOf(outcome.draft);
  }

  /** Drops the saved draft at `revision` (409 when it moved on): the editor starts again from the latest version. */
  async discard(key: string, revision: number, actor: string): Promise<DraftView> {
    await this.stored(key);
    const entry = this.audit.entry(actor, 'workflow.draft_discard', `workflow ${key} draft`, { revision }, { revision: revision + 1 });
    const outcome = await this.drafts.discard(key, revision, this.clock.now(), actor, entry);
    if (outcome.kind === 'stale') throw staleDraft(outcome.current, revision);
    return this.open(key);
  }

  /** Validation, lint and diff of the stored draft, without publishing. */
  async check(key: string): Promise<DraftCheck> {
    const draft = await this.stored(key);
    const latest = await this.library.latest(key);
    const { workflow, problems, lint, diff } = await this.examine(draft.bpmn, latest);
    if (isOutdated(draft, latest))
      problems.push(
        bpmnError(key, 'process', 'draft_outdated', outdatedMessage(draft, latest), { basedOn: draft.basedOnVersion ?? 0, latest: latest.version }),
      );
    return {
      key,
      revision: draft.revision,
      publishable: !!workflow && problems.length === 0,
      problems,
      lint,
      ...(diff ? { diff } : {}),
      latestVersion: latest.version,
    };
  }

  /**
   * Publishes the stored draft at `revision` as the next version: refused whole with 422 `invalid_bpmn`
   * (every problem, lint errors among them) or 409 when the draft moved on. Running tickets keep their version.
   */
  async publish(key: string, revision: number, actor: string): Promise<Published> {
    const draft = await this.stored(key);
    if (draft.revision !== revision)
      throw new ConflictError(`the draft is at revision ${draft.revision}, not ${revision}; reload it`, { revision: draft.revision });
    const latest = await this.library.latest(key);
    if (isOutdated(draft, latest))
      throw new ConflictError(outdatedMessage(draft, latest), {
        revision: draft.revision,
        basedOnVersion: draft.basedOnVersion,
        latestVersion: latest.version,
      });
    const { workflow, problems, lint, diff } = await this.examine(draft.bpmn, latest);
    if (!workflow || problems.length) throw new InvalidBpmnError(problems);
    const summary = diffSummaryOf(diff!);
    const audit: AuditOf = (created) => [
      this.audit.entry(actor, 'workflow.publish', `workflow ${key} v${created.version}`, { version: latest.version }, { version: created.version, ...summary }),
    ];
    const { version, created } = await this.library.publish(workflow, draft.bpmn, actor, async (next) => {
      const outcome = await this.drafts.publish(key, revision, next, audit);
      if (outcome.kind === 'stale')
        throw new ConflictError(`the draft moved on while it was being published; reload it`, { revision: outcome.current?.revision ?? 0 });
      return outcome;
    });
    if (!created) throw new AppError('conflict', `the draft is identical to version ${version.version}: nothing to publish`, { version: version.version });
    return { version, draftRevision: revision + 1, diff: diff!, lint };
  }

  /**
   * Walks `path` (`answer,grade?level=L2,+PT3H,resolve`: events with fields, and pauses) through the saved draft
   * on a virtual clock from `start`: the steps entered, their limits, the timers armed, the reminders and
   * escalations that fire, as data (`simulationLineText` gives each its English). Nothing is written. An event
   * the draft refuses ends the walk with a `refused` line. 422 `invalid_bpmn` when the draft does not compile.
   */
  async dryRun(key: string, path: string, options: { vip: boolean; start: number }): Promise<SimulationLine[]> {
    const draft = await this.stored(key);
    const compiled = await this.checks.check(draft.bpmn);
    // A call to a workflow nobody published is the draft's problem (422), as on publish, not a missing route.
    const calls = await this.library.callProblems(compiled);
    if (calls.length) throw new InvalidBpmnError(calls);
    const workflow = await this.library.linkedNow(compiled);
    let steps: ReturnType<typeof parsePath>;
    try {
      steps = parsePath(path);
    } catch (error) {
      throw new ValidationError(`the path is not valid: ${error instanceof Error ? error.message : String(error)}`, [
        { field: 'path', message: 'events separated by commas, pauses as +PT2H', code: 'dryRunPath' },
      ]);
    }
    const lines: SimulationLine[] = [];
    simulate(workflow, steps, { start: options.start, thinkMs: 60_000, actor: 'dry-run', vip: options.vip, endOnRefusal: true }, (line) => lines.push(line));
    return lines;
  }

  private async stored(key: string): Promise<WorkflowDraft> {
    const draft = await this.drafts.get(key);
    if (!draft?.saved) throw new NotFoundError(`workflow "${key}" has no saved draft`);
    return draft;
  }

  /** The draft compiled by the importer's checks, linted, and compared with `latest`. */
  private async examine(
    bpmn: string,
    latest: WorkflowVersion,
  ): Promise<{ workflow?: Workflow; problems: BpmnProblem[]; lint: LintProblem[]; diff?: WorkflowDiff }> {
    const parsed = await parseBpmn(bpmn, this.checks.limits);
    if (!parsed.definitions) return { problems: parsed.problems, lint: [] };
    const lint = lintDefinitions(parsed.definitions);
    const lintErrors: BpmnProblem[] = lint
      .filter((p) => p.severity === 'error')
      .map((p) => bpmnError(p.elementId, `lint:${p.rule}`, 'lint_error', p.message, { rule: p.rule }));
    let workflow: Workflow | undefined;
    const problems: BpmnProblem[] = [];
    try {
      workflow = await this.checks.check(bpmn, {}, parsed);
      if (workflow.key !== latest.key)
        problems.push(bpmnError(workflow.key, 'process', 'process_id_changed', `the process id must stay "${latest.key}"`, { key: latest.key }));
      problems.push(...(await this.library.callProblems(workflow)));
    } catch (error) {
      if (!(error instanceof InvalidBpmnError)) throw error;
      problems.push(...error.problems);
    }
    problems.push(...lintErrors);
    if (!workflow) return { problems, lint };
    return { workflow, problems, lint, diff: await this.diffFrom(latest, parsed.definitions, workflow) };
  }

  /** The diff a save records in the audit log; a draft that does not compile yet records no diff. */
  private async diffSummary(latest: WorkflowVersion, bpmn: string): Promise<Record<string, unknown>> {
    const parsed = await parseBpmn(bpmn, this.checks.limits);
    const workflow = await this.checks.check(bpmn, {}, parsed).catch((error: unknown) => {
      if (error instanceof InvalidBpmnError) return undefined;
      throw error;
    });
    if (!workflow || !parsed.definitions) return { diff: 'the draft does not compile yet' };
    return diffSummaryOf(await this.diffFrom(latest, parsed.definitions, workflow));
  }

  private async diffFrom(latest: WorkflowVersion, definitions: ModdleElement, workflow: Workflow): Promise<WorkflowDiff> {
    return diffWorkflows({ definitions: await this.parsedVersion(latest), workflow: latest.workflow }, { definitions, workflow });
  }

  private parsedVersion(version: WorkflowVersion): Promise<ModdleElement> {
    let parsed = this.parsedVersions.get(version.id);
    if (!parsed) {
      parsed = this.library.bpmn(version.key, version.version).then(async (xml) => (await parseBpmn(xml, this.checks.limits)).definitions!);
      if (this.parsedVersions.size >= PARSED_VERSIONS_KEPT) this.parsedVersions.delete(this.parsedVersions.keys().next().value!);
      this.parsedVersions.set(version.id, parsed);
      parsed.catch(() => this.parsedVersions.delete(version.id));
    }
    return parsed;
  }
}

/** Parsed published versions kept for diffs: the latest of the workflows being edited at the same time. */
const PARSED_VERSIONS_KEPT = 16;

function diffSummaryOf(diff: WorkflowDiff): Record<string, unknown> {
  return {
    diff: diff.summary,
    added: diff.added.map((e) => e.id),
    removed: diff.removed.map((e) => e.id),
    changed: diff.changed.map((e) => `${e.id}: ${e.changes.map((c) => `${c.property} ${c.before} → ${c.after}`).join(', ')}`),
  };
}

/** Every process of the file: a collaboration may hold a customer's pool beside the workflow's own process. */
function processIdsOf(definitions: ModdleElement): string[] {
  const roots = (definitions.rootElements ?? []) as ModdleElement[];
  return roots.filter((root) => root.$type === 'bpmn:Process').map((root) => String(root.id));
}

/** A draft started from an older version than the latest: publishing it would undo what was published since. */
const isOutdated = (draft: WorkflowDraft, latest: WorkflowVersion) => draft.basedOnVersion !== null && draft.basedOnVersion !== latest.version;

const outdatedMessage = (draft: WorkflowDraft, latest: WorkflowVersion) =>
  `the draft started from version ${draft.basedOnVersion}, and version ${latest.version} was published since: publishing it would undo that version's changes; discard the draft and edit version ${latest.version}`;

function staleDraft(current: WorkflowDraft | undefined, baseRevision: number): ConflictError {
  return new ConflictError(
    current?.saved
      ? `the draft was saved by ${current.updatedBy} as revision ${current.revision} after you opened revision ${baseRevision}; reload it and apply your change again`
      : `the draft you opened (revision ${baseRevision}) was published or discarded, or a newer version was published; reload the workflow`,
    { revision: current?.revision ?? 0, updatedBy: current?.saved ? current.updatedBy : null },
  );
}

function viewOf(draft: WorkflowDraft): DraftView {
  return {
    key: draft.key,
    bpmn: draft.bpmn,
    revision: draft.revision,
    basedOnVersion: draft.basedOnVersion,
    saved: true,
    updatedAt: draft.updatedAt,
    updatedBy: draft.updatedBy,
  };
}
