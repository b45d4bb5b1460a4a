import { exportExecutionTable } from '../../services/execution-tables/excel/export-workbook.js';
import { countStatuses, isOverdue, progressOf, weeksOf, type ExecutionRow, type ExecutionTable } from '../../services/execution-tables/execution-table.js';
import type { ImportPlan } from '../../services/execution-tables/import-plan.js';
import type { Measurement } from '../../services/execution-tables/kpi-measure.js';
import { localDate } from '../../shared/clock.js';
import type { Sopflow } from '../../sopflow.js';
import type { Formatter, Locale } from '../../shared/i18n.js';
import { defineRoute, XLSX_TYPE, type ApiRoute } from '../http/route.js';
import {
  ExportQuery,
  HistorySchema,
  ImportQuery,
  NewRowBody,
  NewTableBody,
  RowParams,
  RowPatchBody,
  RowSchema,
  TableIdParams,
  TableListSchema,
  TableSchema,
  TemplateListSchema,
} from './execution-tables.schemas.js';

const NO_TABLE = 'no execution table (or row) with this id';

function rowView(table: Pick<ExecutionTable, 'startDate'>, row: ExecutionRow, today: string, measured: Map<number, Measurement>) {
  return { ...row, weeks: weeksOf(table.startDate, row.startDate, row.endDate), overdue: isOverdue(row, today), measured: measured.get(row.id) ?? null };
}

function tableView(table: ExecutionTable, today: string, measured: Map<number, Measurement>) {
  return { ...table, progress: progressOf(countStatuses(table.rows)), rows: table.rows.map((row) => rowView(table, row, today, measured)) };
}

function planView(plan: ImportPlan) {
  return {
    added: plan.added.length,
    changed: plan.changed.length,
    removed: plan.removed.length,
    unchanged: plan.unchanged,
    details: {
      added: plan.added.map((row) => ({ sheetRow: row.sheetRow, phase: row.content.phase })),
      changed: plan.changed.map((change) => ({ id: change.id, changes: change.changes })),
      removed: plan.removed.map((row) => ({ id: row.id, phase: row.phase })),
    },
  };
}

export function executionTableRoutes({ executionTables, templates, clock }: Sopflow, formatter: (locale: Locale) => Formatter): ApiRoute[] {
  // "Today" for due dates and file names: the day in the zone the workbooks show times in.
  const zone = formatter('en').timeZone;
  const formatters = [formatter('zh-CN'), formatter('en')];
  return [
    defineRoute({
      operationId: 'listExecutionTableTemplates',
      tag: 'execution-tables',
      method: 'get',
      path: '/api/execution-tables/templates',
      summary: 'The starting plans in templates/ (the six-step method first)',
      access: 'manager',
      responses: { 200: { description: 'templates', schema: TemplateListSchema } },
      handle: () => Promise.resolve({ json: { items: templates.listTemplates() } }),
    }),
    defineRoute({
      operationId: 'listExecutionTables',
      tag: 'execution-tables',
      method: 'get',
      path: '/api/execution-tables',
      summary: 'Every optimization project, newest first, with counts per status',
      access: 'manager',
      responses: { 200: { description: 'projects', schema: TableListSchema } },
      async handle() {
        return { json: { items: await executionTables.list() } };
      },
    }),
    defineRoute({
      operationId: 'createExecutionTable',
      tag: 'execution-tables',
      method: 'post',
      path: '/api/execution-tables',
      summary: 'A new optimization project, from a template or empty',
      access: 'manager',
      body: NewTableBody,
      responses: { 201: { description: 'created, with its rows', schema: TableSchema } },
      errors: { 404: 'no template with this key' },
      async handle({ body, user, locale }) {
        const table = await executionTables.create({ ...body, locale: body.locale ?? locale }, user.email);
        return { status: 201, json: tableView(table, localDate(clock.now(), zone), await executionTables.measure(table, table.rows)) };
      },
    }),
    defineRoute({
      operationId: 'getExecutionTable',
      tag: 'execution-tables',
      method: 'get',
      path: '/api/execution-tables/:id',
      summary: 'A project with all its rows in order, weeks and overdue marks computed, each KPI target measured now',
      access: 'manager',
      params: TableIdParams,
      responses: { 200: { description: 'the table', schema: TableSchema } },
      errors: { 404: NO_TABLE },
      async handle({ params }) {
        const table = await executionTables.get(params.id);
        return { json: tableView(table, localDate(clock.now(), zone), await executionTables.measure(table, table.rows)) };
      },
    }),
    defineRoute({
      operationId: 'addExecutionRow',
      tag: 'execution-tables',
      method: 'post',
      path: '/api/execution-tables/:id/rows',
      summary: 'Add a row (at `position`, default last)',
      access: 'manager',
      params: TableIdParams,
      body: NewRowBody,
      responses: { 201: { description: 'the new row', schema: RowSchema } },
      errors: { 404: NO_TABLE },
      async handle({ params, body, user }) {
        const table = await executionTables.summary(params.id);
        const row = await executionTables.addRow(params.id, body, user.email);
        return { status: 201, json: rowView(table, row, localDate(clock.now(), zone), await executionTables.measure(table, [row])) };
      },
    }),
    defineRoute({
      operationId: 'updateExecutionRow',
      tag: 'execution-tables',
      method: 'patch',
      path: '/api/execution-tables/:id/rows/:rowId',
      summary: "Change a row's fields, or move it (`position`); the row's history keeps each change",
      access: 'manager',
      params: RowParams,
      body: RowPatchBody,
      responses: { 200: { description: 'the row as changed', schema: RowSchema } },
      errors: { 404: NO_TABLE },
      async handle({ params, body, user }) {
        const table = await executionTables.summary(params.id);
        const row = await executionTables.updateRow(params.id, params.rowId, body, user.email);
        return { json: rowView(table, row, localDate(clock.now(), zone), await executionTables.measure(table, [row])) };
      },
    }),
    defineRoute({
      operationId: 'flagExecutionRow',
      tag: 'execution-tables',
      method: 'post',
      path: '/api/execution-tables/:id/rows/:rowId/flag',
      summary: 'Set a row whose KPI target is missed to needs_optimization (需优化); its history keeps the measurement',
      access: 'manager',
      params: RowParams,
      responses: { 200: { description: 'the row, flagged (answered as it is when flagged already)', schema: RowSchema } },
      errors: {
        404: NO_TABLE,
        409: 'the row has no KPI target (details.reason no_target), its target is met (met) or nothing was measured yet (not_measured)',
      },
      async handle({ params, user }) {
        const table = await executionTables.summary(params.id);
        const { row, measurement } = await executionTables.flagRow(params.id, params.rowId, user.email);
        return { json: rowView(table, row, localDate(clock.now(), zone), new Map([[row.id, measurement]])) };
      },
    }),
    defineRoute({
      operationId: 'deleteExecutionRow',
      tag: 'execution-tables',
      method: 'delete',
      path: '/api/execution-tables/:id/rows/:rowId',
      summary: 'Delete a row; its history keeps what it held',
      access: 'manager',
      params: RowParams,
      responses: { 204: { description: 'deleted' } },
      errors: { 404: NO_TABLE },
      async handle({ params, user }) {
        await executionTables.deleteRow(params.id, params.rowId, user.email);
        return { status: 204, json: null };
      },
    }),
    defineRoute({
      operationId: 'getExecutionRowHistory',
      tag: 'execution-tables',
      method: 'get',
      path: '/api/execution-tables/:id/rows/:rowId/history',
      summary: "A row's history, newest first: who, when, each field from → to",
      access: 'manager',
      params: RowParams,
      responses: { 200: { description: 'changes', schema: HistorySchema } },
      errors: { 404: NO_TABLE },
      async handle({ params }) {
        return { json: { items: await executionTables.history(params.id, params.rowId) } };
      },
    }),
    defineRoute({
      operationId: 'exportExecutionTable',
      tag: 'execution-tables',
      method: 'get',
      path: '/api/execution-tables/:id/export.xlsx',
      summary: 'The table as an Excel workbook in the caller’s language (streamed: any size in flat memory); KPI targets with their live measurement',
      access: 'manager',
      params: TableIdParams,
      query: ExportQuery,
      responses: { 200: { description: 'the workbook', file: XLSX_TYPE } },
      errors: { 404: NO_TABLE },
      async handle({ params, query, locale }) {
        const table = await executionTables.summary(params.id);
        const now = clock.now();
        return {
          file: {
            contentType: XLSX_TYPE,
            filename: workbookName(table.name, now, zone),
            write: (output) =>
              exportExecutionTable(
                {
                  table,
                  rows: executionTables.rows(params.id),
                  formatter: formatter(query.lang ?? locale),
                  exportedAt: now,
                  today: localDate(now, zone),
                  measure: (rows) => executionTables.measure(table, rows),
                },
                output,
              ),
          },
        };
      },
    }),
    defineRoute({
      operationId: 'importExecutionTable',
      tag: 'execution-tables',
      method: 'post',
      path: '/api/execution-tables/:id/import',
      summary: 'Apply an edited workbook of the exported layout (multipart field `file`); `?preview=true` only says what would change',
      access: 'manager',
      params: TableIdParams,
      query: ImportQuery,
      body: 'workbook',
      uploadLimitBytes: executionTables.workbookLimits.uploadBytes,
      responses: { 200: { description: 'what changed (or, previewed, would change)' } },
      errors: {
        400: 'validation_failed, nothing written: the file is no workbook (details [{field: "file", code: notAWorkbook or noTableSheet}]), or cells are wrong (details [{sheet, row, column, header, message, code, values}], e.g. formulaNotComputed)',
        404: NO_TABLE,
      },
      async handle({ params, query, body, user }) {
        const rows = await executionTables.readWorkbook(params.id, body, formatters);
        const plan =
          query.preview === 'true' ? await executionTables.previewImport(params.id, rows) : await executionTables.applyImport(params.id, rows, user.email);
        return { json: { applied: query.preview !== 'true', ...planView(plan) } };
      },
    }),
  ];
}

/** "客服流程优化 2026 Q1 2026-11-23.xlsx": the project's name, without characters file systems refuse. */
function workbookName(name: string, ms: number, zone: string | undefined): string {
  return `${name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').slice(0, 120)} ${localDate(ms, zone)}.xlsx`;
}
