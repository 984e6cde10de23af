/**
 * The one CSV writer of the system (the web UI's downloads and the collector's `?format=csv`).
 *
 * - RFC 4180 (Common Format and MIME Type for CSV Files): CRLF after every line, a field holding a
 *   quote, comma, CR or LF is quoted with its quotes doubled. Fields holding a semicolon or a tab are
 *   quoted too, so a spreadsheet that splits on those (locale settings) still reads one cell.
 * - OWASP "CSV Injection": a text cell starting with `=`, `+`, `-`, `@`, tab, CR or LF would run as a
 *   formula when opened in a spreadsheet, so it gets a leading apostrophe (`'=HYPERLINK(…)`).
 *   JavaScript numbers, booleans and bigints are written as they are (`-5` stays a number): they
 *   cannot carry a formula. Text that merely looks like a number (`"-5"`) is text and is guarded.
 * - null and undefined are empty cells; objects and arrays are written as JSON text (guarded like any
 *   other text).
 */

const FORMULA_START = /^[=+\-@\t\r\n]/;
const NEEDS_QUOTES = /[",;\t\r\n]/;

/** One field, quoted and guarded as above. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (typeof value === 'string' || typeof value === 'object') {
    text = typeof value === 'string' ? value : JSON.stringify(value);
    if (FORMULA_START.test(text)) text = `'${text}`;
  } else return ''; // functions and symbols carry no data
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line, CRLF included. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A whole table: the header line, then one line per row with the cells of `columns` in order. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  let out = csvLine(columns);
  for (const row of rows) out += csvLine(columns.map((c) => row[c]));
  return out;
}

/** The columns of a list of rows, in first-seen order. */
export function columnsOf(rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
