/**
 * Request parameters as CMS reads them: form fields from the body whatever the Content-Type, query
 * parameters for GET filters, names matched case-insensitively (`coSpacefilter`, `defaultlayout`).
 */
import { hasNonXmlChar } from '../../shared/xmlText.ts';
import { bridgeErrors } from '../errors.ts';

/** Parsed fields keyed by lower-case name; the value keeps the client's casing of the name for errors. */
export class FormFields {
  readonly #byLowerName = new Map<string, { name: string; value: string }>();

  static parse(raw: string | undefined | null): FormFields {
    const fields = new FormFields();
    if (raw === undefined || raw === null || raw === '') return fields;
    if (raw.length > MAX_BODY_CHARS) throw bridgeErrors.parameterError('body', 'valueTooLong');
    for (const part of raw.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const rawName = eq === -1 ? part : part.slice(0, eq);
      const rawValue = eq === -1 ? '' : part.slice(eq + 1);
      const name = decodeComponent(rawName, rawName).trim();
      const value = decodeComponent(rawValue, name);
      if (name === '') throw bridgeErrors.parameterError('(empty)', 'unrecognisedParameter');
      // A value the API XML could not show as sent (a NUL, another C0 control, U+FFFE, U+FFFF) is
      // refused rather than stored altered: nothing stored from the API needs the output's replacement.
      if (hasNonXmlChar(value)) throw bridgeErrors.parameterError(name.slice(0, 64), 'invalidValue');
      if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(name)) throw bridgeErrors.parameterError(name.slice(0, 64), 'unrecognisedParameter');
      // Last occurrence wins, as in most form parsers (documented choice).
      fields.#byLowerName.set(name.toLowerCase(), { name, value });
    }
    return fields;
  }

  static fromQuery(query: unknown): FormFields {
    const fields = new FormFields();
    if (typeof query !== 'object' || query === null) return fields;
    for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
      const last = Array.isArray(value) ? (value.at(-1) as unknown) : value;
      const text = typeof last === 'string' ? last : '';
      // No stored value holds a NUL (Postgres text cannot) or another character XML cannot carry: a
      // filter with one is refused, not sent to SQL.
      if (hasNonXmlChar(text)) throw bridgeErrors.parameterError(name.slice(0, 64), 'invalidValue');
      fields.#byLowerName.set(name.toLowerCase(), { name, value: text });
    }
    return fields;
  }

  get size(): number {
    return this.#byLowerName.size;
  }

  has(name: string): boolean {
    return this.#byLowerName.has(name.toLowerCase());
  }

  get(name: string): string | undefined {
    return this.#byLowerName.get(name.toLowerCase())?.value;
  }

  /** Every field as `[nameAsSent, value]`. */
  entries(): Array<[string, string]> {
    return [...this.#byLowerName.values()].map((f) => [f.name, f.value]);
  }

  lowerNames(): string[] {
    return [...this.#byLowerName.keys()];
  }

  nameAsSent(lowerName: string): string {
    return this.#byLowerName.get(lowerName)?.name ?? lowerName;
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** Bodies are small forms; anything larger is refused before parsing. */
export const MAX_BODY_CHARS = 256 * 1024;

function decodeComponent(raw: string, nameForError: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw bridgeErrors.parameterError(nameForError.slice(0, 64), 'invalidValue');
  }
}
