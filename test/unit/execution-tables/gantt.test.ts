import { ROW_STATUSES } from '../../../server/services/execution-tables/execution-table.js';
import { scheduleSvg, type GanttLabels, type GanttRow } from '../../../server/services/execution-tables/gantt.js';
import { all, byClass, parseSvg, textOf, num } from '../../helpers/svg-tree.js';

const labels: GanttLabels = {
  week: (n) => `W${n}`,
  status: { not_started: 'Not started', in_progress: 'In progress', done: 'Done', needs_optimization: 'Needs optimization' },
  overdue: 'Overdue',
  today: 'Today',
  unscheduled: 'Unscheduled',
  empty: 'No rows yet',
};
const START = '2026-03-02';

function row(id: number, startDate: string | null, endDate: string | null, overrides: Partial<GanttRow> = {}): GanttRow {
  return {
    id,
    position: id,
    phase: `Phase ${id}`,
    actions: `Actions ${id}`,
    owner: 'Service manager',
    startDate,
    endDate,
    status: 'in_progress',
    ...overrides,
  };
}

function chart(rows: GanttRow[], today = '2026-03-01') {
  const svg = scheduleSvg({ startDate: START, rows, today, labels });
  const root = parseSvg(svg);
  const weeks = byClass(root, 'gantt-week').map((week) => ({ label: textOf(week), left: num(all(week, (n) => n.name === 'line')[0]!, 'x1') }));
  const weekWidth = weeks.length > 1 ? weeks[1]!.left - weeks[0]!.left : NaN;
  /** Where a day of the project starts on the x axis, read from the week columns. */
  const xOf = (week: number, day = 0) => weeks.find((column) => column.label === `W${week}`)!.left + (day * weekWidth) / 7;
  const bar = (id: number) => byClass(root, 'gantt-bar').find((n) => n.attributes['data-row'] === String(id));
  const lane = (id: number) => byClass(root, 'gantt-lane').find((n) => n.attributes['data-row'] === String(id))!;
  return { svg, root, weeks, weekWidth, xOf, bar, lane };
}

describe('the schedule as a Gantt chart', () => {
  test('one column per project week, headed by the week label, up to the last planned week', () => {
    const { weeks, weekWidth } = chart([row(1, '2026-03-02', '2026-03-15'), row(2, '2026-04-06', '2026-04-12')]);
    expect(weeks.map((week) => week.label)).toEqual(['W1', 'W2', 'W3', 'W4', 'W5', 'W6']);
    expect(weekWidth).toBeGreaterThan(0);
    expect(weeks.every((week, index) => week.left === weeks[0]!.left + index * weekWidth)).toBe(true);
  });

  test('a bar runs from the start of its first day to the end of its last day', () => {
    const { bar, xOf, weekWidth } = chart([
      row(1, '2026-03-09', '2026-03-22'), // weeks 2–3
      row(2, '2026-03-04', '2026-03-04'), // Wednesday of week 1, one day
      row(3, '2026-03-02', '2026-04-12'), // weeks 1–6
    ]);
    expect(num(bar(1)!, 'x')).toBe(xOf(2));
    expect(num(bar(1)!, 'x') + num(bar(1)!, 'width')).toBe(xOf(4));
    expect(num(bar(2)!, 'x')).toBe(xOf(1, 2));
    expect(num(bar(2)!, 'width')).toBe(weekWidth / 7);
    expect(num(bar(3)!, 'width')).toBe(6 * weekWidth);
  });

  test('one lane per row, in the order of the table, each labelled with position and phase', () => {
    const rows = [
      row(3, '2026-03-16', '2026-03-22', { position: 2 }),
      row(7, null, null, { position: 3 }),
      row(5, '2026-03-02', '2026-03-08', { position: 1 }),
    ];
    const { root, lane } = chart(rows);
    const lanes = byClass(root, 'gantt-lane');
    expect(lanes.map((n) => n.attributes['data-row'])).toEqual(['5', '3', '7']);
    expect(textOf(byClass(lane(3), 'gantt-label')[0]!)).toBe('2. Phase 3');
    const tops = lanes.map((n) => num(byClass(n, 'gantt-label')[0]!, 'y'));
    expect(tops[1]! - tops[0]!).toBeGreaterThan(0);
    expect(tops[2]! - tops[1]!).toBe(tops[1]! - tops[0]!);
  });

  test('each status has its own fill, the same in the legend, and its name beside the lane', () => {
    const rows = ROW_STATUSES.map((status, index) => row(index + 1, '2026-03-02', '2026-03-08', { status }));
    const { root, bar, lane } = chart(rows);
    const fills = ROW_STATUSES.map((_, index) => bar(index + 1)!.attributes.fill!);
    expect(new Set(fills).size).toBe(ROW_STATUSES.length);
    const patterns = all(root, (n) => n.name === 'pattern').map((n) => `url(#${n.attributes.id})`);
    ROW_STATUSES.forEach((status, index) => {
      if (fills[index]!.startsWith('url(')) expect(patterns).toContain(fills[index]);
      const swatch = all(byClass(root, 'gantt-legend')[0]!, (n) => n.attributes['data-status'] === status);
      expect(swatch.map((n) => n.attributes.fill)).toEqual([fills[index]]);
      expect(textOf(byClass(lane(index + 1), 'gantt-status')[0]!)).toBe(labels.status[status]);
      expect(textOf(byClass(root, 'gantt-legend')[0]!)).toContain(labels.status[status]);
    });
  });

  test('a row past its end and not done is marked overdue: red outline, the word in its status and tooltip', () => {
    const today = '2026-03-18';
    const { bar, lane, root } = chart(
      [
        row(1, '2026-03-02', '2026-03-15'),
        row(2, '2026-03-02', '2026-03-15', { status: 'done' }),
        row(3, '2026-03-09', '2026-03-18'),
        row(4, '2026-03-02', '2026-03-08', { status: 'needs_optimization' }),
      ],
      today,
    );
    const overdue = (id: number) => bar(id)!.attributes['data-overdue'] === 'true';
    expect([1, 2, 3, 4].map(overdue)).toEqual([true, false, false, true]);
    expect(bar(1)!.attributes.stroke).toBe('#dc2626');
    expect(bar(3)!.attributes.stroke).not.toBe('#dc2626');
    expect(textOf(byClass(lane(1), 'gantt-status')[0]!)).toBe('In progress · Overdue');
    expect(textOf(all(lane(1), (n) => n.name === 'title')[0]!)).toContain('Overdue');
    expect(textOf(all(lane(2), (n) => n.name === 'title')[0]!)).not.toContain('Overdue');
    expect(root.attributes['aria-label']).toContain('Overdue 2');
  });

  test('the today line stands in the middle of today, and only when today is on the chart', () => {
    const rows = [row(1, '2026-03-02', '2026-03-29')];
    const on = chart(rows, '2026-03-11'); // Wednesday of week 2
    const [line] = byClass(on.root, 'gantt-today');
    expect(num(line!, 'x1')).toBe(on.xOf(2, 2.5));
    expect(num(line!, 'x2')).toBe(num(line!, 'x1'));
    expect(textOf(line!)).toBe('Today 2026-03-11');
    expect(byClass(chart(rows, '2026-03-30').root, 'gantt-today')).toEqual([]);
    expect(byClass(chart(rows, '2026-03-01').root, 'gantt-today')).toEqual([]);
  });

  test('a row without dates gets a lane that says unscheduled, and no bar', () => {
    const { bar, lane } = chart([row(1, '2026-03-02', '2026-03-08'), row(2, null, null), row(3, '2026-03-02', null)]);
    for (const id of [2, 3]) {
      expect(bar(id)).toBeUndefined();
      expect(textOf(byClass(lane(id), 'gantt-unscheduled')[0]!)).toBe('Unscheduled');
      expect(textOf(all(lane(id), (n) => n.name === 'title')[0]!)).toContain('Unscheduled');
    }
    expect(chart([row(1, null, null)]).weeks.map((week) => week.label)).toEqual(['W1']);
  });

  test('a row before the project start widens the chart to the left', () => {
    const { weeks, bar, xOf } = chart([row(1, '2026-02-23', '2026-03-08')]);
    expect(weeks.map((week) => week.label)).toEqual(['W0', 'W1']);
    expect(num(bar(1)!, 'x')).toBe(xOf(0));
  });

  test('hostile text comes out escaped: the document parses and shows the text as written', () => {
    const hostile = '<script>alert(1)</script>&"\'';
    const { svg, root, lane } = chart([
      row(1, '2026-03-02', '2026-03-08', { phase: hostile, actions: `</title><svg onload="x">`, owner: '\u0001a & b\uD800' }),
    ]);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('onload="');
    expect(all(root, (n) => n.name === 'script')).toEqual([]);
    expect(textOf(byClass(lane(1), 'gantt-label')[0]!)).toContain('<script>');
    const tooltip = textOf(all(lane(1), (n) => n.name === 'title')[0]!);
    expect(tooltip).toContain(`1. ${hostile}`);
    expect(tooltip).toContain('</title><svg onload="x">');
    expect(tooltip).toContain('a & b');
  });

  test('a long phase is cut with an ellipsis, whole in the tooltip', () => {
    const phase = '流程设计：制定问题分级标准并与技术支持、管理层确认升级路径和服务时限';
    const { lane } = chart([row(1, '2026-03-02', '2026-03-08', { phase })]);
    const label = textOf(byClass(lane(1), 'gantt-label')[0]!);
    expect(label).toMatch(/^1\. 流程设计：.*…$/);
    expect(label.length).toBeLessThan(phase.length);
    expect(textOf(all(lane(1), (n) => n.name === 'title')[0]!)).toContain(phase);
  });

  test('an image that scales, with a label for screen readers, and no inline styles', () => {
    const { root } = chart([row(1, '2026-03-02', '2026-03-08', { status: 'done' }), row(2, '2026-03-02', '2026-03-22')]);
    expect(root.name).toBe('svg');
    expect(root.attributes.role).toBe('img');
    expect(root.attributes.viewBox).toBe(`0 0 ${root.attributes.width} ${root.attributes.height}`);
    expect(root.attributes['aria-label']).toBe('W1 – W3: Not started 0, In progress 1, Done 1, Needs optimization 0');
    expect(all(root, (n) => n.name === 'style' || 'style' in n.attributes)).toEqual([]);
    const width = num(root, 'width');
    for (const node of all(root, (n) => n.name === 'rect' && n.attributes.class === 'gantt-bar'))
      expect(num(node, 'x') + num(node, 'width')).toBeLessThanOrEqual(width);
  });

  test('the same rows give the same document, whatever order they come in', () => {
    const rows = [
      row(1, '2026-03-02', '2026-03-08'),
      row(2, null, null, { status: 'done' }),
      row(3, '2026-03-16', '2026-04-05', { status: 'needs_optimization' }),
    ];
    const first = scheduleSvg({ startDate: START, rows, today: '2026-03-20', labels });
    expect(scheduleSvg({ startDate: START, rows: [...rows].reverse(), today: '2026-03-20', labels })).toBe(first);
  });

  test('no rows: a valid image that says so', () => {
    const root = parseSvg(scheduleSvg({ startDate: START, rows: [], today: '2026-03-20', labels }));
    expect(root.name).toBe('svg');
    expect(root.attributes.role).toBe('img');
    expect(root.attributes['aria-label']).toBe('No rows yet');
    expect(textOf(byClass(root, 'gantt-empty')[0]!)).toBe('No rows yet');
    expect(byClass(root, 'gantt-lane')).toEqual([]);
  });
});
