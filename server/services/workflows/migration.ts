import type { MigrationCandidate, MigrationRepository, TicketMove } from '../../data/tickets/migration-repository.js';
import type { StepLogEntry, TimerWrite } from '../../data/tickets/ticket-records.js';
import { historyOf, replayTicket, type Blocked } from '../../engine/replay.js';
import type { EngineOptions, OpenVisit, TicketState } from '../../engine/ticket-engine.js';
import type { Workflow } from '../../engine/workflow.js';
import type { Clock } from '../../shared/clock.js';
import { DEFAULT_MIGRATION_APPLY_MAX, DEFAULT_MIGRATION_BATCH_SIZE } from '../../shared/config.js';
import { ConflictError, TooLargeError, ValidationError, type FieldProblem } from '../../shared/errors.js';
import type { AuditLog } from '../audit/audit.js';
import { columnsAfter } from '../tickets/ticket-effects.js';
import type { WorkflowLibrary, WorkflowVersion } from './workflow-library.js';

/** What the dry run found for one ticket: it moves cleanly, lands in other steps, or cannot move and why. */
export interface PlannedTicket {
  id: number;
  subject: string;
  /** The revision the plan was made at: the apply refuses the ticket if it changed since. */
  revision: number;
  outcome: 'clean' | 'moved' | 'blocked';
  /** The steps it waits in now, and (unless blocked) those it would wait in on the new version. */
  from: string[];
  to?: string[];
  reason?: Blocked;
}

export interface MigrationPlan {
  key: string;
  fromVersion: number;
  toVersion: number;
  counts: { clean: number; moved: number; blocked: number };
  tickets: PlannedTicket[];
}

export interface MigrationApplied {
  key: string;
  fromVersion: number;
  toVersion: number;
  moved: Array<{ id: number; revision: number; steps: string[] }>;
}

export interface MigrationSettings {
  batchSize: number;
  applyMax: number;
}

/** Step-log event of the visits a migration ended on the old version. */
const MIGRATED = 'migrated';

/**
 * Moves waiting tickets of one version of a workflow to a later one, with proof: each ticket's recorded
 * history is replayed through the new version on a virtual clock (the engine's `replayTicket`) before
 * anything moves. `plan` is the dry run, read in batches so that memory stays flat however many tickets
 * wait; `apply` replays the chosen tickets again and moves them in one transaction, audited, refusing the
 * whole apply when one changed since the plan (its revision) or cannot move.
 */
export class WorkflowMigrations {
  private readonly settings: MigrationSettings;

  constructor(
    private readonly repository: MigrationRepository,
    private readonly library: WorkflowLibrary,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly engine: EngineOptions = {},
    settings: Partial<MigrationSettings> = {},
  ) {
    this.settings = { batchSize: settings.batchSize ?? DEFAULT_MIGRATION_BATCH_SIZE, applyMax: settings.applyMax ?? DEFAULT_MIGRATION_APPLY_MAX };
  }

  /** The dry run of every open ticket of `fromVersion` (or only `tickets`), answered whole. */
  async plan(key: string, fromVersion: number, toVersion: number, tickets?: readonly number[]): Promise<MigrationPlan> {
    const listed: PlannedTicket[] = [];
    const counts = await this.dryRun(key, fromVersion, toVersion, (planned) => listed.push(planned), tickets);
    return { key, fromVersion, toVersion, counts, tickets: listed };
  }

  /**
   * The dry run, each ticket handed to `visit` as it is replayed: batches of `batchSize` tickets are read
   * by id, replayed and let go. Nothing is written.
   */
  async dryRun(
    key: string,
    fromVersion: number,
    toVersion: number,
    visit: (planned: PlannedTicket) => void,
    tickets?: readonly number[],
  ): Promise<MigrationPlan['counts']> {
    const { from, to } = await this.versions(key, fromVersion, toVersion);
    const counts = { clean: 0, moved: 0, blocked: 0 };
    const now = this.clock.now();
    const ids = tickets && [...new Set(tickets)].sort((a, b) => a - b);
    const size = this.settings.batchSize;
    // The next batch is read while this one is replayed: two batches at most in memory, the database's time hidden.
    const read = (after: number, offset: number) => {
      const only = ids?.slice(offset, offset + size);
      if (only && !only.length) return undefined;
      const batch = this.repository.openTickets(from.id, { after, limit: size, ...(only ? { ids: only } : {}) });
      // Awaited once the batch before is replayed; a replay that throws first leaves it, and its failure, unread.
      batch.catch(() => undefined);
      return batch;
    };
    let next = read(0, 0);
    for (let offset = size; next; offset += size) {
      const batch = await next;
      const more = ids ? offset < ids.length : batch.length === size;
      next = more ? read(batch[batch.length - 1]?.record.id ?? 0, offset) : undefined;
      for (const candidate of batch) {
        const planned = (await this.replay(from, to, candidate, now)).planned;
        counts[planned.outcome]++;
        visit(planned);
      }
    }
    return counts;
  }

  /**
   * Moves `tickets` (each with the revision its plan saw) in one transaction: all or none. 409 `conflict`
   * when one changed since (details `{stale: [{id}]}`), 400 when one cannot move (details name it and why:
   * `ticketCannotMove` with the ticket and its block code as values, for pages to word).
   */
  async apply(
    key: string,
    fromVersion: number,
    toVersion: number,
    tickets: ReadonlyArray<{ id: number; revision: number }>,
    actor: string,
  ): Promise<MigrationApplied> {
    if (tickets.length > this.settings.applyMax)
      throw new TooLargeError(`one migration moves at most ${this.settings.applyMax} tickets`, 'MIGRATION_APPLY_MAX', this.settings.applyMax);
    // A ticket named twice (at two revisions, say) would be checked against one of them only.
    const seen = new Set<number>();
    const twice = tickets.flatMap((t, index) => (seen.has(t.id) ? [index] : (seen.add(t.id), [])));
    if (twice.length)
      throw new ValidationError(
        'each ticket may be listed once',
        twice.map((index) => ({
          field: `tickets.${index}`,
          message: `ticket ${tickets[index]!.id} is listed twice`,
          code: 'ticketListedTwice',
          values: { ticket: tickets[index]!.id },
        })),
      );
    const { from, to } = await this.versions(key, fromVersion, toVersion);
    const expected = new Map(tickets.map((t) => [t.id, t.revision]));
    const ids = [...expected.keys()].sort((a, b) => a - b);
    const candidates: MigrationCandidate[] = [];
    for (let at = 0; at < ids.length; at += this.settings.batchSize) {
      const only = ids.slice(at, at + this.settings.batchSize);
      candidates.push(...(await this.repository.openTickets(from.id, { after: 0, limit: only.length, ids: only })));
    }
    const found = new Map(candidates.map((c) => [c.record.id, c]));
    const stale = ids
      .filter((id) => found.get(id)?.record.revision !== expected.get(id))
      .map((id) => ({ id, expectedRevision: expected.get(id)!, currentRevision: found.get(id)?.record.revision ?? null }));
    if (stale.length)
      throw new ConflictError(`ticket(s) ${stale.map((s) => s.id).join(', ')} changed, closed or moved since the plan; nothing was migrated: plan again`, {
        stale,
      });
    const now = this.clock.now();
    const moves: TicketMove[] = [];
    const problems: FieldProblem[] = [];
    for (const candidate of candidates) {
      const { planned, state, fields, linked } = await this.replay(from, to, candidate, now);
      if (!state) problems.push(cannotMove(candidate.record.id, planned.reason!));
      else moves.push(this.moveOf(candidate, from, linked, state, fields!, now, actor));
    }
    if (problems.length) throw new ValidationError(`${problems.length} ticket(s) cannot move to version ${toVersion}; nothing was migrated`, problems);
    const moved = moves.map((m) => ({ id: m.ticketId, revision: m.columns.revision, steps: m.openVisits.map((v) => v.step) }));
    const entry = this.audit.entry(
      actor,
      'workflow.migrate',
      `workflow ${key} v${fromVersion} → v${toVersion}`,
      { version: fromVersion, tickets: tickets.map((t) => ({ id: t.id, revision: t.revision })) },
      { version: toVersion, tickets: moved },
    );
    await this.repository.apply(moves, [entry]);
    return { key, fromVersion, toVersion, moved };
  }

  private async versions(key: string, fromVersion: number, toVersion: number): Promise<{ from: WorkflowVersion; to: WorkflowVersion }> {
    if (fromVersion >= toVersion)
      throw new ValidationError(`tickets move to a later version, not from v${fromVersion} to v${toVersion}`, [
        {
          field: 'toVersion',
          message: `must be later than fromVersion (${fromVersion})`,
          code: 'versionNotLater',
          values: { from: fromVersion, to: toVersion },
        },
      ]);
    return { from: await this.library.version(key, fromVersion), to: await this.library.version(key, toVersion) };
  }

  /**
   * The ticket's history, read with the version it runs (linked to the workflows its calls ran), replayed through
   * the new version linked as the ticket would run it: its calls keep the versions they ran, new calls the latest.
   */
  private async replay(
    from: WorkflowVersion,
    to: WorkflowVersion,
    { record, ended }: MigrationCandidate,
    now: number,
  ): Promise<{ planned: PlannedTicket; linked: WorkflowVersion; state?: TicketState; fields?: Record<string, unknown> }> {
    const old: Workflow = (await this.library.forTicket(from.id, record.state)).workflow;
    const linked = await this.library.atStart(to, record.state.calls);
    const history = historyOf(old, record, ended);
    const base = { id: record.id, subject: record.subject, revision: record.revision, from: history.openSteps };
    const outcome = replayTicket(linked.workflow, history, now, this.engine);
    if (outcome.kind === 'blocked') return { planned: { ...base, outcome: 'blocked', reason: outcome.reason }, linked };
    return { planned: { ...base, outcome: outcome.kind, to: outcome.steps }, linked, state: outcome.state, fields: outcome.fields };
  }

  private moveOf(
    { record }: MigrationCandidate,
    from: WorkflowVersion,
    to: WorkflowVersion,
    state: TicketState,
    fields: Record<string, unknown>,
    now: number,
    actor: string,
  ): TicketMove {
    return {
      ticketId: record.id,
      fromVersionId: from.id,
      toVersionId: to.id,
      toVersion: to.version,
      expectedRowVersion: record.rowVersion,
      expectedRevision: record.revision,
      // The KPI facts are the ticket's history, which a migration keeps.
      columns: columnsAfter({ state, fields, done: false }, record.revision + 1, now, null, record.facts),
      openVisits: state.openVisits.map((visit) => openRow(to.workflow, visit)),
      timers: state.timers.map((t) => {
        const write: TimerWrite = { key: t.key, kind: t.kind, dueAt: t.dueAt, armedAt: t.armedAt, cancelledAt: null };
        if (t.step) write.step = t.step;
        if (t.timerId) write.timerId = t.timerId;
        if (t.visit !== undefined) write.visit = t.visit;
        return write;
      }),
      at: now,
      actor,
      event: `${MIGRATED} v${from.version} → v${to.version}`,
    };
  }
}

/** Why one chosen ticket cannot move, naming it: the block's code as the reason, for pages to word. */
function cannotMove(ticket: number, reason: Blocked): FieldProblem {
  return { field: `tickets.${ticket}`, message: `${reason.code}: ${reason.message}`, code: 'ticketCannotMove', values: { ticket, reason: reason.code } };
}

function openRow(workflow: Workflow, visit: OpenVisit): StepLogEntry {
  const step = workflow.steps[visit.step]!;
  const row: StepLogEntry = {
    visit: visit.visit,
    step: visit.step,
    stepName: step.name,
    enteredAt: visit.enteredAt,
    breached: visit.breached,
    automatic: step.kind === 'automatic',
  };
  if (step.owner) row.owner = step.owner;
  if (visit.slaMs !== undefined) row.slaMs = visit.slaMs;
  if (visit.instance) row.instance = visit.instance;
  return row;
}
