/** JSON shapes of the query API: times as ISO 8601 UTC, booleans as booleans, internals left out. */
import type { CallRow } from '../domain/call.ts';
import type { CallLegAlarm, CallLegRow } from '../domain/callLeg.ts';
import type { MediaSessionRow } from '../domain/media.ts';
import type { QuarantinedPost, QuarantineSummary } from '../storage/quarantineStore.ts';
import type { SessionRow, StoredRecord } from '../storage/queryStore.ts';
import { isUtf8 } from '../ingest/text.ts';

export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

export function presentCall(row: CallRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    callType: row.callType,
    coSpace: row.coSpace,
    callCorrelator: row.callCorrelator,
    meeting: row.meetingKey,
    ownerName: row.ownerName,
    tenant: row.tenant,
    cdrTag: row.cdrTag,
    coSpaceMetaDataConfigured: row.coSpaceMetaDataConfigured,
    callBridge: row.callBridge,
    session: row.session,
    startTime: iso(row.startMs),
    endTime: iso(row.endMs),
    beginTime: iso(row.beginMs),
    durationSeconds: row.durationSeconds,
    callLegsCompleted: row.callLegsCompleted,
    callLegsMaxActive: row.callLegsMaxActive,
    endpointRecorded: row.endpointRecorded,
    hasStart: row.hasStart,
    hasEnd: row.hasEnd,
    sessionEnded: row.sessionEnded,
  };
}

const LEG_TIMES = new Set(['startMs', 'connectedMs', 'endMs', 'beginMs']);
/** Internals: merge order, alarms (shown below), and the storage's object keys (`storage/schema.ts`). */
const LEG_HIDDEN = new Set(['lastOrder', 'alarms', 'seq', 'callSeq']);

/** A call leg, flat (one column per field, as in CSV); `alarms` as a list in JSON, JSON text in CSV. */
export function presentCallLeg(row: CallLegRow, forCsv = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (LEG_HIDDEN.has(key)) continue;
    if (LEG_TIMES.has(key)) out[key.replace(/Ms$/, 'Time')] = iso(value as number | null);
    else if (key === 'legType') out['type'] = value;
    else if (key === 'callId') out['call'] = value;
    else out[key] = value;
  }
  const alarms = row.alarms === null ? [] : (JSON.parse(row.alarms) as CallLegAlarm[]);
  out['alarms'] = forCsv ? (alarms.length === 0 ? null : JSON.stringify(alarms)) : alarms;
  return out;
}

export function presentMedia(row: MediaSessionRow): Record<string, unknown> {
  return {
    id: row.id,
    kind: row.kind,
    call: row.callId,
    callLeg: row.callLegId,
    path: row.path,
    uri: row.uri,
    callBridge: row.callBridge,
    session: row.session,
    startTime: iso(row.startMs),
    endTime: iso(row.endMs),
  };
}

export function presentRecord(record: StoredRecord, withRaw = true): Record<string, unknown> {
  return {
    session: record.session,
    correlatorIndex: record.correlatorIndex,
    recordIndex: record.recordIndex,
    numPreceedingRecordsMissing: record.numPreceedingRecordsMissing,
    type: record.type,
    time: iso(record.timeMs),
    callBridge: record.callBridge,
    source: record.source,
    object: record.objectId,
    receivedTime: iso(record.receivedMs),
    // `xml` is the record's text; `rawBase64` its exact bytes when the text is not exact (bytes
    // that are not UTF-8, or U+0000 stored as `\u0000`: ingest/text.ts), else null.
    ...(withRaw ? { xml: record.raw, rawBase64: record.rawBytes === null ? null : Buffer.from(record.rawBytes).toString('base64') } : {}),
  };
}

/** A quarantined post in a list: no body. */
export function presentQuarantineSummary(post: QuarantineSummary): Record<string, unknown> {
  return {
    id: post.id,
    receivedTime: iso(post.receivedMs),
    code: post.code,
    reason: post.reason,
    session: post.session,
    source: post.source,
    remoteAddress: post.remoteAddress,
    size: post.size,
  };
}

/** One quarantined post with its body: as text when it is valid UTF-8 (else null), and always in base64. */
export function presentQuarantinedPost(post: QuarantinedPost): Record<string, unknown> {
  return {
    ...presentQuarantineSummary(post),
    body: isUtf8(post.body) ? post.body.toString('utf8') : null,
    bodyBase64: post.body.toString('base64'),
  };
}

export function presentSession(row: SessionRow): Record<string, unknown> {
  return {
    session: row.session,
    callBridge: row.callBridge,
    source: row.source,
    firstSeenTime: iso(row.firstSeenMs),
    lastSeenTime: iso(row.lastSeenMs),
    posts: row.posts,
    records: row.records,
    duplicates: row.duplicates,
    declaredMissing: row.declaredMissing,
    minCorrelatorIndex: row.minCorrelator === null ? null : row.minCorrelator,
    maxCorrelatorIndex: row.maxCorrelator === null ? null : row.maxCorrelator,
    remoteAddress: row.remoteAddress,
    endedTime: iso(row.endedMs),
    endedBy: row.endedBy,
  };
}
