import { el, SVG_FONT_FAMILY, xml } from '../../../shared/svg-markup.js';
/**
 * Small charts drawn on the server as SVG: a series of values over categories (weeks), as bars or a line,
 * with a y axis of round ticks, category labels, and a `<title>` per point that a pointer or a screen reader
 * gets. Pure: the same input gives the same string, byte for byte. No `style` anywhere (the pages' CSP
 * forbids inline styles): presentation attributes and CSS classes only. Every text is escaped here.
 */

export interface ChartPoint {
  /** The category under the point: "11-02" for the week starting 2026-11-02. */
  label: string;
  /** Null where there is nothing to measure (a week without tickets): a gap, never a zero. */
  value: number | null;
  /** Where the point links to (its drill-down), if anywhere. */
  href?: string;
}

export interface ChartInput {
  kind: 'line' | 'bar';
  /** Unique on the page: prefixes the ids the accessible name points at. */
  id: string;
  /** The chart's accessible name (its `<title>`). */
  title: string;
  /** A sentence for screen readers (its `<desc>`), e.g. the definition of the figure. */
  description?: string;
  points: ChartPoint[];
  /** A value as people read it: "15 min", "82%", "1,204". */
  format: (value: number) => string;
  /** The axis always includes these (0 for counts; 0 and 1 for shares); it grows to fit the values beyond. */
  floor?: number;
  ceiling?: number;
  /** Values are whole numbers (counts): no tick between two of them. */
  whole?: boolean;
  /** Shown instead of marks when no point has a value. */
  empty: string;
  width?: number;
  height?: number;
}

const WIDTH = 360;
const HEIGHT = 180;
const TOP = 12;
const RIGHT = 12;
const BOTTOM = 28;
const FONT_SIZE = 11;
const TICKS = 4;
/** Category labels are thinned to about this many, so they never overlap. */
const MAX_LABELS = 8;
const INK = '#1d2330';
const MUTED = '#5b6473';
const GRID = '#e3e7ee';
const MARK = '#1f5fbf';

/**
 * Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, `count` intervals or one more.
 *
 * @example
 * niceTicks(0, 87, 4) // [0, 20, 40, 60, 80, 100]
 */
export function niceTicks(low: number, high: number, count = TICKS, smallest = 0): number[] {
  if (!(high > low)) high = low === 0 ? 1 : low + Math.abs(low);
  const power = 10 ** Math.floor(Math.log10((high - low) / count));
  const intervals = (step: number) => Math.ceil(high / step) - Math.floor(low / step);
  // The finest round step, no finer than `smallest`, that needs at most one interval more than asked for.
  const step =
    [0.5, 1, 2, 5, 10].map((m) => Math.max(smallest, m * power)).find((candidate) => intervals(candidate) <= count + 1) ?? Math.max(smallest, 20 * power);
  const first = Math.floor(low / step);
  const last = Math.ceil(high / step);
  // Rounded to the step's decimals: 3 × 0.1 must print as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toFixed(decimals)));
}

/**
 * The y axis's ticks and their labels: whole steps for counts, and coarser steps while two labels would read
 * the same (90 s and 1 min 30 s both print as "1 min" on a scale of minutes).
 */
function axisTicks(low: number, high: number, input: Pick<ChartInput, 'format' | 'whole'>): { ticks: number[]; tickLabels: string[] } {
  let ticks: number[] = [];
  let tickLabels: string[] = [];
  for (let count = TICKS; count >= 1; count--) {
    ticks = niceTicks(low, high, count, input.whole ? 1 : 0);
    tickLabels = ticks.map((tick) => input.format(tick));
    if (new Set(tickLabels).size === tickLabels.length) break;
  }
  return { ticks, tickLabels };
}

/**
 * A bar or line chart of `points` as one SVG element (a string to put in the page as it is).
 *
 * @example
 * chartSvg({ kind: 'bar', id: 'tickets', title: 'Tickets per week', points, format: String, floor: 0, empty: 'No tickets' });
 */
export function chartSvg(input: ChartInput): string {
  const width = input.width ?? WIDTH;
  const height = input.height ?? HEIGHT;
  const values = input.points.map((p) => p.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const head = [
    el('title', { id: `${input.id}-title` }, xml(input.title)),
    input.description ? el('desc', { id: `${input.id}-desc` }, xml(input.description)) : '',
  ];
  const frame = (...children: string[]) =>
    el(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        class: 'chart',
        'data-kind': input.kind,
        role: 'img',
        'aria-labelledby': input.description ? `${input.id}-title ${input.id}-desc` : `${input.id}-title`,
        width,
        height,
        viewBox: `0 0 ${width} ${height}`,
        'font-family': SVG_FONT_FAMILY,
        'font-size': FONT_SIZE,
      },
      ...head,
      ...children,
    );
  if (values.length === 0) {
    return frame(el('text', { class: 'chart-empty', x: width / 2, y: height / 2, 'text-anchor': 'middle', fill: MUTED }, xml(input.empty)));
  }

  const low = Math.min(input.floor ?? Infinity, ...values);
  const high = Math.max(input.ceiling ?? -Infinity, ...values);
  const { ticks, tickLabels } = axisTicks(low, high, input);
  const bottomValue = ticks[0]!;
  const topValue = ticks.at(-1)!;
  const left = Math.ceil(Math.max(...tickLabels.map((label) => textWidth(label)))) + 10;
  const plot = { left, right: width - RIGHT, top: TOP, bottom: height - BOTTOM };
  const y = (value: number) => round(plot.bottom - ((value - bottomValue) / (topValue - bottomValue)) * (plot.bottom - plot.top));
  const band = (plot.right - plot.left) / Math.max(1, input.points.length);
  const x = (index: number) => round(plot.left + band * (index + 0.5));

  const grid = ticks.map((tick, index) =>
    el(
      'g',
      { class: 'chart-tick' },
      el('line', { x1: plot.left, y1: y(tick), x2: plot.right, y2: y(tick), stroke: index === 0 ? MUTED : GRID }),
      el('text', { x: plot.left - 6, y: y(tick) + 4, 'text-anchor': 'end', fill: MUTED }, xml(tickLabels[index]!)),
    ),
  );
  const every = Math.ceil(input.points.length / MAX_LABELS);
  const categories = input.points.map((point, index) =>
    index % every === 0 ? el('text', { class: 'chart-label', x: x(index), y: plot.bottom + 16, 'text-anchor': 'middle', fill: MUTED }, xml(point.label)) : '',
  );
  const marks = input.kind === 'bar' ? bars(input, { x, y, band, base: y(Math.max(bottomValue, Math.min(0, topValue))) }) : line(input, { x, y });

  return frame(...grid, el('g', { class: 'chart-labels' }, ...categories), ...marks);
}

interface Scales {
  x: (index: number) => number;
  y: (value: number) => number;
}

function bars(input: ChartInput, { x, y, band, base }: Scales & { band: number; base: number }): string[] {
  const barWidth = round(Math.max(2, Math.min(28, band * 0.7)));
  return input.points.map((point, index) => {
    if (point.value === null || !Number.isFinite(point.value)) return '';
    const top = Math.min(y(point.value), base);
    const bar = el(
      'rect',
      { class: 'chart-bar', x: round(x(index) - barWidth / 2), y: top, width: barWidth, height: round(Math.abs(base - y(point.value))), fill: MARK },
      el('title', {}, xml(`${point.label}: ${input.format(point.value)}`)),
    );
    return point.href ? el('a', { href: point.href }, bar) : bar;
  });
}

function line(input: ChartInput, { x, y }: Scales): string[] {
  // A null splits the line: each run of measured weeks is its own path.
  const runs: string[][] = [[]];
  input.points.forEach((point, index) => {
    if (point.value === null || !Number.isFinite(point.value)) runs.push([]);
    else runs.at(-1)!.push(`${runs.at(-1)!.length === 0 ? 'M' : 'L'}${x(index)} ${y(point.value)}`);
  });
  const paths = runs
    .filter((run) => run.length > 1)
    .map((run) => el('path', { class: 'chart-line', d: run.join(' '), fill: 'none', stroke: MARK, 'stroke-width': 2 }));
  const dots = input.points.map((point, index) => {
    if (point.value === null || !Number.isFinite(point.value)) return '';
    const dot = el(
      'circle',
      { class: 'chart-point', cx: x(index), cy: y(point.value), r: 4, fill: MARK, stroke: '#ffffff', 'stroke-width': 1.5 },
      el('title', {}, xml(`${point.label}: ${input.format(point.value)}`)),
    );
    return point.href ? el('a', { href: point.href }, dot) : dot;
  });
  return [...paths, ...dots];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Roughly how wide a text is drawn: CJK and other wide characters take a full em, the rest about 0.6. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += (char.codePointAt(0)! >= 0x2e80 ? 1 : 0.6) * FONT_SIZE;
  return width;
}
