/**
 * Call Detail Records as the CMS CDR guide defines them (../shared/spec/cdr.md §3–5): one typed body
 * per record type, fields named exactly as on the wire. The call engine produces these (they are its
 * observable events); the CDR pipeline stamps them with time and indexes, keeps them in a durable
 * outbox and delivers them. Optional fields that are `undefined` are omitted from the XML.
 */

export type CallType = 'coSpace' | 'adHoc' | 'lyncConferencing' | 'forwarding';

export type CallLegEndReason =
  | 'apiInitiatedTeardown'
  | 'callDeactivated'
  | 'callEnded'
  | 'callMoved'
  | 'clientInitiatedTeardown'
  | 'confirmationTimeOut'
  | 'dnsFailure'
  | 'encryptionRequired'
  | 'error'
  | 'incorrectPasscode'
  | 'ivrTimeout'
  | 'ivrUnknownCall'
  | 'localTeardown'
  | 'participantLimitReached'
  | 'remoteBusy'
  | 'remoteRejected'
  | 'remoteTeardown'
  | 'ringingTimeout'
  | 'tenantParticipantLimitReached'
  | 'timeout'
  | 'unknownDestination';

export type ConfirmationStatus = 'required' | 'notRequired' | 'confirmed' | 'rejected';

/** `<call id>` of a callStart record. */
export interface CallStartBody {
  readonly id: string;
  readonly name: string;
  readonly ownerName?: string | undefined;
  readonly callType: CallType;
  readonly coSpace?: string | undefined;
  readonly callCorrelator: string;
  readonly tenant?: string | undefined;
  readonly cdrTag?: string | undefined;
  readonly coSpaceMetaDataConfigured?: boolean | undefined;
}

/** `<call id>` of a callEnd record. */
export interface CallEndBody {
  readonly id: string;
  readonly callLegsCompleted: number;
  readonly callLegsMaxActive: number;
  readonly durationSeconds: number;
  readonly endpointRecorded?: boolean | undefined;
}

/** `<callLeg id>` of a callLegStart record. */
export interface CallLegStartBody {
  readonly id: string;
  readonly displayName?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remoteParty?: string | undefined;
  readonly cdrTag?: string | undefined;
  readonly guestConnection?: boolean | undefined;
  readonly recording?: boolean | undefined;
  readonly streaming?: boolean | undefined;
  readonly type: 'sip' | 'acano';
  readonly subType?: 'lync' | 'avaya' | 'lyncDistribution' | 'webApp' | undefined;
  readonly lyncSubType?: 'audioVideo' | 'applicationSharing' | 'instantMessaging' | undefined;
  readonly direction: 'incoming' | 'outgoing';
  readonly call?: string | undefined;
  readonly ownerId?: string | undefined;
  readonly sipCallId?: string | undefined;
  readonly groupId?: string | undefined;
  readonly replacesSipCallId?: string | undefined;
  readonly canMove?: boolean | undefined;
  readonly movedCallLeg?: string | undefined;
  readonly movedCallLegCallBridge?: string | undefined;
  readonly confirmationStatus?: Exclude<ConfirmationStatus, 'rejected'> | undefined;
}

/** `<callLeg id>` of a callLegUpdate record. `inIvr` writes an empty `<ivr/>` instead of `<call>`. */
export interface CallLegUpdateBody {
  readonly id: string;
  readonly cdrTag?: string | undefined;
  /** Only value is `connected`; absent = not yet connected. */
  readonly state?: 'connected' | undefined;
  readonly deactivated?: boolean | undefined;
  readonly remoteAddress?: string | undefined;
  readonly call?: string | undefined;
  readonly inIvr?: boolean | undefined;
  readonly ownerId?: string | undefined;
  readonly sipCallId?: string | undefined;
  readonly groupId?: string | undefined;
  readonly displayName?: string | undefined;
  readonly canMove?: boolean | undefined;
  readonly confirmationStatus?: Exclude<ConfirmationStatus, 'rejected'> | undefined;
}

export interface PacketStatistics {
  readonly packetLossBursts?: { readonly duration: number; readonly density: number } | undefined;
  readonly packetGap?: { readonly duration: number; readonly density: number } | undefined;
}

export interface AudioStream {
  readonly codec: string;
  readonly packetStatistics?: PacketStatistics | undefined;
}

export interface VideoStream {
  readonly codec: string;
  readonly maxSizeWidth?: number | undefined;
  readonly maxSizeHeight?: number | undefined;
  readonly packetStatistics?: PacketStatistics | undefined;
}

export interface MediaUsagePercentages {
  readonly mainVideoViewer?: number | undefined;
  readonly mainVideoContributor?: number | undefined;
  readonly presentationViewer?: number | undefined;
  readonly presentationContributor?: number | undefined;
  readonly multistreamVideo?: number | undefined;
}

export interface CallLegAlarm {
  readonly type: 'packetLoss' | 'excessiveJitter' | 'highRoundTripTime';
  readonly durationPercentage: number;
}

/** `<callLeg id>` of a callLegEnd record. */
export interface CallLegEndBody {
  readonly id: string;
  readonly cdrTag?: string | undefined;
  readonly reason: CallLegEndReason;
  readonly remoteTeardown: boolean;
  readonly reasonDetails?: string | undefined;
  readonly encryptedMedia?: boolean | undefined;
  readonly unencryptedMedia?: boolean | undefined;
  readonly durationSeconds: number;
  readonly activatedDuration?: number | undefined;
  readonly mediaUsagePercentages?: MediaUsagePercentages | undefined;
  readonly multistreamVideo?: { readonly maxScreens: number } | undefined;
  readonly alarms?: readonly CallLegAlarm[] | undefined;
  readonly rxAudio?: AudioStream | undefined;
  readonly txAudio?: AudioStream | undefined;
  readonly rxVideo?: VideoStream | undefined;
  readonly txVideo?: VideoStream | undefined;
  readonly ownerId?: string | undefined;
  readonly sipCallId?: string | undefined;
  readonly confirmationStatus?: ConfirmationStatus | undefined;
}

export interface RecordingStartBody {
  readonly id: string;
  readonly path?: string | undefined;
  readonly recorderUri?: string | undefined;
  readonly call: string;
  readonly callLeg?: string | undefined;
}

export interface StreamingStartBody {
  readonly id: string;
  readonly streamerUri?: string | undefined;
  readonly call: string;
  readonly callLeg?: string | undefined;
}

/** One record as the engine produces it, before time and indexes are stamped. */
export type CdrRecordBody =
  | { readonly type: 'callStart'; readonly call: CallStartBody }
  | { readonly type: 'callEnd'; readonly call: CallEndBody }
  | { readonly type: 'callLegStart'; readonly callLeg: CallLegStartBody }
  | { readonly type: 'callLegUpdate'; readonly callLeg: CallLegUpdateBody }
  | { readonly type: 'callLegEnd'; readonly callLeg: CallLegEndBody }
  | { readonly type: 'recordingStart'; readonly recording: RecordingStartBody }
  | { readonly type: 'recordingEnd'; readonly recording: { readonly id: string } }
  | { readonly type: 'streamingStart'; readonly streaming: StreamingStartBody }
  | { readonly type: 'streamingEnd'; readonly streaming: { readonly id: string } };

export type CdrRecordType = CdrRecordBody['type'];

/**
 * Where the engine puts records. `emit` takes the records that belong in one post together (the guide
 * sends e.g. callStart + callLegUpdate in one post); `atMs` is the event time from the injected clock.
 * It assigns correlatorIndex synchronously, in call order, before returning.
 */
export interface CdrSink {
  emit(atMs: number, records: readonly CdrRecordBody[]): void;
}

/** A sink that keeps records in memory (tests of the engine alone; bridges with no receivers yet). */
export class MemoryCdrSink implements CdrSink {
  readonly records: Array<{ atMs: number; correlatorIndex: number; body: CdrRecordBody }> = [];
  #next = 0;

  emit(atMs: number, records: readonly CdrRecordBody[]): void {
    for (const body of records) this.records.push({ atMs, correlatorIndex: this.#next++, body });
  }

  get nextCorrelatorIndex(): number {
    return this.#next;
  }
}

/** Emits into `primary` (which assigns the indexes) and then hands the same records to `observer`. */
export function teeCdrSink(
  primary: CdrSink & { readonly nextCorrelatorIndex: number },
  observer: CdrSink,
): CdrSink & { readonly nextCorrelatorIndex: number } {
  return {
    emit(atMs, records) {
      primary.emit(atMs, records);
      observer.emit(atMs, records);
    },
    get nextCorrelatorIndex() {
      return primary.nextCorrelatorIndex;
    },
  };
}
