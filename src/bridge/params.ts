/**
 * Declarative parameter tables, one per CMS object, and the one function that validates a request
 * against them. A rejected request changes nothing because validation happens before any write.
 */
import { bridgeErrors } from './errors.ts';
import type { FormFields } from './api/form.ts';

export type FieldType =
  | { readonly type: 'string'; readonly maxLength?: number; readonly pattern?: RegExp }
  | { readonly type: 'boolean' }
  | { readonly type: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  /** An object id; existence is checked by the handler against the named collection. */
  | { readonly type: 'id'; readonly collection: string };

export interface ParamDef {
  /** Canonical (documented) spelling. */
  readonly name: string;
  readonly field: FieldType;
  /** Accepted on create (POST); default true. */
  readonly onCreate?: boolean;
  /** Accepted on modify (PUT); default true. */
  readonly onModify?: boolean;
  /** Other accepted spellings (`url` for `uri`). */
  readonly aliases?: readonly string[];
}

export type ParamValue = string | number | boolean;

/** Validated parameters: a value, or `null` when the client sent an empty value (= unset). */
export type ParamValues = Map<string, ParamValue | null>;

export const STRING_MAX = 2048;

export const str = (maxLength = STRING_MAX, pattern?: RegExp): FieldType =>
  pattern ? { type: 'string', maxLength, pattern } : { type: 'string', maxLength };
export const bool: FieldType = { type: 'boolean' };
export const int = (min?: number, max?: number): FieldType => ({
  type: 'integer',
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
export const oneOf = (...values: string[]): FieldType => ({ type: 'enum', values });
export const ref = (collection: string): FieldType => ({ type: 'id', collection });

const INT_RE = /^-?\d{1,16}$/;
const ID_RE = /^[0-9A-Za-z-]{1,64}$/;

export function parseBoolean(value: string): boolean | undefined {
  switch (value.toLowerCase()) {
    case 'true':
    case 'on':
    case '1':
      return true;
    case 'false':
    case 'off':
    case '0':
      return false;
    default:
      return undefined;
  }
}

export function coerce(def: ParamDef, raw: string): ParamValue {
  const f = def.field;
  switch (f.type) {
    case 'string':
      if (f.maxLength !== undefined && raw.length > f.maxLength) throw bridgeErrors.parameterError(def.name, 'valueTooLong');
      if (f.pattern && !f.pattern.test(raw)) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      if (/\p{Cc}/u.test(raw.replace(/[\t\n\r]/g, ''))) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      return raw;
    case 'boolean': {
      const b = parseBoolean(raw);
      if (b === undefined) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      return b;
    }
    case 'integer': {
      if (!INT_RE.test(raw)) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        throw bridgeErrors.parameterError(def.name, 'invalidValue');
      }
      return n;
    }
    case 'enum': {
      const match = f.values.find((v) => v.toLowerCase() === raw.toLowerCase());
      if (match === undefined) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      return match;
    }
    case 'id':
      if (!ID_RE.test(raw)) throw bridgeErrors.parameterError(def.name, 'invalidValue');
      return raw.toLowerCase();
  }
}

export interface ReadOptions {
  /** Names that must be present (POST). */
  readonly required?: readonly string[];
}

/**
 * Validates `fields` against `defs` for a create or a modify. Unknown names and names not allowed in
 * this mode are parameter errors. Empty values mean "unset" and come back as `null`.
 */
export function readParams(
  fields: FormFields,
  defs: readonly ParamDef[],
  mode: 'create' | 'modify',
  options: ReadOptions = {},
): ParamValues {
  const byLower = lookupTable(defs);
  const values: ParamValues = new Map();
  for (const lower of fields.lowerNames()) {
    const def = byLower.get(lower);
    const sent = fields.nameAsSent(lower);
    if (!def) throw bridgeErrors.parameterError(sent.slice(0, 64), 'unrecognisedParameter');
    if (mode === 'create' && def.onCreate === false) throw bridgeErrors.parameterError(def.name, 'unrecognisedParameter');
    if (mode === 'modify' && def.onModify === false) throw bridgeErrors.parameterError(def.name, 'readOnlyParameter');
    if (values.has(def.name)) throw bridgeErrors.parameterError(def.name, 'duplicateParameter');
    const raw = fields.get(lower) ?? '';
    values.set(def.name, raw === '' ? null : coerce(def, raw));
  }
  for (const name of options.required ?? []) {
    if (values.get(name) === undefined || values.get(name) === null) throw bridgeErrors.parameterError(name, 'missingParameter');
  }
  return values;
}

const tables = new WeakMap<readonly ParamDef[], Map<string, ParamDef>>();

function lookupTable(defs: readonly ParamDef[]): Map<string, ParamDef> {
  let table = tables.get(defs);
  if (!table) {
    table = new Map();
    for (const def of defs) {
      table.set(def.name.toLowerCase(), def);
      for (const alias of def.aliases ?? []) table.set(alias.toLowerCase(), def);
    }
    tables.set(defs, table);
  }
  return table;
}

/** Typed accessors over validated values. */
export function getString(values: ParamValues, name: string): string | null | undefined {
  const v = values.get(name);
  return v === undefined || v === null ? v : String(v);
}

export function getBoolean(values: ParamValues, name: string): boolean | null | undefined {
  const v = values.get(name);
  return v === undefined || v === null ? v : v === true;
}

export function getInteger(values: ParamValues, name: string): number | null | undefined {
  const v = values.get(name);
  return v === undefined || v === null ? v : Number(v);
}
