import { createHash } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { isUniqueViolation, type Database, type Transaction } from '../../data/database.js';
import { ConflictError, InvalidBpmnError, NotFoundError, type BpmnProblem } from '../../shared/errors.js';
import { exportBpmn } from '../../engine/bpmn/export.js';
import { importBpmnOrThrow } from '../../engine/import-bpmn.js';
import type { Workflow } from '../../engine/workflow.js';

/** One published version of a workflow. Versions never change once published. */
export interface WorkflowVersion {
  id: number;
  key: string;
  version: number;
  name: string;
  checksum: string;
  publishedAt: number;
  publishedBy: string;
  workflow: Workflow;
}

export interface WorkflowSummary {
  key: string;
  name: string;
  latestVersion: number;
  publishedAt: number;
  steps: number;
}

interface VersionRow {
  id: number;
  key: string;
  version: number;
  name: string;
  checksum: string;
  published_at: number;
  published_by: string;
  compiled: string;
}

const COLUMNS = ['id', 'key', 'version', 'name', 'checksum', 'published_at', 'published_by', 'compiled'];

/** Imports, versions and hands out workflows. Compiled versions are cached: they are immutable. */
export class WorkflowLibrary {
  private readonly byId = new Map<number, WorkflowVersion>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly calendars: ReadonlySet<string>,
  ) {}

  /**
   * Publishes a BPMN file as the next version of its process, unless it is byte for byte the latest version.
   * Refused whole (InvalidBpmnError with every problem) when it cannot run.
   */
  async import(source: Uint8Array | string, publishedBy: string): Promise<{ version: WorkflowVersion; created: boolean }> {
    const workflow = await importBpmnOrThrow(source);
    this.checkCalendars(workflow);
    const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
    const checksum = createHash('sha256').update(source).digest('hex');
    return this.db.write(async (trx) => {
      const latest = (await trx('workflows').where({ key: workflow.key }).orderBy('version', 'desc').first(COLUMNS)) as VersionRow | undefined;
      if (latest?.checksum === checksum) return { version: this.remember(latest), created: false };
      const row = {
        key: workflow.key,
        version: (latest?.version ?? 0) + 1,
        name: workflow.name,
        source_bpmn: text,
        compiled: JSON.stringify(workflow),
        checksum,
        published_at: this.clock.now(),
        published_by: publishedBy,
      };
      let id: number;
      try {
        const [inserted] = (await trx('workflows').insert(row).returning('id')) as Array<{ id: number }>;
        id = inserted!.id;
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`workflow ${workflow.key} version ${row.version} was published at the same time; import again`);
        throw error;
      }
      return { version: this.remember({ ...row, id }), created: true };
    });
  }

  async latest(key: string): Promise<WorkflowVersion> {
    const row = (await this.db.knex('workflows').where({ key }).orderBy('version', 'desc').first(COLUMNS)) as VersionRow | undefined;
    if (!row) throw new NotFoundError(`no workflow "${key}"`);
    return this.remember(row);
  }

  async version(key: string, version: number): Promise<WorkflowVersion> {
    const row = (await this.db.knex('workflows').where({ key, version }).first(COLUMNS)) as VersionRow | undefined;
    if (!row) throw new NotFoundError(`workflow "${key}" has no version ${version}`);
    return this.remember(row);
  }

  /**
   * A version by its row id, as tickets refer to it; served from memory after the first read. Inside a
   * write, pass its transaction: SQLite's one connection is busy with it.
   */
  async get(id: number, trx?: Transaction): Promise<WorkflowVersion> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const row = (await (trx ?? this.db.knex)('workflows').where({ id }).first(COLUMNS)) as VersionRow | undefined;
    if (!row) throw new NotFoundError(`no workflow version with id ${id}`);
    return this.remember(row);
  }

  async versions(key: string): Promise<Array<Omit<WorkflowVersion, 'workflow'>>> {
    const rows = (await this.db.knex('workflows').where({ key }).orderBy('version', 'desc').select(COLUMNS.filter((c) => c !== 'compiled'))) as VersionRow[];
    if (!rows.length) throw new NotFoundError(`no workflow "${key}"`);
    return rows.map(({ compiled: _, ...row }) => describe(row));
  }

  async list(): Promise<WorkflowSummary[]> {
    const latest = this.db.knex('workflows').select('key').max({ version: 'version' }).groupBy('key').as('latest');
    const rows = (await this.db
      .knex('workflows as w')
      .join(latest, (on) => on.on('w.key', 'latest.key').andOn('w.version', 'latest.version'))
      .orderBy('w.key')
      .select('w.id')) as Array<{ id: number }>;
    const versions = await Promise.all(rows.map((r) => this.get(r.id)));
    return versions.map((v) => ({ key: v.key, name: v.name, latestVersion: v.version, publishedAt: v.publishedAt, steps: Object.keys(v.workflow.steps).length }));
  }

  /** BPMN 2.0 XML with layout (generated when the imported file had none). */
  async bpmn(key: string, version: number): Promise<string> {
    return exportBpmn((await this.version(key, version)).workflow.graph);
  }

  private remember(row: VersionRow): WorkflowVersion {
    const cached = this.byId.get(row.id);
    if (cached) return cached;
    const version: WorkflowVersion = { ...describe(row), workflow: JSON.parse(row.compiled) as Workflow };
    this.byId.set(row.id, version);
    return version;
  }

  private checkCalendars(workflow: Workflow): void {
    const problems: BpmnProblem[] = [];
    const known = [...this.calendars].join(', ');
    for (const attribute of ['calendar', 'vipCalendar'] as const) {
      const name = workflow[attribute];
      if (name && !this.calendars.has(name)) {
        problems.push({ elementId: workflow.key, type: 'process', message: `${attribute} "${name}" is not defined; known calendars: ${known}` });
      }
    }
    for (const step of Object.values(workflow.steps)) {
      if (step.calendar && !this.calendars.has(step.calendar)) {
        problems.push({ elementId: step.id, type: 'step', message: `calendar "${step.calendar}" is not defined; known calendars: ${known}` });
      }
    }
    if (problems.length) throw new InvalidBpmnError(problems);
  }
}

function describe(row: Omit<VersionRow, 'compiled'>): Omit<WorkflowVersion, 'workflow'> {
  return {
    id: row.id,
    key: row.key,
    version: row.version,
    name: row.name,
    checksum: row.checksum,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}
