/**
 * Bulk coSpaces (`/cospaceBulkParameterSets`, `/cospaceBulkSyncs`): the rules, free of HTTP and SQL.
 *
 * A parameter set describes a range of coSpaces (`startIndex`..`endIndex`, both inclusive) through
 * mappings: templates in which `$index$` stands for each number of the range, `\\` for `\` and `\$`
 * for `$`. A sync deletes every coSpace an earlier sync made from the set and, unless `removeAll`,
 * makes the range again: one space per index, all in one transaction.
 *
 * Choices where Cisco's text is silent (docs/cms-compatibility.md):
 * - a mapping may hold `$index$` any number of times; any other `$`, or a `\` not followed by `\` or
 *   `$`, is `parameterError invalidValue` when the set is written;
 * - startIndex and endIndex are required on create and lie in 0..MAX_INDEX; start > end is accepted on
 *   write and makes the sync fail with `failedIndexRangeInvalid`, as the status list implies;
 * - a range of more than MAX_SYNC_RANGE indices fails with `failedIndexRangeTooGreat`;
 * - a mapping whose expansion is not a valid uri / callId / name (too long, not digits) fails the sync
 *   with `failed`.
 */
import { newGuid, newSecret } from '../../shared/ids.ts';
import { getBoolean, getInteger, getString, int, ref, str, bool, type ParamDef, type ParamValues } from '../params.ts';
import { bridgeErrors } from '../errors.ts';
import { CALL_ID, newCoSpace, URI_USER_PART, type CoSpace } from './coSpace.ts';
import type { Mutable } from '../../shared/types.ts';

/** The most coSpaces one sync makes (endIndex - startIndex + 1). */
export const MAX_SYNC_RANGE = 100_000;
/** Indices are non-negative and fit a 32-bit signed integer. */
export const MAX_INDEX = 2_147_483_647;

export const BULK_SYNC_STATUSES = [
  'pending',
  'running',
  'complete',
  'failedCoSpaceUriConflict',
  'failedCallIdConflict',
  'failedIndexRangeInvalid',
  'failedIndexRangeTooGreat',
  'failedNoSuchParameterSet',
  'failed',
] as const;

export type BulkSyncStatus = (typeof BULK_SYNC_STATUSES)[number];
export type BulkSyncFailure = Exclude<BulkSyncStatus, 'pending' | 'running' | 'complete'>;

export function isFinalStatus(status: BulkSyncStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

export interface CoSpaceBulkParameterSet {
  readonly id: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly coSpaceUriMapping: string | null;
  readonly coSpaceNameMapping: string | null;
  readonly coSpaceCallIdMapping: string | null;
  readonly tenant: string | null;
  readonly callProfile: string | null;
  readonly callLegProfile: string | null;
  readonly callBrandingProfile: string | null;
  readonly nonMemberAccess: boolean;
}

export interface CoSpaceBulkSync {
  readonly id: string;
  readonly parameterSet: string;
  readonly removeAll: boolean;
  readonly status: BulkSyncStatus;
  /** The call bridge (cluster node) that accepted the sync and runs it. */
  readonly callBridge: string;
  readonly createdMs: number;
  readonly updatedMs: number;
}

// ---------------------------------------------------------------------------------------------------
// Mappings

/** A parsed mapping: literal text and `$index$` placeholders, in order. */
export type MappingPart = { readonly literal: string } | { readonly index: true };

export class MappingSyntaxError extends Error {}

/** Parses a mapping template; throws MappingSyntaxError on a stray `$` or `\`. */
export function parseMapping(template: string): MappingPart[] {
  const parts: MappingPart[] = [];
  let literal = '';
  for (let i = 0; i < template.length; ) {
    const c = template.charAt(i);
    if (c === '\\') {
      const next = template[i + 1];
      if (next !== '\\' && next !== '$') throw new MappingSyntaxError(`"\\" at ${i} escapes neither "\\" nor "$"`);
      literal += next;
      i += 2;
    } else if (c === '$') {
      if (!template.startsWith('$index$', i)) throw new MappingSyntaxError(`"$" at ${i} does not start "$index$"`);
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ index: true });
      i += '$index$'.length;
    } else {
      literal += c;
      i += 1;
    }
  }
  if (literal !== '') parts.push({ literal });
  return parts;
}

/** The mapping's text for one index. */
export function expandMapping(parts: readonly MappingPart[], index: number): string {
  let out = '';
  for (const part of parts) out += 'literal' in part ? part.literal : String(index);
  return out;
}

export function usesIndex(parts: readonly MappingPart[]): boolean {
  return parts.some((p) => 'index' in p);
}

/** The literal text of a mapping with `$index$` removed (what must satisfy per-character rules). */
function literalText(parts: readonly MappingPart[]): string {
  return parts.map((p) => ('literal' in p ? p.literal : '')).join('');
}

// ---------------------------------------------------------------------------------------------------
// Parameters

const MAPPING_MAX = 256;

export const bulkParameterSetParams: readonly ParamDef[] = [
  { name: 'startIndex', field: int(0, MAX_INDEX) },
  { name: 'endIndex', field: int(0, MAX_INDEX) },
  { name: 'coSpaceUriMapping', field: str(MAPPING_MAX) },
  { name: 'coSpaceNameMapping', field: str(MAPPING_MAX) },
  { name: 'coSpaceCallIdMapping', field: str(MAPPING_MAX) },
  { name: 'tenant', field: ref('tenants') },
  { name: 'callProfile', field: ref('callProfiles') },
  /** Not in Cisco's table, but TMS sends it (spec §2.9). */
  { name: 'callLegProfile', field: ref('callLegProfiles') },
  { name: 'callBrandingProfile', field: ref('callBrandingProfiles') },
  { name: 'nonMemberAccess', field: bool },
];

export const bulkSyncParams: readonly ParamDef[] = [
  { name: 'cospaceBulkParameterSet', field: ref('cospaceBulkParameterSets') },
  { name: 'removeAll', field: bool },
];

/** The references a parameter set may hold, and the collection each names. */
export type BulkReferenceField = 'tenant' | 'callProfile' | 'callLegProfile' | 'callBrandingProfile';

export const BULK_REFERENCES: ReadonlyArray<readonly [BulkReferenceField, string]> = [
  ['tenant', 'tenants'],
  ['callProfile', 'callProfiles'],
  ['callLegProfile', 'callLegProfiles'],
  ['callBrandingProfile', 'callBrandingProfiles'],
];

/** Checks a mapping's syntax and the characters its result may hold; throws parameterError. */
function checkMapping(name: string, template: string, kind: 'uri' | 'name' | 'callId'): void {
  let parts: MappingPart[];
  try {
    parts = parseMapping(template);
  } catch {
    throw bridgeErrors.parameterError(name, 'invalidValue');
  }
  const literal = literalText(parts);
  if (kind === 'uri' && literal !== '' && !URI_USER_PART.test(literal)) throw bridgeErrors.parameterError(name, 'invalidValue');
  if (kind === 'callId' && literal !== '' && !/^\d+$/.test(literal)) throw bridgeErrors.parameterError(name, 'invalidValue');
}


/** Applies validated parameters to a parameter set (new or existing). References are checked by the caller. */
export function applyBulkParameterSetParams(existing: CoSpaceBulkParameterSet | undefined, values: ParamValues): CoSpaceBulkParameterSet {
  const next: Mutable<CoSpaceBulkParameterSet> = existing
    ? { ...existing }
    : {
        id: newGuid(),
        startIndex: 0,
        endIndex: 0,
        coSpaceUriMapping: null,
        coSpaceNameMapping: null,
        coSpaceCallIdMapping: null,
        tenant: null,
        callProfile: null,
        callLegProfile: null,
        callBrandingProfile: null,
        nonMemberAccess: true,
      };
  for (const name of ['startIndex', 'endIndex'] as const) {
    const v = getInteger(values, name);
    if (v === null) throw bridgeErrors.parameterError(name, existing ? 'invalidValue' : 'missingParameter');
    if (v !== undefined) next[name] = v;
  }
  const mappings = [
    ['coSpaceUriMapping', 'uri'],
    ['coSpaceNameMapping', 'name'],
    ['coSpaceCallIdMapping', 'callId'],
  ] as const;
  for (const [name, kind] of mappings) {
    const v = getString(values, name);
    if (v === undefined) continue;
    // A blank mapping (empty or only white space) means none.
    if (v === null || v.trim() === '') {
      next[name] = null;
      continue;
    }
    checkMapping(name, v, kind);
    next[name] = v;
  }
  for (const [name] of BULK_REFERENCES) {
    const v = getString(values, name);
    if (v !== undefined) next[name] = v;
  }
  const nonMember = getBoolean(values, 'nonMemberAccess');
  if (nonMember !== undefined) next.nonMemberAccess = nonMember ?? true;
  return next;
}

// ---------------------------------------------------------------------------------------------------
// Sync planning

/**
 * The outcome of planning a sync: the coSpaces to create, or why it fails before touching storage.
 * The coSpaces themselves are built batch by batch (`batches`), so a sync of 100,000 never holds
 * 100,000 objects at once; `uris` and `callIds` (all of them, in index order) are what clash checks need.
 */
export type SyncPlan =
  | {
      readonly ok: true;
      readonly count: number;
      readonly uris: readonly string[];
      readonly callIds: readonly string[];
      batches(size: number): Generator<CoSpace[]>;
    }
  | { readonly ok: false; readonly status: BulkSyncFailure; readonly reason: string };

/** Checks the range of a set: undefined when it is usable, else the failure status. */
export function rangeProblem(set: Pick<CoSpaceBulkParameterSet, 'startIndex' | 'endIndex'>, maxRange = MAX_SYNC_RANGE): BulkSyncFailure | undefined {
  if (set.startIndex > set.endIndex) return 'failedIndexRangeInvalid';
  if (set.endIndex - set.startIndex + 1 > maxRange) return 'failedIndexRangeTooGreat';
  return undefined;
}

const NAME_MAX = 256;
const URI_MAX = 254;

/**
 * Expands a parameter set into the coSpaces a sync creates, checking the range, every expansion's
 * validity and that uris and callIds are unique among themselves. Clashes with other coSpaces are
 * the caller's to check (they need storage).
 */
export function planSync(set: CoSpaceBulkParameterSet, maxRange = MAX_SYNC_RANGE): SyncPlan {
  const range = rangeProblem(set, maxRange);
  if (range) return { ok: false, status: range, reason: range };
  const parse = (template: string | null): MappingPart[] | undefined => (template === null ? undefined : parseMapping(template));
  let uriParts: MappingPart[] | undefined;
  let nameParts: MappingPart[] | undefined;
  let callIdParts: MappingPart[] | undefined;
  try {
    uriParts = parse(set.coSpaceUriMapping);
    nameParts = parse(set.coSpaceNameMapping);
    callIdParts = parse(set.coSpaceCallIdMapping);
  } catch (error) {
    return { ok: false, status: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  const count = set.endIndex - set.startIndex + 1;
  if (count > 1 && uriParts && !usesIndex(uriParts)) return { ok: false, status: 'failedCoSpaceUriConflict', reason: 'uri mapping without $index$' };
  if (count > 1 && callIdParts && !usesIndex(callIdParts)) return { ok: false, status: 'failedCallIdConflict', reason: 'callId mapping without $index$' };

  const uris: string[] = [];
  const callIds: string[] = [];
  const seenUris = new Set<string>();
  const seenCallIds = new Set<string>();
  for (let index = set.startIndex; index <= set.endIndex; index++) {
    if (uriParts) {
      const uri = expandMapping(uriParts, index).toLowerCase();
      if (uri.length > URI_MAX || !URI_USER_PART.test(uri)) return { ok: false, status: 'failed', reason: `uri "${uri.slice(0, 64)}" is not valid` };
      // A mapping holding $index$ expands differently for every index; checked anyway (cheap) so the
      // rule does not rest on that argument.
      if (seenUris.has(uri)) return { ok: false, status: 'failedCoSpaceUriConflict', reason: `uri "${uri}" repeats within the range` };
      seenUris.add(uri);
      uris.push(uri);
    }
    if (callIdParts) {
      const callId = expandMapping(callIdParts, index);
      if (!CALL_ID.test(callId)) return { ok: false, status: 'failed', reason: `callId "${callId.slice(0, 64)}" is not valid` };
      if (seenCallIds.has(callId)) return { ok: false, status: 'failedCallIdConflict', reason: `callId "${callId}" repeats within the range` };
      seenCallIds.add(callId);
      callIds.push(callId);
    }
    if (nameParts && expandMapping(nameParts, index).length > NAME_MAX) return { ok: false, status: 'failed', reason: 'name too long' };
  }

  const coSpaceAt = (offset: number): CoSpace => {
    const index = set.startIndex + offset;
    const callId = callIdParts ? (callIds[offset] ?? null) : null;
    return newCoSpace({
      name: nameParts ? expandMapping(nameParts, index) : null,
      uri: uriParts ? (uris[offset] ?? null) : null,
      callId,
      // Cisco: "Secrets will be autogenerated if CallIdMapping is set."
      secret: callId === null ? null : newSecret(),
      nonMemberAccess: set.nonMemberAccess,
      tenant: set.tenant,
      callLegProfile: set.callLegProfile,
      callProfile: set.callProfile,
      callBrandingProfile: set.callBrandingProfile,
      bulkParameterSet: set.id,
    });
  };
  return {
    ok: true,
    count,
    uris,
    callIds,
    *batches(size: number) {
      for (let from = 0; from < count; from += size) {
        const batch: CoSpace[] = [];
        for (let offset = from; offset < Math.min(count, from + size); offset++) batch.push(coSpaceAt(offset));
        yield batch;
      }
    },
  };
}

/** Every coSpace of a plan at once (tests, small ranges). */
export function allCoSpaces(plan: Extract<SyncPlan, { ok: true }>): CoSpace[] {
  return [...plan.batches(1000)].flat();
}
