/**
 * A call as one row: callStart and callEnd merged (their fields do not overlap, so arrival order does
 * not matter). `meetingKey` groups calls into meetings across call bridges: the callCorrelator
 * (same for every bridge's part of one coSpace call), else the coSpace, else the call itself.
 */
import { booleanField, numberField, stringField } from './element.ts';
import type { ModelRecord } from './record.ts';

export interface CallRow {
  id: string;
  callBridge: string | null;
  session: string;
  name: string | null;
  coSpace: string | null;
  ownerName: string | null;
  tenant: string | null;
  cdrTag: string | null;
  callType: string | null;
  callCorrelator: string | null;
  coSpaceMetaDataConfigured: boolean | null;
  startMs: number | null;
  endMs: number | null;
  /** When the call began: its start, else end minus duration, else its first record. */
  beginMs: number;
  callLegsCompleted: number | null;
  callLegsMaxActive: number | null;
  durationSeconds: number | null;
  endpointRecorded: boolean | null;
  meetingKey: string;
  hasStart: boolean;
  /** A callEnd was merged. */
  hasEnd: boolean;
  /**
   * Closed by the collector, without a callEnd, because a newer session of the same source began:
   * `endMs` and `durationSeconds` are ours. A callEnd merged later replaces them.
   */
  sessionEnded: boolean;
}

export function meetingKeyOf(row: Pick<CallRow, 'id' | 'callCorrelator' | 'coSpace'>): string {
  return row.callCorrelator ?? row.coSpace ?? row.id;
}

/** Merges one record into a call row: `current` is updated in place and returned; without it, a new row. */
export function applyCallRecord(current: CallRow | undefined, id: string, record: ModelRecord): CallRow {
  const row: CallRow = current ?? {
    id,
    callBridge: record.callBridge,
    session: record.session,
    name: null,
    coSpace: null,
    ownerName: null,
    tenant: null,
    cdrTag: null,
    callType: null,
    callCorrelator: null,
    coSpaceMetaDataConfigured: null,
    startMs: null,
    endMs: null,
    beginMs: record.timeMs,
    callLegsCompleted: null,
    callLegsMaxActive: null,
    durationSeconds: null,
    endpointRecorded: null,
    meetingKey: id,
    hasStart: false,
    hasEnd: false,
    sessionEnded: false,
  };
  const body = record.body;
  if (record.type === 'callStart') {
    row.name = stringField(body, 'name') ?? row.name;
    row.coSpace = stringField(body, 'coSpace') ?? row.coSpace;
    row.ownerName = stringField(body, 'ownerName') ?? row.ownerName;
    row.tenant = stringField(body, 'tenant') ?? row.tenant;
    row.cdrTag = stringField(body, 'cdrTag') ?? row.cdrTag;
    row.callType = stringField(body, 'callType') ?? row.callType;
    row.callCorrelator = stringField(body, 'callCorrelator') ?? row.callCorrelator;
    row.coSpaceMetaDataConfigured = booleanField(body, 'coSpaceMetaDataConfigured') ?? row.coSpaceMetaDataConfigured;
    row.startMs = record.timeMs;
    row.hasStart = true;
  } else if (record.type === 'callEnd') {
    if (row.sessionEnded) {
      // A real callEnd replaces the collector's close (`closeCallAtSessionEnd`).
      row.sessionEnded = false;
      row.durationSeconds = null;
    }
    row.callLegsCompleted = numberField(body, 'callLegsCompleted') ?? row.callLegsCompleted;
    row.callLegsMaxActive = numberField(body, 'callLegsMaxActive') ?? row.callLegsMaxActive;
    row.durationSeconds = numberField(body, 'durationSeconds') ?? row.durationSeconds;
    row.endpointRecorded = booleanField(body, 'endpointRecorded') ?? row.endpointRecorded;
    row.endMs = record.timeMs;
    row.hasEnd = true;
  } else {
    return row;
  }
  if (row.callBridge === null) row.callBridge = record.callBridge;
  row.beginMs =
    row.startMs ?? (row.endMs !== null && row.durationSeconds !== null ? row.endMs - row.durationSeconds * 1000 : Math.min(row.beginMs, record.timeMs));
  row.meetingKey = meetingKeyOf(row);
  return row;
}

/**
 * Closes a call that has no callEnd because its session ended (its bridge restarted): it ends at
 * `endedMs` (not before its start), with the seconds from its begin. A call with a callEnd is left
 * as it is. Updates `row` in place; true when it changed.
 */
export function closeCallAtSessionEnd(row: CallRow, endedMs: number): boolean {
  if (row.hasEnd) return false;
  const endMs = Math.max(endedMs, row.beginMs, row.startMs ?? row.beginMs);
  const durationSeconds = (endMs - row.beginMs) / 1000;
  if (row.sessionEnded && row.endMs === endMs && row.durationSeconds === durationSeconds) return false;
  row.sessionEnded = true;
  row.endMs = endMs;
  row.durationSeconds = durationSeconds;
  return true;
}
