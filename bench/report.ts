import type { Figure } from './section.js';

/** `--json`: one flat object of figure name → value, rounded to drop timer noise. */
export function toJson(figures: Figure[]): string {
  const out: Record<string, number> = {};
  for (const figure of figures) out[figure.name] = Number(figure.value.toPrecision(6));
  return JSON.stringify(out, null, 2);
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A plain-text table: name, value, unit, bar (PASS/FAIL with the target), note. */
export function toTable(figures: Figure[]): string {
  const header = ['figure', 'value', 'unit', 'bar', 'note'];
  const rows = figures.map((f) => [f.name, formatValue(f.value), f.unit, f.bar ? `${f.bar.pass ? 'PASS' : 'FAIL'} ${f.bar.label}` : '', f.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
