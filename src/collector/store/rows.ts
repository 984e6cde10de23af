/** Conversions between model rows (booleans) and table rows (0/1 flags). */
import { fromFlag, toFlag } from '../../shared/database.ts';
import type { CallRow } from '../model/call.ts';
import type { CallLegRow } from '../model/callLeg.ts';
import type { MediaSessionRow } from '../model/media.ts';
import type { CallLegTable, CallTable, MediaSessionTable } from './schema.ts';

const CALL_FLAGS = ['coSpaceMetaDataConfigured', 'endpointRecorded'] as const;
const CALL_REQUIRED_FLAGS = ['hasStart', 'hasEnd'] as const;
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
const LEG_REQUIRED_FLAGS = ['hasStart', 'hasEnd'] as const;

function optionalFlag(value: boolean | null): number | null {
  return value === null ? null : toFlag(value);
}

function optionalBool(value: number | null): boolean | null {
  return value === null ? null : fromFlag(value);
}

/**
 * A copy without the storage-only columns (`schema.ts` ObjectKeys), which model rows do not carry.
 * (A copying loop: `delete` turns the object into a slow dictionary, and rest syntax takes V8's slow
 * path; both cost a third of a report's time to read legs, measured.)
 */
function withoutStorageKeys(row: object): Record<string, unknown> {
  const source = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key in source) if (key !== 'seq' && key !== 'callSeq') out[key] = source[key];
  return out;
}

export function callToTable(row: CallRow, seq: number): CallTable {
  const out = { ...row, seq } as unknown as Record<string, unknown>;
  for (const k of CALL_FLAGS) out[k] = optionalFlag(row[k]);
  for (const k of CALL_REQUIRED_FLAGS) out[k] = toFlag(row[k]);
  return out as unknown as CallTable;
}

export function callFromTable(row: CallTable): CallRow {
  const out = withoutStorageKeys(row);
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
  const out = withoutStorageKeys(row);
  for (const k of LEG_FLAGS) out[k] = optionalBool(row[k]);
  for (const k of LEG_REQUIRED_FLAGS) out[k] = fromFlag(row[k]);
  return out as unknown as CallLegRow;
}

export function mediaToTable(row: MediaSessionRow, seq: number): MediaSessionTable {
  return { ...row, seq };
}

export function mediaFromTable(row: MediaSessionTable): MediaSessionRow {
  return withoutStorageKeys(row) as unknown as MediaSessionRow;
}
