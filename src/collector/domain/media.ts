/** Recordings and streamings of a call: start (with where) and end (id only) merged into one row. */
import { stringField } from './element.ts';
import type { ModelRecord } from './record.ts';

export interface MediaSessionRow {
  id: string;
  kind: 'recording' | 'streaming';
  callBridge: string | null;
  session: string;
  callId: string | null;
  callLegId: string | null;
  /** recording: path (internal recorder); both: recorderUri / streamerUri. */
  path: string | null;
  uri: string | null;
  startMs: number | null;
  endMs: number | null;
}

/** Merges one record into a recording or streaming row: `current` is updated in place and returned; without it, a new row. */
export function applyMediaRecord(current: MediaSessionRow | undefined, id: string, record: ModelRecord): MediaSessionRow {
  const kind = record.type.startsWith('recording') ? 'recording' : 'streaming';
  const row: MediaSessionRow = current ?? { id, kind, callBridge: record.callBridge, session: record.session, callId: null, callLegId: null, path: null, uri: null, startMs: null, endMs: null };
  const body = record.body;
  if (record.type.endsWith('Start')) {
    row.callId = stringField(body, 'call') ?? row.callId;
    row.callLegId = stringField(body, 'callLeg') ?? row.callLegId;
    row.path = stringField(body, 'path') ?? row.path;
    row.uri = stringField(body, kind === 'recording' ? 'recorderUri' : 'streamerUri') ?? row.uri;
    row.startMs = record.timeMs;
  } else if (record.type.endsWith('End')) {
    row.endMs = record.timeMs;
  }
  return row;
}
