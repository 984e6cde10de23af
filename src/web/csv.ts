/**
 * CSV downloads of report tables (RFC 4180: CRLF, quotes doubled). Cells that a spreadsheet would run
 * as a formula (= + - @ tab CR at the start) are prefixed with an apostrophe.
 */
export type Cell = string | number | boolean | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  const lines = [columns.map(cell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(asCell(row[c]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function asCell(value: unknown): Cell {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** The columns of a list of rows, in first-seen order. */
export function columnsOf(rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
