import type { Formatter } from '../../../shared/i18n.js';
import type { CellValue, TableColumn, TableSheet } from '../table-workbook.js';
import type { KpiUnit } from '../../../services/analytics/definitions.js';
import { formatFigure } from './kpi-view.js';

/**
 * A table as a page shows it and as its Excel export holds it: one model, so the two never disagree. Each
 * cell keeps its raw value (for Excel) and its text (for the page), and may link to the tickets behind it.
 */
export interface PageCell {
  kind: TableColumn['kind'];
  value: CellValue;
  text: string;
  href?: string;
  /** A CSS class of the cell (a heatmap band). */
  tone?: string;
}

export interface PageRow {
  /** The row's anchor on the page (`step-Task_Answer`), for links from the diagram. */
  anchor?: string;
  cells: PageCell[];
}

export interface PageTable {
  /** Names the table in its export link (`/export/<id>.xlsx`) and its `data-testid`. */
  id: string;
  caption: string;
  columns: TableColumn[];
  rows: PageRow[];
  /** The table as a workbook, same filters. */
  exportHref: string;
  /** Said instead of an empty table. */
  empty: string;
}

/** A cell of a value in a column's kind, formatted in the reader's language. */
export function cell(kind: TableColumn['kind'], value: number | string | null, f: Formatter, extra: Partial<PageCell> = {}): PageCell {
  if (value === null || typeof value === 'string') return { kind, value, text: value ?? '—', ...extra };
  const text =
    kind === 'integer'
      ? formatFigure('count', value, f)
      : kind === 'share'
        ? formatFigure('rate', value, f)
        : kind === 'duration' || kind === 'hours'
          ? formatFigure('ms', value, f)
          : kind === 'instant'
            ? f.dateTime(value)
            : kind === 'number'
              ? formatFigure('score', value, f)
              : String(value);
  return { kind, value, text, ...extra };
}

/** The workbook of a page's table: its title row says what, for which workflow and period. */
export function tableSheet(table: Pick<PageTable, 'caption' | 'columns' | 'rows'>, title: string): TableSheet {
  const rows = table.rows.map((row) => row.cells.map((c, i) => (c.kind === table.columns[i]?.kind ? c.value : { kind: c.kind, value: c.value })));
  return { sheetName: table.caption, title, columns: table.columns, rows };
}

/** The column kind of a KPI's unit: how Excel stores it and the page formats it. */
export const UNIT_KIND: Record<KpiUnit, TableColumn['kind']> = { count: 'integer', ms: 'duration', rate: 'share', score: 'number' };
