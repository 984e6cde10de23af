/** Pure builders: live objects → CDR record bodies (cdr.md §4), at a given instant. */
import type { AudioStream, CdrRecordBody, CallLegEndBody, VideoStream } from '../cdr/recordBodies.ts';
import type { LegEnd, LiveCall, LiveLeg } from './types.ts';
import { ALARM_TYPES } from './endpoints.ts';

export function seconds(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

function percent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.round((Math.min(part, whole) / whole) * 1000) / 10;
}

export function callStartRecord(call: LiveCall): CdrRecordBody {
  return {
    type: 'callStart',
    call: {
      id: call.id,
      name: call.name,
      ownerName: call.ownerName ?? undefined,
      callType: call.callType,
      coSpace: call.coSpace ?? undefined,
      callCorrelator: call.callCorrelator,
      tenant: call.tenant ?? undefined,
      cdrTag: call.cdrTag ?? undefined,
    },
  };
}

export function callEndRecord(call: LiveCall, nowMs: number): CdrRecordBody {
  return {
    type: 'callEnd',
    call: {
      id: call.id,
      callLegsCompleted: call.completed,
      callLegsMaxActive: call.maxJoined,
      durationSeconds: seconds(nowMs - call.startedAtMs),
    },
  };
}

export function callLegStartRecord(leg: LiveLeg): CdrRecordBody {
  return {
    type: 'callLegStart',
    callLeg: {
      id: leg.id,
      displayName: leg.displayName ?? undefined,
      localAddress: leg.localAddress ?? undefined,
      remoteAddress: leg.type === 'sip' ? leg.remoteParty : undefined,
      remoteParty: leg.remoteParty,
      type: leg.type,
      direction: leg.direction,
      call: leg.callId ?? undefined,
      ownerId: leg.ownerId ?? undefined,
      sipCallId: leg.type === 'sip' ? leg.sipCallId : undefined,
      groupId: leg.groupId,
      canMove: leg.direction === 'outgoing' ? true : undefined,
      confirmationStatus: leg.confirmation,
    },
  };
}

/** The leg reached its call (or a change of the fields the guide lists). */
export function callLegUpdateRecord(leg: LiveLeg, extra: { deactivated?: boolean; ownerChanged?: boolean } = {}): CdrRecordBody {
  return {
    type: 'callLegUpdate',
    callLeg: {
      id: leg.id,
      state: leg.joined ? 'connected' : undefined,
      deactivated: extra.deactivated,
      call: leg.callId ?? undefined,
      ownerId: leg.ownerId ?? undefined,
      sipCallId: leg.type === 'sip' ? leg.sipCallId : undefined,
      groupId: leg.groupId,
      displayName: leg.nameLabelOverride ?? undefined,
      confirmationStatus: leg.direction === 'outgoing' ? leg.confirmation : undefined,
    },
  };
}

function audio(stream: AudioStream | null | undefined): AudioStream | undefined {
  return stream ?? undefined;
}

function video(stream: VideoStream | null | undefined): VideoStream | undefined {
  return stream ?? undefined;
}

export function callLegEndRecord(leg: LiveLeg, end: LegEnd, nowMs: number): CdrRecordBody {
  const lifeMs = nowMs - leg.createdAtMs;
  const connectedMs = leg.connectedAtMs === null ? 0 : nowMs - leg.connectedAtMs;
  const hadMedia = leg.connectedAtMs !== null;
  const media = hadMedia ? leg.media : {};
  const alarms = hadMedia
    ? ALARM_TYPES.filter((t) => leg.alarmMs.has(t) || leg.alarmSinceMs.has(t)).map((type) => ({
        type,
        durationPercentage: percent(alarmMsAt(leg, type, nowMs), lifeMs),
      }))
    : [];
  const activatedMs = leg.activatedMs + (leg.activatedSinceMs === null ? 0 : nowMs - leg.activatedSinceMs);
  const body: CallLegEndBody = {
    id: leg.id,
    reason: end.reason,
    remoteTeardown: end.remoteTeardown,
    reasonDetails: end.reasonDetails,
    durationSeconds: seconds(lifeMs),
    activatedDuration: leg.joined || leg.activatedMs > 0 ? seconds(activatedMs) : undefined,
    mediaUsagePercentages: hadMedia
      ? {
          mainVideoViewer: media.txVideo ? percent(connectedMs, lifeMs) : undefined,
          mainVideoContributor: media.rxVideo ? percent(connectedMs, lifeMs) : undefined,
        }
      : undefined,
    encryptedMedia: hadMedia && media.encryptedMedia === true ? true : undefined,
    unencryptedMedia: hadMedia && media.encryptedMedia !== true ? true : undefined,
    alarms: alarms.length > 0 ? alarms : undefined,
    rxAudio: audio(media.rxAudio),
    txAudio: audio(media.txAudio ? { codec: media.txAudio.codec } : undefined),
    rxVideo: video(media.rxVideo),
    txVideo: video(media.txVideo ? { ...media.txVideo, packetStatistics: undefined } : undefined),
    ownerId: leg.ownerId ?? undefined,
    sipCallId: leg.type === 'sip' ? leg.sipCallId : undefined,
    confirmationStatus: end.confirmationStatus ?? (leg.direction === 'outgoing' ? leg.confirmation : undefined),
  };
  return { type: 'callLegEnd', callLeg: body };
}

export function alarmMsAt(leg: LiveLeg, type: (typeof ALARM_TYPES)[number], nowMs: number): number {
  const since = leg.alarmSinceMs.get(type);
  return (leg.alarmMs.get(type) ?? 0) + (since === undefined ? 0 : nowMs - since);
}
