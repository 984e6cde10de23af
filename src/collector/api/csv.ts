/** CSV (RFC 4180) written as a stream: rows are pulled one page at a time, never a whole table. */
import { Readable } from 'node:stream';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const FLUSH_AT = 64 * 1024;

/** Column names come from the first row (or `columns` when given, e.g. for an empty table). */
export function csvStream(rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, columns?: readonly string[]): Readable {
  async function* lines(): AsyncGenerator<string> {
    let header = columns;
    let buffer = header ? `${header.map(cell).join(',')}\r\n` : '';
    for await (const row of rows as AsyncIterable<Record<string, unknown>>) {
      if (!header) {
        header = Object.keys(row);
        buffer += `${header.map(cell).join(',')}\r\n`;
      }
      buffer += `${header.map((c) => cell(row[c])).join(',')}\r\n`;
      if (buffer.length >= FLUSH_AT) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer !== '') yield buffer;
  }
  return Readable.from(lines());
}
