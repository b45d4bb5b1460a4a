import type { TicketFactRow } from '../../../services/analytics/metrics-model.js';
import type { Formatter } from '../../../shared/i18n.js';
import type { TableColumn } from '../table-workbook.js';
import { cell, type PageTable } from './page-table.js';

/** Tickets a drill-down page lists at once; the rest follow by cursor. */
export const TICKET_PAGE_SIZE = 50;

/**
 * The tickets behind a number, one row each, linking to the ticket: when it came in, on which channel, level
 * and VIP, who handled it, its first response and resolution (business time), breaches, reopenings, CSAT,
 * FCR. The same table is the drill-down's workbook (every row, not one page).
 */
export function drillTable(rows: TicketFactRow[], f: Formatter, exportHref: string): PageTable {
  const column = (key: string, kind: TableColumn['kind']): TableColumn => ({ label: f.t(`analytics.columns.${key}`), kind });
  const yesNo = (value: boolean | null) => (value === null ? null : f.t(value ? 'fields.yes' : 'fields.no'));
  return {
    id: 'tickets',
    caption: f.t('analytics.tables.tickets'),
    exportHref,
    empty: f.t('analytics.noTickets'),
    columns: [
      column('ticket', 'integer'),
      column('createdAt', 'instant'),
      column('channel', 'text'),
      column('level', 'text'),
      column('vip', 'text'),
      column('agents', 'text'),
      column('firstResponse', 'duration'),
      column('resolution', 'duration'),
      column('breaches', 'integer'),
      column('reopenings', 'integer'),
      column('csat', 'integer'),
      column('fcr', 'text'),
      column('abandoned', 'text'),
      column('closedAt', 'instant'),
    ],
    rows: rows.map((row) => ({
      cells: [
        { kind: 'integer', value: row.id, text: `#${row.id}`, href: `/tickets/${row.id}` },
        cell('instant', row.createdAt, f),
        cell('text', f.t(`channels.${row.channel}`, { defaultValue: row.channel }), f),
        cell('text', row.level, f),
        cell('text', row.vip ? 'VIP' : null, f),
        cell('text', f.list(row.agents) || null, f),
        cell('duration', row.firstResponseMs, f),
        cell('duration', row.resolutionMs, f),
        cell('integer', row.breaches, f),
        cell('integer', row.reopenings, f),
        cell('integer', row.csat, f),
        cell('text', yesNo(row.fcr), f),
        cell('text', yesNo(row.abandoned), f),
        cell('instant', row.closedAt, f),
      ],
    })),
  };
}
