import { Router, type Request, type Response } from 'express';
import { ownersOf } from '../../../engine/workflow.js';
import { localDate } from '../../../shared/clock.js';
import { ROW_STATUSES, type RowContent } from '../../../services/execution-tables/execution-table.js';
import { AppError, ConflictError, InvalidWorkbookError, type FieldProblem, NotFoundError, TooLargeError, ValidationError } from '../../../shared/errors.js';
import { localPath, type PageKit } from '../page-kit.js';
import { flash } from '../session.js';
import { idOf } from '../../http/ids.js';
import {
  fieldErrors,
  fieldProblemLines,
  historyLines,
  importPreview,
  ownerOptions,
  rowEditor,
  rowFromForm,
  scheduleOf,
  tablePage,
  type OwnerChoices,
  type RowForm,
  type TableView,
} from '../view-models/execution-table-page.js';
import { overLimit } from '../view-models/over-limit.js';
import { problemText } from '../view-models/problem-text.js';

/** Where the import form posts its workbook. */
export const importUploadPath = '/execution-tables/:id/import';

/**
 * `/execution-tables`: optimization projects, their execution table (sortable, filterable, edited in place),
 * a row's page with its KPI target and history, the week-by-week schedule, and Excel import with a preview.
 * The workbook itself downloads from the API (`/api/execution-tables/:id/export.xlsx`). Managers only: the
 * path is guarded with the other managers' pages (`manager.routes.ts`).
 */
export function executionTableRoutes(kit: PageKit): Router {
  const router = Router();
  const { executionTables, templates, clock } = kit.app;

  const tableId = (req: Request): number => {
    const id = idOf(req.params.id);
    if (id === undefined) throw new NotFoundError(`no execution table ${String(req.params.id)}`);
    return id;
  };
  const rowId = (req: Request): number => {
    const id = idOf(req.params.rowId);
    if (id === undefined) throw new NotFoundError(`no row ${String(req.params.rowId)}`);
    return id;
  };
  const body = (req: Request) => req.body as Record<string, unknown>;
  const text = (req: Request, name: string): string => (typeof body(req)[name] === 'string' ? (body(req)[name] as string) : '');

  async function sendList(req: Request, res: Response, form: Record<string, unknown> = {}, problems: string[] = [], status = 200): Promise<void> {
    const f = kit.formatter(req);
    const [tables, versions] = await Promise.all([executionTables.list(), kit.catalog.latest()]);
    await kit.send(
      req,
      res,
      'execution-tables',
      'executionTables.title',
      {
        tables: tables.map((t) => ({
          ...t,
          startDate: t.startDate,
          createdAt: f.dateTime(t.createdAt),
          counts: ROW_STATUSES.map((s) => ({ status: s, label: f.t(`executionTables.status.${s}`), count: t.progress.counts[s] })),
        })),
        templates: templates.listTemplates().map((t) => ({
          key: t.key,
          name: t.name[f.locale],
          description: t.description[f.locale],
          rows: t.rowCount,
          selected: (form.template ?? t.key) === t.key,
        })),
        workflows: versions.map((v) => ({ key: v.key, name: v.name, checked: Array.isArray(form.workflows) && form.workflows.includes(v.key) })),
        form: { name: '', startDate: localDate(clock.now(), f.timeZone), ...form },
        problems,
      },
      status,
    );
  }

  router.get('/execution-tables', (req, res) => sendList(req, res));

  router.post('/execution-tables', async (req, res) => {
    const workflows = ([] as unknown[]).concat(body(req).workflow ?? []).filter((w): w is string => typeof w === 'string');
    const template = text(req, 'template');
    const form = { name: text(req, 'name'), startDate: text(req, 'startDate'), template, workflows };
    try {
      const table = await executionTables.create(
        { name: form.name, startDate: form.startDate, workflows, ...(template ? { template } : {}), locale: kit.formatter(req).locale },
        req.user!.email,
      );
      flash(req, { kind: 'success', key: 'executionTables.created', values: { name: table.name } });
      res.redirect(303, `/execution-tables/${table.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await sendList(req, res, form, fieldProblemLines(error.problems, kit.formatter(req)), 400);
    }
  });

  /** The people and the SOP roles (lanes of the table's workflows; of every workflow when it names none) an owner may name. */
  async function ownerChoices(tableWorkflows: string[]): Promise<OwnerChoices> {
    const [people, versions] = await Promise.all([kit.app.users.list(), kit.catalog.latest()]);
    const workflows = tableWorkflows.length ? versions.filter((v) => tableWorkflows.includes(v.key)) : versions;
    return { people: people.map((p) => ({ name: p.name, email: p.email })), roles: ownersOf(workflows.map((v) => v.workflow)) };
  }

  async function sendTable(req: Request, res: Response, added?: RowForm, status = 200): Promise<void> {
    const f = kit.formatter(req);
    const table = await executionTables.get(tableId(req));
    const choices = await ownerChoices(table.workflows);
    const query = req.query as Record<string, unknown>;
    const view: TableView = {
      status: typeof query.status === 'string' ? query.status : '',
      owner: typeof query.owner === 'string' ? query.owner : '',
      sort: typeof query.sort === 'string' ? query.sort : 'position',
      dir: query.dir === 'desc' ? 'desc' : 'asc',
    };
    const measured = await executionTables.measure(table, table.rows);
    await kit.send(
      req,
      res,
      'execution-table',
      { text: table.name },
      tablePage(table, view, localDate(clock.now(), f.timeZone), f, choices, measured, added),
      status,
    );
  }

  router.get('/execution-tables/:id', (req, res) => sendTable(req, res));

  router.get('/execution-tables/:id/schedule', async (req, res) => {
    const f = kit.formatter(req);
    const table = await executionTables.get(tableId(req));
    await kit.send(
      req,
      res,
      'execution-schedule',
      { text: `${table.name} · ${f.t('executionTables.schedule')}` },
      { table: { id: table.id, name: table.name }, svg: scheduleOf(table, localDate(clock.now(), f.timeZone), f) },
    );
  });

  router.post('/execution-tables/:id/rows', async (req, res) => {
    const id = tableId(req);
    let row;
    try {
      row = await executionTables.addRow(id, rowFromForm(body(req)), req.user!.email);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // The table again, the form open with what was typed and each problem next to its field.
      const values = Object.fromEntries(['phase', 'actions', 'owner', 'startDate', 'endDate', 'status'].map((name) => [name, text(req, name)]));
      return sendTable(req, res, { values, problems: error.problems }, 400);
    }
    flash(req, { kind: 'success', key: 'executionTables.rowAdded', values: { position: row.position } });
    res.redirect(303, `/execution-tables/${id}#row-${row.id}`);
  });

  async function sendRow(req: Request, res: Response, submitted?: Partial<RowContent>, problems: FieldProblem[] = [], status = 200): Promise<void> {
    const f = kit.formatter(req);
    const id = tableId(req);
    const [table, row, history, versions] = await Promise.all([
      executionTables.summary(id),
      executionTables.row(id, rowId(req)),
      executionTables.history(id, rowId(req)),
      kit.catalog.latest(),
    ]);
    const measured = await executionTables.measure(table, [row]);
    const owners = ownerOptions(await ownerChoices(table.workflows), f);
    const content = { ...row, ...submitted };
    await kit.send(
      req,
      res,
      'execution-row',
      { text: `${table.name} · ${row.position}. ${row.phase}` },
      {
        table: { id: table.id, name: table.name },
        row: {
          ...rowEditor(
            table,
            content,
            localDate(clock.now(), f.timeZone),
            f,
            measured.get(row.id),
            versions.map((v) => ({ key: v.key, name: v.name })),
          ),
          ownerUnknown: owners.isUnknown(content.owner),
        },
        kpiWindowDays: executionTables.kpiWindowDays,
        knownOwners: owners.options,
        history: historyLines(history, f),
        problems: fieldProblemLines(problems, f),
        errors: fieldErrors(problems, f),
      },
      status,
    );
  }

  router.get('/execution-tables/:id/rows/:rowId', (req, res) => sendRow(req, res));

  // Edits come from the table's inline forms (no KPI fields) and from the row's page (all fields).
  router.post('/execution-tables/:id/rows/:rowId', async (req, res) => {
    const f = kit.formatter(req);
    const content = rowFromForm(body(req));
    try {
      await executionTables.updateRow(tableId(req), rowId(req), content, req.user!.email);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return sendRow(req, res, content, error.problems, 400);
    }
    flash(req, { kind: 'success', key: 'executionTables.rowSaved' });
    res.redirect(303, localPath(body(req).back, `/execution-tables/${tableId(req)}`));
  });

  // A missed KPI target flags its row 需优化; the row's history keeps the measurement. A target met meanwhile is a 409 page.
  router.post('/execution-tables/:id/rows/:rowId/flag', async (req, res) => {
    const { row } = await executionTables.flagRow(tableId(req), rowId(req), req.user!.email);
    flash(req, { kind: 'success', key: 'executionTables.flagged', values: { position: row.position } });
    res.redirect(303, localPath(body(req).back, `/execution-tables/${tableId(req)}#row-${row.id}`));
  });

  router.post('/execution-tables/:id/rows/:rowId/move', async (req, res) => {
    await executionTables.updateRow(tableId(req), rowId(req), { position: Number(text(req, 'position')) }, req.user!.email);
    res.redirect(303, `/execution-tables/${tableId(req)}#row-${rowId(req)}`);
  });

  router.post('/execution-tables/:id/rows/:rowId/delete', async (req, res) => {
    const row = await executionTables.deleteRow(tableId(req), rowId(req), req.user!.email);
    flash(req, { kind: 'info', key: 'executionTables.rowDeleted', values: { position: row.position, phase: row.phase } });
    res.redirect(303, `/execution-tables/${tableId(req)}`);
  });

  /** The import page: a refusal, a preview, or the upload form again with why. */
  async function sendImport(req: Request, res: Response, model: Record<string, unknown>, status = 200): Promise<void> {
    const f = kit.formatter(req);
    const table = await executionTables.summary(tableId(req));
    await kit.send(req, res, 'execution-import', { text: `${table.name} · ${f.t('executionTables.import.title')}` }, { table, ...model }, status);
  }

  // The multipart body was read before the CSRF check, which needs its token field (see `pages.ts`).
  router.post(importUploadPath, async (req, res) => {
    const id = tableId(req);
    if (!req.file) throw new AppError('bad_request', 'choose a workbook (.xlsx) to upload');
    const f = kit.formatter(req);
    try {
      const rows = await executionTables.readWorkbook(id, req.file.buffer, kit.formatters);
      const staging = await executionTables.stageImport(id, rows, req.user!.email);
      res.redirect(303, `/execution-tables/${id}/import/${staging}`);
    } catch (error) {
      if (error instanceof TooLargeError) {
        // Past a limit: the import page names it (the setting, its maximum, where in the file), as the API does.
        const over = overLimit(error.details, f)!;
        const problem = { sheet: over.sheet ?? '', row: over.row ?? '', column: over.column ?? '', header: over.limit, message: over.text };
        return sendImport(req, res, { refused: { intro: f.t('executionTables.import.overLimit'), limit: over, problems: [problem] } }, 413);
      }
      // No workbook at all (a text file, random bytes): the upload form again, why beside its file field.
      if (error instanceof ValidationError) return sendImport(req, res, { upload: { error: fieldErrors(error.problems, f).file } }, 400);
      if (!(error instanceof InvalidWorkbookError)) throw error;
      await sendImport(req, res, { refused: { problems: error.problems.map((p) => ({ ...p, message: problemText(f, p) })) } }, 400);
    }
  });

  /**
   * A staged upload that cannot be applied: applied already (a second press, another tab), or made from rows
   * changed since. A 409 page that says which, with the upload form to go on from there.
   */
  async function sendImportConflict(req: Request, res: Response, error: unknown): Promise<void> {
    const reason = error instanceof ConflictError ? (error.details as { reason?: unknown } | undefined)?.reason : undefined;
    if (reason !== 'applied_already' && reason !== 'changed_since_preview') throw error;
    const f = kit.formatter(req);
    const text = f.t(reason === 'applied_already' ? 'executionTables.import.appliedAlready' : 'executionTables.import.changedSincePreview');
    await sendImport(req, res, { notice: { reason, text } }, 409);
  }

  router.get('/execution-tables/:id/import/:staging', async (req, res) => {
    const f = kit.formatter(req);
    const id = tableId(req);
    const staging = String(req.params.staging);
    const rows = await executionTables.stagedImport(id, staging, req.user!.email).catch((error: unknown) => sendImportConflict(req, res, error));
    if (!rows) return;
    await sendImport(req, res, { staging, preview: importPreview(await executionTables.previewImport(id, rows), f) });
  });

  router.post('/execution-tables/:id/import/:staging/apply', async (req, res) => {
    const id = tableId(req);
    const plan = await executionTables
      .applyStagedImport(id, String(req.params.staging), req.user!.email)
      .catch((error: unknown) => sendImportConflict(req, res, error));
    if (!plan) return;
    flash(req, {
      kind: 'success',
      key: 'executionTables.import.applied',
      values: { added: plan.added.length, changed: plan.changed.length, removed: plan.removed.length },
    });
    res.redirect(303, `/execution-tables/${id}`);
  });

  return router;
}
