import { readFileSync } from 'node:fs';
import { KPI_DEFINITIONS, kpiTableMarkdown } from '../../../server/services/analytics/definitions.js';

describe('KPI definitions', () => {
  test('the README shows the table the definitions make', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const table = /<!-- kpi-table:start -->([\s\S]*?)<!-- kpi-table:end -->/.exec(readme)?.[1]?.trim();
    // prettier pads the columns: compare cell by cell
    const cells = (markdown: string) => markdown.split('\n').map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/^-+$/, '---')));
    expect(cells(table ?? '')).toEqual(cells(kpiTableMarkdown()));
  });

  test('each KPI has a name and formula in both languages, once', () => {
    expect(new Set(KPI_DEFINITIONS.map((d) => d.id)).size).toBe(KPI_DEFINITIONS.length);
    for (const d of KPI_DEFINITIONS) for (const text of [d.name.en, d.name.zh, d.formula.en, d.formula.zh]) expect(text.length).toBeGreaterThan(1);
  });
});
