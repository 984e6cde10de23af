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
  hasEnd: boolean;
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
    lastOrder: -1,
  };
}

type Patch = Partial<CallLegRow>;

function put<K extends keyof CallLegRow>(patch: Patch, key: K, value: CallLegRow[K] | null): void {
  if (value !== null) patch[key] = value;
}

/** Fields common to start, update and end. */
function commonFields(body: XmlElement | undefined, patch: Patch): void {
  put(patch, 'cdrTag', stringField(body, 'cdrTag'));
  put(patch, 'ownerId', stringField(body, 'ownerId'));
  put(patch, 'sipCallId', stringField(body, 'sipCallId'));
  put(patch, 'confirmationStatus', stringField(body, 'confirmationStatus'));
}

function startOrUpdateFields(body: XmlElement | undefined, patch: Patch): void {
  put(patch, 'displayName', stringField(body, 'displayName'));
  put(patch, 'remoteAddress', stringField(body, 'remoteAddress'));
  put(patch, 'groupId', stringField(body, 'groupId'));
  put(patch, 'canMove', booleanField(body, 'canMove'));
  const call = stringField(body, 'call');
  if (call !== null) {
    patch.callId = call;
    patch.inIvr = false;
  }
}

function startFields(body: XmlElement | undefined, patch: Patch): void {
  put(patch, 'localAddress', stringField(body, 'localAddress'));
  put(patch, 'remoteParty', stringField(body, 'remoteParty'));
  put(patch, 'guestConnection', booleanField(body, 'guestConnection'));
  put(patch, 'recording', booleanField(body, 'recording'));
  put(patch, 'streaming', booleanField(body, 'streaming'));
  put(patch, 'legType', stringField(body, 'type'));
  put(patch, 'subType', stringField(body, 'subType'));
  put(patch, 'lyncSubType', stringField(body, 'lyncSubType'));
  put(patch, 'direction', stringField(body, 'direction'));
  put(patch, 'replacesSipCallId', stringField(body, 'replacesSipCallId'));
  put(patch, 'movedCallLeg', stringField(body, 'movedCallLeg'));
  put(patch, 'movedCallLegCallBridge', stringField(body, 'movedCallLegCallBridge'));
}

function updateFields(body: XmlElement | undefined, patch: Patch): void {
  put(patch, 'state', stringField(body, 'state'));
  put(patch, 'deactivated', booleanField(body, 'deactivated'));
  if (child(body, 'ivr')) patch.inIvr = true;
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

function endFields(body: XmlElement | undefined, patch: Patch): void {
  put(patch, 'reason', stringField(body, 'reason'));
  put(patch, 'remoteTeardown', booleanField(body, 'remoteTeardown'));
  put(patch, 'reasonDetails', stringField(body, 'reasonDetails'));
  put(patch, 'encryptedMedia', booleanField(body, 'encryptedMedia'));
  put(patch, 'unencryptedMedia', booleanField(body, 'unencryptedMedia'));
  put(patch, 'durationSeconds', numberField(body, 'durationSeconds'));
  put(patch, 'activatedDuration', numberField(body, 'activatedDuration'));
  const usage = child(body, 'mediaUsagePercentages');
  put(patch, 'mainVideoViewerPct', numberField(usage, 'mainVideoViewer'));
  put(patch, 'mainVideoContributorPct', numberField(usage, 'mainVideoContributor'));
  put(patch, 'presentationViewerPct', numberField(usage, 'presentationViewer'));
  put(patch, 'presentationContributorPct', numberField(usage, 'presentationContributor'));
  put(patch, 'multistreamVideoPct', numberField(usage, 'multistreamVideo'));
  put(patch, 'maxScreens', numberField(child(body, 'multistreamVideo'), 'maxScreens'));
  // An <alarm> carries type and durationPercentage as attributes or as child elements: accept both.
  const alarms: CallLegAlarm[] = childrenNamed(body, 'alarm').map((a) => ({
    type: stringField(a, 'type') ?? 'unknown',
    durationPercentage: numberField(a, 'durationPercentage'),
  }));
  if (alarms.length > 0) {
    patch.alarms = JSON.stringify(alarms);
    patch.alarmCount = alarms.length;
    const loss = alarms.filter((a) => a.type === 'packetLoss').map((a) => a.durationPercentage ?? 0);
    if (loss.length > 0) patch.packetLossAlarmPct = Math.max(...loss);
  }
  const rxAudio = child(body, 'rxAudio');
  const rxVideo = child(body, 'rxVideo');
  const txVideo = child(body, 'txVideo');
  put(patch, 'rxAudioCodec', stringField(rxAudio, 'codec'));
  put(patch, 'txAudioCodec', stringField(child(body, 'txAudio'), 'codec'));
  put(patch, 'rxVideoCodec', stringField(rxVideo, 'codec'));
  put(patch, 'txVideoCodec', stringField(txVideo, 'codec'));
  put(patch, 'rxVideoWidth', numberField(rxVideo, 'maxSizeWidth'));
  put(patch, 'rxVideoHeight', numberField(rxVideo, 'maxSizeHeight'));
  put(patch, 'txVideoWidth', numberField(txVideo, 'maxSizeWidth'));
  put(patch, 'txVideoHeight', numberField(txVideo, 'maxSizeHeight'));
  const ra = packetStats(rxAudio);
  put(patch, 'rxAudioLossDuration', ra.lossDuration);
  put(patch, 'rxAudioLossDensity', ra.lossDensity);
  put(patch, 'rxAudioGapDuration', ra.gapDuration);
  put(patch, 'rxAudioGapDensity', ra.gapDensity);
  const rv = packetStats(rxVideo);
  put(patch, 'rxVideoLossDuration', rv.lossDuration);
  put(patch, 'rxVideoLossDensity', rv.lossDensity);
  put(patch, 'rxVideoGapDuration', rv.gapDuration);
  put(patch, 'rxVideoGapDensity', rv.gapDensity);
}

/** True when `record` is older than the newest record already merged into `row`: rebuild with foldCallLeg. */
export function isOutOfOrder(row: CallLegRow, record: ModelRecord): boolean {
  return row.session === record.session && record.order < row.lastOrder;
}

/**
 * Merges one record into a leg row (returns a new row). Applied in order, later records overwrite
 * the fields they carry; start/end times, counters and flags accumulate.
 */
export function applyCallLegRecord(current: CallLegRow | undefined, id: string, record: ModelRecord): CallLegRow {
  const row: CallLegRow = { ...(current ?? emptyCallLeg(id, record)) };
  const patch: Patch = {};
  const body = record.body;
  commonFields(body, patch);
  switch (record.type) {
    case 'callLegStart':
      startOrUpdateFields(body, patch);
      startFields(body, patch);
      row.startMs = record.timeMs;
      row.hasStart = true;
      break;
    case 'callLegUpdate':
      startOrUpdateFields(body, patch);
      updateFields(body, patch);
      row.updateCount += 1;
      if (stringField(body, 'state') === 'connected' && (row.connectedMs === null || record.timeMs < row.connectedMs)) {
        row.connectedMs = record.timeMs;
      }
      break;
    case 'callLegEnd':
      endFields(body, patch);
      row.endMs = record.timeMs;
      row.hasEnd = true;
      break;
    default:
      return row;
  }
  Object.assign(row, patch);
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
