/**
 * A call leg as one row: its callLegStart, every callLegUpdate and its callLegEnd merged. Records may
 * arrive in any order (update before start, end without start): each is applied with "newest wins"
 * by correlator order, and when a record older than one already applied arrives, the row is rebuilt
 * by folding all of the leg's records in order (`foldCallLeg`), so the result never depends on
 * arrival order.
 */
import { booleanField, child, childrenNamed, numberField, stringField, type XmlElement } from './element.ts';
import type { ModelRecord } from './record.ts';

export interface CallLegAlarm {
  readonly type: string;
  readonly durationPercentage: number | null;
}

export interface CallLegRow {
  id: string;
  callId: string | null;
  callBridge: string | null;
  session: string;
  displayName: string | null;
  localAddress: string | null;
  remoteAddress: string | null;
  remoteParty: string | null;
  cdrTag: string | null;
  guestConnection: boolean | null;
  recording: boolean | null;
  streaming: boolean | null;
  legType: string | null;
  subType: string | null;
  lyncSubType: string | null;
  direction: string | null;
  ownerId: string | null;
  sipCallId: string | null;
  groupId: string | null;
  replacesSipCallId: string | null;
  canMove: boolean | null;
  movedCallLeg: string | null;
  movedCallLegCallBridge: string | null;
  confirmationStatus: string | null;
  state: string | null;
  inIvr: boolean | null;
  deactivated: boolean | null;
  startMs: number | null;
  connectedMs: number | null;
  endMs: number | null;
  /** When the leg began: its start, else end minus duration, else its first record. */
  beginMs: number;
  reason: string | null;
  remoteTeardown: boolean | null;
  reasonDetails: string | null;
  encryptedMedia: boolean | null;
  unencryptedMedia: boolean | null;
  durationSeconds: number | null;
  activatedDuration: number | null;
  mainVideoViewerPct: number | null;
  mainVideoContributorPct: number | null;
  presentationViewerPct: number | null;
  presentationContributorPct: number | null;
  multistreamVideoPct: number | null;
  maxScreens: number | null;
  alarms: string | null;
  alarmCount: number;
  packetLossAlarmPct: number | null;
  rxAudioCodec: string | null;
  txAudioCodec: string | null;
  rxVideoCodec: string | null;
  txVideoCodec: string | null;
  rxVideoWidth: number | null;
  rxVideoHeight: number | null;
  txVideoWidth: number | null;
  txVideoHeight: number | null;
  rxAudioLossDuration: number | null;
  rxAudioLossDensity: number | null;
  rxAudioGapDuration: number | null;
  rxAudioGapDensity: number | null;
  rxVideoLossDuration: number | null;
  rxVideoLossDensity: number | null;
  rxVideoGapDuration: number | null;
  rxVideoGapDensity: number | null;
  updateCount: number;
  hasStart: boolean;
  /** A callLegEnd was merged. */
  hasEnd: boolean;
  /**
   * Closed by the collector, without a callLegEnd, because a newer session of the same source began
   * (its bridge restarted): `endMs`, `reason` ("sessionEnded") and `durationSeconds` are ours. A
   * callLegEnd merged later replaces them (`closeCallLegAtSessionEnd`).
   */
  sessionEnded: boolean;
  /** Order (correlatorIndex) of the newest record applied. */
  lastOrder: number;
}

export function emptyCallLeg(id: string, record: ModelRecord): CallLegRow {
  return {
    id,
    callId: null,
    callBridge: record.callBridge,
    session: record.session,
    displayName: null,
    localAddress: null,
    remoteAddress: null,
    remoteParty: null,
    cdrTag: null,
    guestConnection: null,
    recording: null,
    streaming: null,
    legType: null,
    subType: null,
    lyncSubType: null,
    direction: null,
    ownerId: null,
    sipCallId: null,
    groupId: null,
    replacesSipCallId: null,
    canMove: null,
    movedCallLeg: null,
    movedCallLegCallBridge: null,
    confirmationStatus: null,
    state: null,
    inIvr: null,
    deactivated: null,
    startMs: null,
    connectedMs: null,
    endMs: null,
    beginMs: record.timeMs,
    reason: null,
    remoteTeardown: null,
    reasonDetails: null,
    encryptedMedia: null,
    unencryptedMedia: null,
    durationSeconds: null,
    activatedDuration: null,
    mainVideoViewerPct: null,
    mainVideoContributorPct: null,
    presentationViewerPct: null,
    presentationContributorPct: null,
    multistreamVideoPct: null,
    maxScreens: null,
    alarms: null,
    alarmCount: 0,
    packetLossAlarmPct: null,
    rxAudioCodec: null,
    txAudioCodec: null,
    rxVideoCodec: null,
    txVideoCodec: null,
    rxVideoWidth: null,
    rxVideoHeight: null,
    txVideoWidth: null,
    txVideoHeight: null,
    rxAudioLossDuration: null,
    rxAudioLossDensity: null,
    rxAudioGapDuration: null,
    rxAudioGapDensity: null,
    rxVideoLossDuration: null,
    rxVideoLossDensity: null,
    rxVideoGapDuration: null,
    rxVideoGapDensity: null,
    updateCount: 0,
    hasStart: false,
    hasEnd: false,
    sessionEnded: false,
    lastOrder: -1,
  };
}

/** Sets a field the record carries (non-null); a field it does not carry keeps its value. */
function put<K extends keyof CallLegRow>(row: CallLegRow, key: K, value: CallLegRow[K] | null): void {
  if (value !== null) row[key] = value;
}

/** Fields common to start, update and end. */
function commonFields(body: XmlElement | undefined, row: CallLegRow): void {
  put(row, 'cdrTag', stringField(body, 'cdrTag'));
  put(row, 'ownerId', stringField(body, 'ownerId'));
  put(row, 'sipCallId', stringField(body, 'sipCallId'));
  put(row, 'confirmationStatus', stringField(body, 'confirmationStatus'));
}

function startOrUpdateFields(body: XmlElement | undefined, row: CallLegRow): void {
  put(row, 'displayName', stringField(body, 'displayName'));
  put(row, 'remoteAddress', stringField(body, 'remoteAddress'));
  put(row, 'groupId', stringField(body, 'groupId'));
  put(row, 'canMove', booleanField(body, 'canMove'));
  const call = stringField(body, 'call');
  if (call !== null) {
    row.callId = call;
    row.inIvr = false;
  }
}

function startFields(body: XmlElement | undefined, row: CallLegRow): void {
  put(row, 'localAddress', stringField(body, 'localAddress'));
  put(row, 'remoteParty', stringField(body, 'remoteParty'));
  put(row, 'guestConnection', booleanField(body, 'guestConnection'));
  put(row, 'recording', booleanField(body, 'recording'));
  put(row, 'streaming', booleanField(body, 'streaming'));
  put(row, 'legType', stringField(body, 'type'));
  put(row, 'subType', stringField(body, 'subType'));
  put(row, 'lyncSubType', stringField(body, 'lyncSubType'));
  put(row, 'direction', stringField(body, 'direction'));
  put(row, 'replacesSipCallId', stringField(body, 'replacesSipCallId'));
  put(row, 'movedCallLeg', stringField(body, 'movedCallLeg'));
  put(row, 'movedCallLegCallBridge', stringField(body, 'movedCallLegCallBridge'));
}

function updateFields(body: XmlElement | undefined, row: CallLegRow): void {
  put(row, 'state', stringField(body, 'state'));
  put(row, 'deactivated', booleanField(body, 'deactivated'));
  if (child(body, 'ivr')) row.inIvr = true;
}

function packetStats(stream: XmlElement | undefined): { lossDuration: number | null; lossDensity: number | null; gapDuration: number | null; gapDensity: number | null } {
  const stats = child(stream, 'packetStatistics');
  const loss = child(stats, 'packetLossBursts');
  const gap = child(stats, 'packetGap');
  return {
    lossDuration: numberField(loss, 'duration'),
    lossDensity: numberField(loss, 'density'),
    gapDuration: numberField(gap, 'duration'),
    gapDensity: numberField(gap, 'density'),
  };
}

function endFields(body: XmlElement | undefined, row: CallLegRow): void {
  put(row, 'reason', stringField(body, 'reason'));
  put(row, 'remoteTeardown', booleanField(body, 'remoteTeardown'));
  put(row, 'reasonDetails', stringField(body, 'reasonDetails'));
  put(row, 'encryptedMedia', booleanField(body, 'encryptedMedia'));
  put(row, 'unencryptedMedia', booleanField(body, 'unencryptedMedia'));
  put(row, 'durationSeconds', numberField(body, 'durationSeconds'));
  put(row, 'activatedDuration', numberField(body, 'activatedDuration'));
  const usage = child(body, 'mediaUsagePercentages');
  put(row, 'mainVideoViewerPct', numberField(usage, 'mainVideoViewer'));
  put(row, 'mainVideoContributorPct', numberField(usage, 'mainVideoContributor'));
  put(row, 'presentationViewerPct', numberField(usage, 'presentationViewer'));
  put(row, 'presentationContributorPct', numberField(usage, 'presentationContributor'));
  put(row, 'multistreamVideoPct', numberField(usage, 'multistreamVideo'));
  put(row, 'maxScreens', numberField(child(body, 'multistreamVideo'), 'maxScreens'));
  // An <alarm> carries type and durationPercentage as attributes or as child elements: accept both.
  const alarms: CallLegAlarm[] = childrenNamed(body, 'alarm').map((a) => ({
    type: stringField(a, 'type') ?? 'unknown',
    durationPercentage: numberField(a, 'durationPercentage'),
  }));
  if (alarms.length > 0) {
    row.alarms = JSON.stringify(alarms);
    row.alarmCount = alarms.length;
    const loss = alarms.filter((a) => a.type === 'packetLoss').map((a) => a.durationPercentage ?? 0);
    if (loss.length > 0) row.packetLossAlarmPct = Math.max(...loss);
  }
  const rxAudio = child(body, 'rxAudio');
  const rxVideo = child(body, 'rxVideo');
  const txVideo = child(body, 'txVideo');
  put(row, 'rxAudioCodec', stringField(rxAudio, 'codec'));
  put(row, 'txAudioCodec', stringField(child(body, 'txAudio'), 'codec'));
  put(row, 'rxVideoCodec', stringField(rxVideo, 'codec'));
  put(row, 'txVideoCodec', stringField(txVideo, 'codec'));
  put(row, 'rxVideoWidth', numberField(rxVideo, 'maxSizeWidth'));
  put(row, 'rxVideoHeight', numberField(rxVideo, 'maxSizeHeight'));
  put(row, 'txVideoWidth', numberField(txVideo, 'maxSizeWidth'));
  put(row, 'txVideoHeight', numberField(txVideo, 'maxSizeHeight'));
  const ra = packetStats(rxAudio);
  put(row, 'rxAudioLossDuration', ra.lossDuration);
  put(row, 'rxAudioLossDensity', ra.lossDensity);
  put(row, 'rxAudioGapDuration', ra.gapDuration);
  put(row, 'rxAudioGapDensity', ra.gapDensity);
  const rv = packetStats(rxVideo);
  put(row, 'rxVideoLossDuration', rv.lossDuration);
  put(row, 'rxVideoLossDensity', rv.lossDensity);
  put(row, 'rxVideoGapDuration', rv.gapDuration);
  put(row, 'rxVideoGapDensity', rv.gapDensity);
}

/** The `reason` of a leg the collector closed at its session's end (ours; not a CMS reason). */
export const SESSION_ENDED_REASON = 'sessionEnded';

/** Undoes `closeCallLegAtSessionEnd` before a real callLegEnd is merged: the record's fields win. */
function reopenCallLeg(row: CallLegRow): void {
  row.sessionEnded = false;
  row.endMs = null;
  row.reason = null;
  row.remoteTeardown = null;
  row.durationSeconds = null;
}

/**
 * Closes a leg that has no callLegEnd because its session ended (its bridge restarted): it ends at
 * `endedMs` (not before anything the leg's own records show), with reason "sessionEnded",
 * `remoteTeardown` unknown (null) and the seconds from its begin. A leg with a callLegEnd is left as
 * it is. Updates `row` in place; true when it changed.
 */
export function closeCallLegAtSessionEnd(row: CallLegRow, endedMs: number): boolean {
  if (row.hasEnd) return false;
  const endMs = Math.max(endedMs, row.beginMs, row.startMs ?? row.beginMs, row.connectedMs ?? row.beginMs);
  const durationSeconds = (endMs - row.beginMs) / 1000;
  if (row.sessionEnded && row.endMs === endMs && row.durationSeconds === durationSeconds) return false;
  row.sessionEnded = true;
  row.endMs = endMs;
  row.reason = SESSION_ENDED_REASON;
  row.remoteTeardown = null;
  row.durationSeconds = durationSeconds;
  return true;
}

/** True when `record` is older than the newest record already merged into `row`: rebuild with foldCallLeg. */
export function isOutOfOrder(row: CallLegRow, record: ModelRecord): boolean {
  return row.session === record.session && record.order < row.lastOrder;
}

/**
 * Merges one record into a leg row: applied in order, later records overwrite the fields they
 * carry; start/end times, counters and flags accumulate. `current` is UPDATED IN PLACE and returned
 * (the caller hands it over and keeps the result; copying the whole row for every record cost more
 * than merging); without `current`, a new row.
 */
export function applyCallLegRecord(current: CallLegRow | undefined, id: string, record: ModelRecord): CallLegRow {
  const row = current ?? emptyCallLeg(id, record);
  const type = record.type;
  if (type !== 'callLegStart' && type !== 'callLegUpdate' && type !== 'callLegEnd') return row;
  const body = record.body;
  commonFields(body, row);
  if (type === 'callLegStart') {
    startOrUpdateFields(body, row);
    startFields(body, row);
    row.startMs = record.timeMs;
    row.hasStart = true;
  } else if (type === 'callLegUpdate') {
    startOrUpdateFields(body, row);
    updateFields(body, row);
    row.updateCount += 1;
    if (stringField(body, 'state') === 'connected' && (row.connectedMs === null || record.timeMs < row.connectedMs)) {
      row.connectedMs = record.timeMs;
    }
  } else {
    if (row.sessionEnded) reopenCallLeg(row);
    endFields(body, row);
    row.endMs = record.timeMs;
    row.hasEnd = true;
  }
  if (row.callBridge === null) row.callBridge = record.callBridge;
  row.lastOrder = Math.max(row.lastOrder, record.order);
  row.beginMs =
    row.startMs ?? (row.endMs !== null && row.durationSeconds !== null ? row.endMs - row.durationSeconds * 1000 : Math.min(row.beginMs, record.timeMs));
  return row;
}

/** Builds a leg row from all of its records, whatever order they arrived in. */
export function foldCallLeg(id: string, records: readonly ModelRecord[]): CallLegRow | undefined {
  const sorted = [...records].sort((a, b) => a.order - b.order);
  let row: CallLegRow | undefined;
  for (const record of sorted) row = applyCallLegRecord(row, id, record);
  return row;
}
