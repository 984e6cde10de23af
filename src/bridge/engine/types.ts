/** The live objects of a call bridge: calls, call legs (one participant each). In memory only. */
import type { TimerHandle } from '../../shared/clock.ts';
import type { CallType, ConfirmationStatus, CallLegEndReason } from '../cdr/recordBodies.ts';
import type { CallSettings } from '../domain/call.ts';
import type { ParamValue } from '../params.ts';
import type { AlarmType, EndpointBehaviour, MediaReport } from './endpoints.ts';

export type LegState = 'initial' | 'ringing' | 'connected' | 'onHold';

export interface CallLimits {
  /** From the call profile (coSpace's, else tenant's); null = none. */
  readonly participantLimit: number | null;
  readonly tenantParticipantLimit: number | null;
}

export interface LiveCall {
  readonly id: string;
  readonly seq: number;
  readonly name: string;
  readonly callType: CallType;
  readonly coSpace: string | null;
  readonly tenant: string | null;
  readonly callCorrelator: string;
  readonly ownerName: string | null;
  readonly cdrTag: string | null;
  readonly startedAtMs: number;
  readonly limits: CallLimits;
  readonly recorderUri: string | null;
  readonly streamerUri: string | null;
  settings: CallSettings;
  /** Every leg attached to the call (ringing dial-outs included). */
  readonly legs: Set<string>;
  /** Legs that joined the call and are still in it; the call's "active" legs. */
  joined: number;
  maxJoined: number;
  /** Legs that joined the call and have since left. */
  completed: number;
  recordingId: string | null;
  streamingId: string | null;
  ended: boolean;
}

export interface LiveLeg {
  readonly id: string;
  readonly participantId: string;
  readonly seq: number;
  readonly direction: 'incoming' | 'outgoing';
  readonly type: 'sip' | 'acano';
  readonly remoteParty: string;
  readonly originalRemoteParty: string;
  readonly localAddress: string | null;
  readonly displayName: string | null;
  readonly sipCallId: string;
  readonly groupId: string;
  readonly createdAtMs: number;
  readonly bandwidth: number | null;
  readonly userJid: string | null;
  callId: string | null;
  tenant: string | null;
  state: LegState;
  joined: boolean;
  ended: boolean;
  connectedAtMs: number | null;
  ownerId: string | null;
  chosenLayout: string | null;
  /** Effective profile values (profiles layered) before overrides. */
  profile: Map<string, ParamValue>;
  /** Per-leg overrides (POST parameters, later PUTs). */
  overrides: Map<string, ParamValue>;
  confirmation: Exclude<ConfirmationStatus, 'rejected'> | undefined;
  deactivated: boolean;
  activatedMs: number;
  activatedSinceMs: number | null;
  importance: number | null;
  nameLabelOverride: string | null;
  dtmfSequence: string | null;
  media: MediaReport;
  alarmMs: Map<AlarmType, number>;
  alarmSinceMs: Map<AlarmType, number>;
  readonly behaviour: EndpointBehaviour;
  timers: TimerHandle[];
}

export interface LegEnd {
  readonly reason: CallLegEndReason;
  readonly remoteTeardown: boolean;
  readonly reasonDetails?: string;
  readonly confirmationStatus?: ConfirmationStatus;
}
