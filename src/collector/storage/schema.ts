/**
 * Kysely table types of the collector, in camelCase (CamelCasePlugin maps them to the snake_case
 * columns of storage/migrations). Booleans are 0/1 integers on both dialects.
 */
import type { Generated } from 'kysely';
import type { CallRow } from '../domain/call.ts';
import type { CallLegRow } from '../domain/callLeg.ts';
import type { MediaSessionRow } from '../domain/media.ts';

export interface CdrRecordTable {
  seq: Generated<number>;
  session: string;
  keyKind: 'c' | 'r';
  keyIndex: number;
  correlatorIndex: number | null;
  recordIndex: number | null;
  numPrecedingMissing: number | null;
  type: string;
  timeMs: number;
  callBridge: string | null;
  source: string | null;
  objectId: string | null;
  /** The `seq` of the call, call leg or media session the record is about (modelled types only). */
  objectSeq: number | null;
  raw: string;
  /** The record's exact bytes when `raw` is not exact (bytes that are not UTF-8, or U+0000 escaped); else null. */
  rawBytes: Uint8Array | null;
  receivedMs: number;
}

export interface CdrSessionTable {
  session: string;
  callBridge: string | null;
  source: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
  posts: number;
  records: number;
  /** Records stored with a correlatorIndex: fewer than max - min + 1 means gaps. */
  correlatedRecords: number;
  duplicates: number;
  declaredMissing: number;
  minCorrelator: number | null;
  maxCorrelator: number | null;
  /** The address its first post came from (`sessionEnds.ts`: the source of an unlabelled session). */
  remoteAddress: string | null;
  /** When a newer session of the same source ended this one (its last record's time), and which. */
  endedMs: number | null;
  endedBy: string | null;
}

/**
 * A model row as stored: booleans become 0/1 integers (nullable ones stay nullable), everything else
 * is kept, so a column added to the model is a column of its table (the migration adds it).
 */
export type StoredRow<Row> = {
  [K in keyof Row]: [Row[K]] extends [boolean] ? number : [Row[K]] extends [boolean | null] ? number | null : Row[K];
};

/**
 * Storage-only columns of the model tables: `seq`, the object's integer key and the tables' primary
 * key (one numbering for calls, legs and media sessions, in arrival order; `collector_sequence`), and
 * a leg's `callSeq`, its call's seq (null while the call has not arrived). Records and legs refer to
 * objects by these, not by GUID (migration 0002); GUIDs are looked up through `object_key` and the
 * newest rows (migration 0003, `objectKeys.ts`).
 */
export interface ObjectKeys {
  seq: number;
}

export type CallTable = StoredRow<CallRow> & ObjectKeys;
export type CallLegTable = StoredRow<CallLegRow> & ObjectKeys & { callSeq: number | null };
export type MediaSessionTable = MediaSessionRow & ObjectKeys;

export interface CollectorSequenceTable {
  name: string;
  value: number;
}

/** A GUID and the seq its object is stored under, for objects up to 'indexed' (`objectKeys.ts`). */
export interface ObjectKeyTable {
  /** 'c' call, 'l' call leg, 'm' media session. */
  kind: string;
  id: string;
  seq: number;
}

/** A post the collector could not use, kept byte for byte (migration 0004). */
export interface CdrQuarantineTable {
  seq: Generated<number>;
  receivedMs: number;
  /** The refusal's CollectorErrorCode (`errors.ts`). */
  code: string;
  reason: string;
  session: string | null;
  source: string | null;
  remoteAddress: string | null;
  size: number;
  body: Uint8Array;
}

export interface CollectorDb {
  cdrRecord: CdrRecordTable;
  cdrSession: CdrSessionTable;
  call: CallTable;
  callLeg: CallLegTable;
  mediaSession: MediaSessionTable;
  collectorSequence: CollectorSequenceTable;
  objectKey: ObjectKeyTable;
  cdrQuarantine: CdrQuarantineTable;
}
