/**
 * Kysely table types of the collector, in camelCase (CamelCasePlugin maps them to the snake_case
 * columns of storage/migrations). Booleans are 0/1 integers on both dialects.
 */
import type { Generated } from 'kysely';

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
  raw: string;
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
}

type Flag = number | null;

export interface CallTable {
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
  coSpaceMetaDataConfigured: Flag;
  startMs: number | null;
  endMs: number | null;
  beginMs: number;
  callLegsCompleted: number | null;
  callLegsMaxActive: number | null;
  durationSeconds: number | null;
  endpointRecorded: Flag;
  meetingKey: string;
  hasStart: number;
  hasEnd: number;
}

export interface CallLegTable {
  id: string;
  callId: string | null;
  callBridge: string | null;
  session: string;
  displayName: string | null;
  localAddress: string | null;
  remoteAddress: string | null;
  remoteParty: string | null;
  cdrTag: string | null;
  guestConnection: Flag;
  recording: Flag;
  streaming: Flag;
  legType: string | null;
  subType: string | null;
  lyncSubType: string | null;
  direction: string | null;
  ownerId: string | null;
  sipCallId: string | null;
  groupId: string | null;
  replacesSipCallId: string | null;
  canMove: Flag;
  movedCallLeg: string | null;
  movedCallLegCallBridge: string | null;
  confirmationStatus: string | null;
  state: string | null;
  inIvr: Flag;
  deactivated: Flag;
  startMs: number | null;
  connectedMs: number | null;
  endMs: number | null;
  beginMs: number;
  reason: string | null;
  remoteTeardown: Flag;
  reasonDetails: string | null;
  encryptedMedia: Flag;
  unencryptedMedia: Flag;
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
  hasStart: number;
  hasEnd: number;
  lastOrder: number;
}

export interface MediaSessionTable {
  id: string;
  kind: 'recording' | 'streaming';
  callBridge: string | null;
  session: string;
  callId: string | null;
  callLegId: string | null;
  path: string | null;
  uri: string | null;
  startMs: number | null;
  endMs: number | null;
}

export interface CollectorDb {
  cdrRecord: CdrRecordTable;
  cdrSession: CdrSessionTable;
  call: CallTable;
  callLeg: CallLegTable;
  mediaSession: MediaSessionTable;
}
