/** Conversions between model rows (booleans) and table rows (0/1 flags). */
import { fromFlag, toFlag } from '../../shared/database.ts';
import type { CallRow } from '../model/call.ts';
import type { CallLegRow } from '../model/callLeg.ts';
import type { CallLegTable, CallTable } from './schema.ts';

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

export function callToTable(row: CallRow): CallTable {
  const out = { ...row } as unknown as Record<string, unknown>;
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

export function legToTable(row: CallLegRow): CallLegTable {
  const out = { ...row } as unknown as Record<string, unknown>;
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
