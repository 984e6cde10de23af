/** Conversions between model rows (booleans) and table rows (0/1 flags). */
import { fromFlag, toFlag } from '../../shared/database.ts';
import type { CallRow } from '../domain/call.ts';
import type { CallLegRow } from '../domain/callLeg.ts';
import type { MediaSessionRow } from '../domain/media.ts';
import type { CallLegTable, CallTable, MediaSessionTable } from './schema.ts';

const CALL_FLAGS = ['coSpaceMetaDataConfigured', 'endpointRecorded'] as const;
const CALL_REQUIRED_FLAGS = ['hasStart', 'hasEnd', 'sessionEnded'] as const;
const LEG_FLAGS = [
  'guestConnection',
  'recording',
  'streaming',
  'canMove',
  'inIvr',
  'deactivated',
  'remoteTeardown',
  'encryptedMedia',
  'unencryptedMedia',
] as const;
const LEG_REQUIRED_FLAGS = ['hasStart', 'hasEnd', 'sessionEnded'] as const;
const CALL_FLAG_SET: ReadonlySet<string> = new Set([...CALL_FLAGS, ...CALL_REQUIRED_FLAGS]);
const LEG_FLAG_SET: ReadonlySet<string> = new Set([...LEG_FLAGS, ...LEG_REQUIRED_FLAGS]);

function optionalFlag(value: boolean | null): number | null {
  return value === null ? null : toFlag(value);
}

function optionalBool(value: number | null): boolean | null {
  return value === null ? null : fromFlag(value);
}

/*
 * Rows read from the tables keep their storage-only columns (`schema.ts` ObjectKeys: seq, callSeq)
 * as extra properties the model types do not name: stripping them cost a third of the time to read
 * legs (a copy by keyed stores makes V8 dictionaries, measured) and raised ingest RSS by ~60 MB. The
 * API names the fields it shows (legs hide these), and `*ToTable` sets them from the object keys.
 */

export function callToTable(row: CallRow, seq: number): CallTable {
  const out = { ...row, seq } as unknown as Record<string, unknown>;
  for (const k of CALL_FLAGS) out[k] = optionalFlag(row[k]);
  for (const k of CALL_REQUIRED_FLAGS) out[k] = toFlag(row[k]);
  return out as unknown as CallTable;
}

export function callFromTable(row: CallTable): CallRow {
  const out = { ...row } as unknown as Record<string, unknown>;
  for (const k of CALL_FLAGS) out[k] = optionalBool(row[k]);
  for (const k of CALL_REQUIRED_FLAGS) out[k] = fromFlag(row[k]);
  return out as unknown as CallRow;
}

export function legToTable(row: CallLegRow, seq: number, callSeq: number | null): CallLegTable {
  const out = { ...row, seq, callSeq } as unknown as Record<string, unknown>;
  for (const k of LEG_FLAGS) out[k] = optionalFlag(row[k]);
  for (const k of LEG_REQUIRED_FLAGS) out[k] = toFlag(row[k]);
  return out as unknown as CallLegTable;
}

export function legFromTable(row: CallLegTable): CallLegRow {
  const out = { ...row } as unknown as Record<string, unknown>;
  for (const k of LEG_FLAGS) out[k] = optionalBool(row[k]);
  for (const k of LEG_REQUIRED_FLAGS) out[k] = fromFlag(row[k]);
  return out as unknown as CallLegRow;
}

export function mediaToTable(row: MediaSessionRow, seq: number): MediaSessionTable {
  return { ...row, seq };
}

/**
 * The values of a call's table row in `columns` order (flags as 0/1, `seq` given), bound straight
 * into a statement: building the table row first (a ~25-field copy with the key added) and reading it
 * back cost allocation the ingest path does not need.
 */
export function callValues(row: CallRow, seq: number, columns: readonly string[]): unknown[] {
  const source = row as unknown as Record<string, unknown>;
  return columns.map((c) => (c === 'seq' ? seq : CALL_FLAG_SET.has(c) ? optionalFlag(source[c] as boolean | null) : source[c]));
}

/** The values of a leg's table row in `columns` order (see `callValues`). */
export function legValues(row: CallLegRow, seq: number, callSeq: number | null, columns: readonly string[]): unknown[] {
  const source = row as unknown as Record<string, unknown>;
  return columns.map((c) => (c === 'seq' ? seq : c === 'callSeq' ? callSeq : LEG_FLAG_SET.has(c) ? optionalFlag(source[c] as boolean | null) : source[c]));
}

/** The values of a media session's table row in `columns` order. */
export function mediaValues(row: MediaSessionRow, seq: number, columns: readonly string[]): unknown[] {
  const source = row as unknown as Record<string, unknown>;
  return columns.map((c) => (c === 'seq' ? seq : source[c]));
}

const snakeCache = new Map<string, string>();
/** A column name as SQL spells it (`callSeq` → `call_seq`). */
export function snake(name: string): string {
  let out = snakeCache.get(name);
  if (out === undefined) {
    out = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeCache.set(name, out);
  }
  return out;
}

const camelCache = new Map<string, string>();
/** A row read with raw SQL, its column names as the model spells them (`call_seq` → `callSeq`). */
export function camelRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    let name = camelCache.get(key);
    if (name === undefined) {
      name = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      camelCache.set(key, name);
    }
    out[name] = value;
  }
  return out;
}
