import { addDays, daysBetween, isOverdue, ROW_STATUSES, weeksOf, type ExecutionRow, type RowStatus } from './execution-table.js';
import { el, SVG_FONT_FAMILY, xml } from '../../shared/svg-markup.js';

/**
 * The execution table's schedule as a week-by-week Gantt chart, drawn on the server as SVG: one column per
 * project week, one lane per row, a bar from start to end date. Colours come with a pattern and the status in
 * words, so the chart still reads when printed in greyscale. No `style` at all: the pages' Content-Security-Policy
 * forbids inline styles, so everything is a presentation attribute.
 */

export type GanttRow = Pick<ExecutionRow, 'id' | 'position' | 'phase' | 'actions' | 'owner' | 'startDate' | 'endDate' | 'status'>;

/** The words on the chart, in the reader's language. */
export interface GanttLabels {
  /** A column's header: "第1周" / "W1". */
  week(n: number): string;
  status: Record<RowStatus, string>;
  overdue: string;
  today: string;
  unscheduled: string;
  /** Shown instead of a chart when the table has no rows. */
  empty: string;
}

export interface GanttInput {
  /** The project's start: the first day of week 1. */
  startDate: string;
  rows: GanttRow[];
  today: string;
  labels: GanttLabels;
}

const PAD = 8;
const LABEL_WIDTH = 200;
const DAY_WIDTH = 8;
const WEEK_WIDTH = 7 * DAY_WIDTH;
const HEADER_HEIGHT = 28;
const LANE_HEIGHT = 28;
const BAR_HEIGHT = 16;
const FONT_SIZE = 12;
const SWATCH_WIDTH = 16;
const OVERDUE_COLOUR = '#dc2626';
const MUTED_COLOUR = '#6b7280';
const TODAY_COLOUR = '#111827';

/** Dark solid, striped, cross-hatched, light dashed: four looks that stay apart in greyscale too. */
const STATUS_LOOK: Record<RowStatus, { fill: string; stroke: string; dash?: string }> = {
  not_started: { fill: '#f3f4f6', stroke: MUTED_COLOUR, dash: '4 2' },
  in_progress: { fill: 'url(#gantt-in_progress)', stroke: '#1e40af' },
  done: { fill: '#15803d', stroke: '#14532d' },
  needs_optimization: { fill: 'url(#gantt-needs_optimization)', stroke: '#92400e' },
};

// NOTE: two charts on one page define the same pattern ids with the same content, so either one serves both.
const PATTERNS = [
  el(
    'pattern',
    { id: 'gantt-in_progress', patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)' },
    el('rect', { width: 6, height: 6, fill: '#2563eb' }),
    el('rect', { width: 2, height: 6, fill: '#bfdbfe' }),
  ),
  el(
    'pattern',
    { id: 'gantt-needs_optimization', patternUnits: 'userSpaceOnUse', width: 6, height: 6 },
    el('rect', { width: 6, height: 6, fill: '#fbbf24' }),
    el('path', { d: 'M0 0L6 6M6 0L0 6', stroke: '#78350f', 'stroke-width': 1 }),
  ),
];

/**
 * The schedule of an execution table as an SVG document (a string to put in the page as it is: every text in
 * it is escaped). The same input gives the same output, byte for byte.
 *
 * @example
 * scheduleSvg({ startDate: table.startDate, rows: table.rows, today: '2026-04-02', labels });
 */
export function scheduleSvg({ startDate, rows, today, labels }: GanttInput): string {
  if (rows.length === 0) return emptySvg(labels.empty);
  const lanes = [...rows].sort((a, b) => a.position - b.position || a.id - b.id);
  const scheduled = lanes.map((row) => weeksOf(startDate, row.startDate, row.endDate)).filter((weeks) => weeks !== null);
  const firstWeek = Math.min(1, ...scheduled.map((weeks) => weeks.from));
  const lastWeek = Math.max(firstWeek, ...scheduled.map((weeks) => weeks.to));
  const weekCount = lastWeek - firstWeek + 1;
  const chartStart = addDays(startDate, 7 * (firstWeek - 1));
  const chartLeft = PAD + LABEL_WIDTH + statusColumnWidth(labels);
  const x = (date: string): number => chartLeft + daysBetween(chartStart, date) * DAY_WIDTH;
  const lanesBottom = HEADER_HEIGHT + lanes.length * LANE_HEIGHT;
  const legend = legendOf(labels, lanesBottom + 12);
  const width = Math.max(chartLeft + weekCount * WEEK_WIDTH + PAD, legend.width + 2 * PAD);
  const height = lanesBottom + 40;

  const columns = Array.from({ length: weekCount }, (_, index) => {
    const left = chartLeft + index * WEEK_WIDTH;
    return el(
      'g',
      { class: 'gantt-week' },
      index % 2 === 1 ? el('rect', { x: left, y: 0, width: WEEK_WIDTH, height: lanesBottom, fill: '#f9fafb' }) : '',
      el('line', { x1: left, y1: 0, x2: left, y2: lanesBottom, stroke: '#e5e7eb' }),
      el(
        'text',
        { x: left + WEEK_WIDTH / 2, y: HEADER_HEIGHT / 2 + 4, 'text-anchor': 'middle', 'font-size': 11, fill: '#374151' },
        xml(fit(labels.week(firstWeek + index), WEEK_WIDTH - 4, 11)),
      ),
    );
  });
  const laneMarks = lanes.map((row, index) => lane(row, HEADER_HEIGHT + index * LANE_HEIGHT, { left: chartLeft, right: width - PAD, x, today, labels }));
  const todayLine =
    today >= chartStart && daysBetween(chartStart, today) < weekCount * 7
      ? el(
          'line',
          {
            class: 'gantt-today',
            x1: x(today) + DAY_WIDTH / 2,
            y1: HEADER_HEIGHT - 4,
            x2: x(today) + DAY_WIDTH / 2,
            y2: lanesBottom,
            stroke: TODAY_COLOUR,
            'stroke-width': 2,
            'stroke-dasharray': '6 3',
          },
          el('title', {}, xml(`${labels.today} ${today}`)),
        )
      : '';

  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'gantt',
      role: 'img',
      'aria-label': summary(lanes, today, labels, firstWeek, lastWeek),
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': SVG_FONT_FAMILY,
      'font-size': FONT_SIZE,
    },
    el('defs', {}, ...PATTERNS),
    ...columns,
    el('line', { x1: PAD, y1: HEADER_HEIGHT, x2: width - PAD, y2: HEADER_HEIGHT, stroke: '#9ca3af' }),
    ...laneMarks,
    todayLine,
    legend.markup,
  );
}

function lane(row: GanttRow, top: number, chart: { left: number; right: number; x(date: string): number; today: string; labels: GanttLabels }): string {
  const { labels } = chart;
  const overdue = isOverdue(row, chart.today);
  const baseline = top + LANE_HEIGHT / 2 + 4;
  const look = STATUS_LOOK[row.status];
  const status = overdue ? overdueStatus(labels, row.status) : labels.status[row.status];
  const schedule = row.startDate && row.endDate ? `${row.startDate} – ${row.endDate}` : labels.unscheduled;
  const tooltip = [`${row.position}. ${row.phase}`, row.actions, row.owner, schedule, status].filter((line) => line.trim() !== '').join('\n');

  const mark =
    row.startDate && row.endDate
      ? el('rect', {
          class: 'gantt-bar',
          'data-row': row.id,
          'data-status': row.status,
          'data-overdue': overdue ? 'true' : undefined,
          x: chart.x(row.startDate),
          y: top + (LANE_HEIGHT - BAR_HEIGHT) / 2,
          width: chart.x(row.endDate) + DAY_WIDTH - chart.x(row.startDate),
          height: BAR_HEIGHT,
          rx: 3,
          fill: look.fill,
          stroke: overdue ? OVERDUE_COLOUR : look.stroke,
          'stroke-width': overdue ? 3 : 1,
          'stroke-dasharray': overdue ? undefined : look.dash,
        })
      : el(
          'text',
          { class: 'gantt-unscheduled', 'data-row': row.id, x: chart.left + 6, y: baseline, fill: MUTED_COLOUR, 'font-style': 'italic' },
          xml(labels.unscheduled),
        );

  return el(
    'g',
    { class: 'gantt-lane', 'data-row': row.id },
    el('title', {}, xml(tooltip)),
    el('text', { class: 'gantt-label', x: PAD, y: baseline, fill: '#111827' }, xml(fit(`${row.position}. ${row.phase}`, LABEL_WIDTH - 8, FONT_SIZE))),
    el(
      'text',
      { class: 'gantt-status', x: PAD + LABEL_WIDTH, y: baseline, fill: overdue ? OVERDUE_COLOUR : '#374151', 'font-weight': overdue ? 'bold' : undefined },
      xml(status),
    ),
    mark,
    el('line', { x1: PAD, y1: top + LANE_HEIGHT, x2: chart.right, y2: top + LANE_HEIGHT, stroke: '#e5e7eb' }),
  );
}

function overdueStatus(labels: GanttLabels, status: RowStatus): string {
  return `${labels.status[status]} · ${labels.overdue}`;
}

/** As wide as the longest status there is ("Needs optimization · Overdue"), so no status is ever cut. */
function statusColumnWidth(labels: GanttLabels): number {
  return Math.ceil(Math.max(...ROW_STATUSES.map((status) => textWidth(overdueStatus(labels, status), FONT_SIZE)))) + 12;
}

/** A swatch per status, the overdue outline and the today line, in one row under the chart. */
function legendOf(labels: GanttLabels, top: number): { markup: string; width: number } {
  const items: string[] = [];
  let left = PAD;
  const add = (swatch: string, label: string): void => {
    items.push(el('g', { class: 'gantt-legend-item' }, swatch, el('text', { x: left + SWATCH_WIDTH + 4, y: top + 10, fill: '#374151' }, xml(label))));
    left += SWATCH_WIDTH + 4 + Math.ceil(textWidth(label, FONT_SIZE)) + 16;
  };
  for (const status of ROW_STATUSES) {
    const look = STATUS_LOOK[status];
    add(
      el('rect', {
        'data-status': status,
        x: left,
        y: top,
        width: SWATCH_WIDTH,
        height: 12,
        rx: 2,
        fill: look.fill,
        stroke: look.stroke,
        'stroke-dasharray': look.dash,
      }),
      labels.status[status],
    );
  }
  add(el('rect', { x: left, y: top, width: SWATCH_WIDTH, height: 12, rx: 2, fill: '#ffffff', stroke: OVERDUE_COLOUR, 'stroke-width': 3 }), labels.overdue);
  add(
    el('line', {
      x1: left + SWATCH_WIDTH / 2,
      y1: top - 2,
      x2: left + SWATCH_WIDTH / 2,
      y2: top + 14,
      stroke: TODAY_COLOUR,
      'stroke-width': 2,
      'stroke-dasharray': '6 3',
    }),
    labels.today,
  );
  return { markup: el('g', { class: 'gantt-legend' }, ...items), width: left - PAD };
}

/** What a screen reader says: the weeks shown and how many rows are in each status. */
function summary(rows: GanttRow[], today: string, labels: GanttLabels, firstWeek: number, lastWeek: number): string {
  const counts = ROW_STATUSES.map((status) => `${labels.status[status]} ${rows.filter((row) => row.status === status).length}`);
  const overdue = rows.filter((row) => isOverdue(row, today)).length;
  return `${labels.week(firstWeek)} – ${labels.week(lastWeek)}: ${[...counts, ...(overdue ? [`${labels.overdue} ${overdue}`] : [])].join(', ')}`;
}

function emptySvg(text: string): string {
  const width = Math.max(320, Math.ceil(textWidth(text, FONT_SIZE)) + 4 * PAD);
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'gantt',
      role: 'img',
      'aria-label': text,
      width,
      height: 48,
      viewBox: `0 0 ${width} 48`,
      'font-family': SVG_FONT_FAMILY,
      'font-size': FONT_SIZE,
    },
    el('text', { class: 'gantt-empty', x: width / 2, y: 28, 'text-anchor': 'middle', fill: MUTED_COLOUR }, xml(text)),
  );
}

/** Roughly how wide a character is drawn: CJK and other wide characters take a full em, the rest about 0.6. */
function charWidth(char: string, fontSize: number): number {
  return (char.codePointAt(0)! >= 0x2e80 ? 1 : 0.6) * fontSize;
}

function textWidth(text: string, fontSize: number): number {
  let width = 0;
  for (const char of text) width += charWidth(char, fontSize);
  return width;
}

/** The text on one line, cut with "…" where it would be wider than `maxWidth`; the full text is in the tooltip. */
function fit(text: string, maxWidth: number, fontSize: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (textWidth(line, fontSize) <= maxWidth) return line;
  let kept = '';
  let width = charWidth('…', fontSize);
  for (const char of line) {
    width += charWidth(char, fontSize);
    if (width > maxWidth) break;
    kept += char;
  }
  return `${kept.trimEnd()}…`;
}
