import { chartSvg, niceTicks, type ChartInput } from '../../../server/web/pages/view-models/svg-chart.js';
import { all, byClass, parseSvg, textOf, num, type SvgNode } from '../../helpers/svg-tree.js';

const titleOf = (node: SvgNode) => textOf(node.children.find((c) => c.name === 'title')!);

const weeks = ['11-02', '11-09', '11-16', '11-23'];
function input(overrides: Partial<ChartInput> = {}): ChartInput {
  return {
    kind: 'bar',
    id: 'tickets',
    title: 'Tickets per week',
    description: 'Tickets created in the week',
    points: weeks.map((label, i) => ({ label, value: [10, 40, 20, 0][i]! })),
    format: (v) => `${v}`,
    floor: 0,
    empty: 'No tickets',
    ...overrides,
  };
}

describe('SVG charts drawn on the server', () => {
  test.each([
    [0, 87, [0, 20, 40, 60, 80, 100]],
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.62, 0.91, [0.6, 0.7, 0.8, 0.9, 1]],
    [0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 12_345, [0, 5000, 10_000, 15_000]],
    [3, 3, [3, 4, 5, 6]],
  ])('ticks over [%d, %d] are round steps covering it: %j', (low, high, ticks) => {
    expect(niceTicks(low, high)).toEqual(ticks);
  });

  test('counts tick in whole steps; ticks that would print alike are spread until each reads differently', () => {
    expect(niceTicks(0, 0, 5, 1)).toEqual([0, 1]);
    expect(niceTicks(0, 3, 5, 1)).toEqual([0, 1, 2, 3]);
    const tickTexts = (svg: string) => all(parseSvg(svg), (n) => n.attributes.class === 'chart-tick').map((tick) => textOf(tick));
    const zeros = chartSvg(input({ points: weeks.map((label) => ({ label, value: 0 })), whole: true }));
    expect(tickTexts(zeros)).toEqual(['0', '1']);
    // seconds shown as whole minutes: 0, 30, 60, 90, 120 s would read 0, 1, 1, 2, 2 min
    const minutes = (v: number) => `${Math.round(v / 60)} min`;
    const labels = tickTexts(chartSvg(input({ points: weeks.map((label, i) => ({ label, value: [20, 60, 110, 90][i]! })), format: minutes })));
    expect(new Set(labels).size).toBe(labels.length);
  });

  test('a bar chart: one bar per measured week, heights in proportion, the accessible name and each value in a <title>', () => {
    const svg = parseSvg(chartSvg(input()));
    expect(svg.name).toBe('svg');
    expect(svg.attributes.role).toBe('img');
    expect(svg.attributes['aria-labelledby']).toBe('tickets-title tickets-desc');
    expect(textOf(all(svg, (n) => n.attributes.id === 'tickets-title')[0]!)).toBe('Tickets per week');
    expect(textOf(all(svg, (n) => n.attributes.id === 'tickets-desc')[0]!)).toBe('Tickets created in the week');

    const bars = byClass(svg, 'chart-bar');
    expect(bars.map(titleOf)).toEqual(['11-02: 10', '11-09: 40', '11-16: 20', '11-23: 0']);
    const heights = bars.map((bar) => num(bar, 'height'));
    expect(heights[1]! / heights[0]!).toBeCloseTo(4, 1);
    expect(heights[1]! / heights[2]!).toBeCloseTo(2, 1);
    expect(heights[3]).toBe(0);
    // every bar stands on the zero line: the first tick's line
    const zero = byClass(svg, 'chart-tick')[0]!.children.find((c) => c.name === 'line')!;
    for (const bar of bars) expect(num(bar, 'y') + num(bar, 'height')).toBeCloseTo(num(zero, 'y1'), 0);
    expect(byClass(svg, 'chart-label').map(textOf)).toEqual(weeks);
    expect(byClass(svg, 'chart-tick').map(textOf)).toEqual(['0', '10', '20', '30', '40']);
  });

  test('a line chart breaks at a week without a value rather than drawing it as zero', () => {
    const svg = parseSvg(
      chartSvg(
        input({
          kind: 'line',
          points: weeks.map((label, i) => ({ label, value: [0.5, null, 0.75, 1][i]! })),
          ceiling: 1,
          format: (v) => `${Math.round(v * 100)}%`,
        }),
      ),
    );
    const points = byClass(svg, 'chart-point');
    expect(points.map(titleOf)).toEqual(['11-02: 50%', '11-16: 75%', '11-23: 100%']);
    // the first point stands alone; the last two are joined
    const paths = byClass(svg, 'chart-line');
    expect(paths).toHaveLength(1);
    expect(paths[0]!.attributes.d!.split(/[ML]/).filter(Boolean)).toHaveLength(2);
    expect(byClass(svg, 'chart-tick').map(textOf).at(-1)).toBe('100%');
    // a higher value is drawn higher up
    expect(num(points[2]!, 'cy')).toBeLessThan(num(points[1]!, 'cy'));
    expect(num(points[1]!, 'cy')).toBeLessThan(num(points[0]!, 'cy'));
  });

  test('points link to their drill-down when given one', () => {
    const svg = parseSvg(chartSvg(input({ points: [{ label: 'W1', value: 3, href: '/analytics/x/tickets?kpi=tickets&from=1&to=2' }] })));
    const links = all(svg, (n) => n.name === 'a');
    expect(links.map((a) => a.attributes.href)).toEqual(['/analytics/x/tickets?kpi=tickets&from=1&to=2']);
    expect(byClass(links[0]!, 'chart-bar')).toHaveLength(1);
  });

  test('no value at all: the empty text, no marks', () => {
    const svg = parseSvg(chartSvg(input({ points: weeks.map((label) => ({ label, value: null })) })));
    expect(textOf(byClass(svg, 'chart-empty')[0]!)).toBe('No tickets');
    expect(byClass(svg, 'chart-bar')).toHaveLength(0);
    expect(titleOf(svg)).toBe('Tickets per week');
  });

  test('text is escaped, Chinese kept, and nothing is styled inline (the CSP allows no inline style)', () => {
    const markup = chartSvg(input({ title: '首次响应 <script>"&', points: [{ label: '<b>', value: 1 }] }));
    const svg = parseSvg(markup);
    expect(titleOf(svg)).toBe('首次响应 <script>"&');
    expect(byClass(svg, 'chart-label').map(textOf)).toEqual(['<b>']);
    expect(markup).not.toMatch(/style=|<script/);
  });

  test('many weeks: labels thinned so they do not overlap, every week still has its mark', () => {
    const points = Array.from({ length: 26 }, (_, i) => ({ label: `W${i + 1}`, value: i }));
    const svg = parseSvg(chartSvg(input({ points })));
    expect(byClass(svg, 'chart-bar')).toHaveLength(26);
    expect(byClass(svg, 'chart-label').length).toBeLessThanOrEqual(9);
  });

  test('the same input gives the same bytes', () => {
    expect(chartSvg(input())).toBe(chartSvg(input()));
  });
});
