import type ExcelJS from 'exceljs';

// Neutralising text a spreadsheet would run as a formula (OWASP, "CSV injection"), in every workbook written.

/** Text Excel takes for a formula when it is typed: it begins with = + - @, a tab or a carriage return. */
export const FORMULA_LIKE = /^[=+\-@\t\r]/;

/**
 * Sets a cell's value and style. Text is always written as a string cell, never a formula; text that looks
 * like one is also formatted as Text (`@`), so that editing the cell in Excel keeps it text rather than running it.
 */
export function fill(cell: ExcelJS.Cell, value: ExcelJS.CellValue, style?: Partial<ExcelJS.Style>): void {
  cell.value = value;
  const formulaLike = typeof value === 'string' && FORMULA_LIKE.test(value);
  if (style || formulaLike) cell.style = formulaLike ? { ...style, numFmt: '@' } : style!;
}
