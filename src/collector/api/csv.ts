/**
 * CSV written as a stream: rows are pulled one page at a time, never a whole table. Cells and lines
 * come from the system's one CSV writer (src/shared/csv.ts: RFC 4180 quoting and the formula guard).
 */
import { Readable } from 'node:stream';
import { csvLine } from '../../shared/csv.ts';

const FLUSH_AT = 64 * 1024;

/** Column names come from the first row (or `columns` when given, e.g. for an empty table). */
export function csvStream(rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, columns?: readonly string[]): Readable {
  async function* lines(): AsyncGenerator<string> {
    let header = columns;
    let buffer = header ? csvLine(header) : '';
    for await (const row of rows as AsyncIterable<Record<string, unknown>>) {
      if (!header) {
        header = Object.keys(row);
        buffer += csvLine(header);
      }
      buffer += csvLine(header.map((c) => row[c]));
      if (buffer.length >= FLUSH_AT) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer !== '') yield buffer;
  }
  return Readable.from(lines());
}
