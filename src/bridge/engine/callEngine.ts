/**
 * The call engine: the live calls and call legs of this call bridge, their transitions, and the CDRs
 * those transitions produce. Calls are live state, kept in memory (a restarted bridge has none).
 * Everything time-driven goes through the injected Clock; storage is not touched here (the calls
 * service, ../calls/callService.ts, resolves coSpaces, profiles and rules first and passes what it found).
 *
 * Leg life (cdr.md §3–5, cms-api.md §2.11):
 *   dial-out: initial --setup--> ringing --answer--> [DTMF confirmation] --> connected (joined)
 *             or ends: unknownDestination (no dial plan rule), dnsFailure, remoteBusy, remoteRejected,
 *             ringingTimeout, confirmationTimeOut, participantLimitReached, tenantParticipantLimitReached
 *   dial-in:  initial --> connected (joined) or ends: unknownDestination / ivrUnknownCall,
 *             incorrectPasscode, participant limits
 *   connected legs end by remoteTeardown, error (media failure), apiInitiatedTeardown, callEnded,
 *   callDeactivated.
 * A call's "active" legs are those joined to it; a ringing dial-out is attached (listed under the
 * call) but not yet active.
 */
import { newGuid } from '../../shared/ids.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { CdrRecordBody, CdrSink, CallType } from '../cdr/recordBodies.ts';
import type { CoSpace } from '../domain/coSpace.ts';
import type { CallSettings } from '../domain/call.ts';
import type { ParamValue } from '../params.ts';
import type { OutboundRule } from './dialPlan.ts';
import {
  DEFAULT_ANSWER_MS,
  DEFAULT_CONFIRM_MS,
  DEFAULT_MEDIA,
  DEFAULT_MEDIA_FAILURE_MS,
  EndpointDirectory,
  type AlarmType,
  type EndpointBehaviour,
  type MediaReport,
} from './endpoints.ts';
import { callEndRecord, callLegEndRecord, callLegStartRecord, callLegUpdateRecord, callStartRecord } from './recordBuilders.ts';
import type { CallLimits, LegEnd, LiveCall, LiveLeg } from './types.ts';

export interface EngineTiming {
  /** From a dial-out to the far end's first answer (ringing, busy, DNS result). */
  readonly setupMs: number;
  /** How long a dial-out may ring unanswered (ringingTimeout). */
  readonly ringingTimeoutMs: number;
  /** How long a "press 1 to join" prompt waits (confirmationTimeOut; the guide says 1 minute). */
  readonly confirmationTimeoutMs: number;
  /** Passcode attempts before incorrectPasscode. */
  readonly passcodeAttempts: number;
}

export const DEFAULT_TIMING: EngineTiming = {
  setupMs: 100,
  ringingTimeoutMs: 30_000,
  confirmationTimeoutMs: 60_000,
  passcodeAttempts: 3,
};

export interface EngineOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cdr: CdrSink;
  /** This call bridge's id (dial plan rules scoped to a call bridge). */
  readonly nodeId: string;
  readonly endpoints?: EndpointDirectory;
  readonly timing?: Partial<EngineTiming>;
}

export interface NewCall {
  readonly coSpace: CoSpace | null;
  readonly name: string;
  readonly settings: CallSettings;
  readonly limits: CallLimits;
  readonly recorderUri: string | null;
  readonly streamerUri: string | null;
  /** Ad hoc calls only; a coSpace call always takes the coSpace's correlator. */
  readonly callCorrelator?: string | undefined;
  readonly callType?: CallType;
}

export interface LegRequest {
  readonly remoteParty: string;
  readonly profile: Map<string, ParamValue>;
  readonly overrides: Map<string, ParamValue>;
  readonly ownerId: string | null;
  readonly chosenLayout: string | null;
  readonly nameLabelOverride: string | null;
  readonly importance: number | null;
  readonly dtmfSequence: string | null;
  readonly deactivated: boolean;
}

export interface DialOutRequest extends LegRequest {
  /** Matching outbound dial plan rules, best first; empty = the URI cannot be dialled. */
  readonly routes: readonly OutboundRule[];
  readonly confirmation: boolean | null;
  readonly bandwidth: number | null;
}

export type DialInDestination =
  | { readonly kind: 'unknown'; readonly reason: 'unknownDestination' | 'ivrUnknownCall' }
  | {
      readonly kind: 'coSpace';
      readonly coSpace: CoSpace;
      /** The passcode of the coSpace or access method dialled; null = none needed. */
      readonly passcode: string | null;
      readonly isMember: boolean;
      /** How to instantiate the coSpace's call if it has none on this bridge. */
      readonly newCall: NewCall;
      readonly profile: Map<string, ParamValue>;
    };

export interface DialInRequest {
  readonly remoteParty: string;
  readonly localAddress: string;
  readonly displayName: string | null;
  readonly type: 'sip' | 'acano';
  readonly userJid: string | null;
  readonly passcodes: readonly string[];
  readonly destination: DialInDestination;
  /** The caller hangs up this long after joining (remoteTeardown); omitted = stays. */
  readonly hangUpAfterMs?: number | undefined;
  readonly media?: MediaReport | undefined;
}

export interface LegChanges {
  readonly ownerId?: string | null;
  readonly chosenLayout?: string | null;
  readonly setOverrides?: ReadonlyMap<string, ParamValue>;
  readonly unsetOverrides?: readonly string[];
  /** Replaces the layered profile values (a new `callLegProfile`). */
  readonly profile?: Map<string, ParamValue>;
  readonly deactivated?: boolean;
  readonly nameLabelOverride?: string | null;
  readonly importance?: number | null;
  readonly dtmfSequence?: string | null;
}

export interface EngineCounters {
  readonly callLegsActive: number;
  readonly callLegsMaxActive: number;
  readonly callLegsCompleted: number;
}

export class CallEngine {
  readonly endpoints: EndpointDirectory;
  readonly timing: EngineTiming;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cdr: CdrSink;
  readonly #nodeId: string;
  readonly #calls = new Map<string, LiveCall>();
  readonly #callByCoSpace = new Map<string, string>();
  readonly #legs = new Map<string, LiveLeg>();
  readonly #legByParticipant = new Map<string, string>();
  #seq = 0;
  #maxActive = 0;
  #completed = 0;

  constructor(options: EngineOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'callEngine' });
    this.#cdr = options.cdr;
    this.#nodeId = options.nodeId;
    this.endpoints = options.endpoints ?? new EndpointDirectory();
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  counters(): EngineCounters {
    return { callLegsActive: this.#legs.size, callLegsMaxActive: this.#maxActive, callLegsCompleted: this.#completed };
  }

  // ---- queries ---------------------------------------------------------------------------------

  /** Calls in creation order. */
  calls(): LiveCall[] {
    return [...this.#calls.values()];
  }

  call(id: string): LiveCall | undefined {
    return this.#calls.get(id);
  }

  callOfCoSpace(coSpaceId: string): LiveCall | undefined {
    const id = this.#callByCoSpace.get(coSpaceId);
    return id === undefined ? undefined : this.#calls.get(id);
  }

  /** Legs in creation order. */
  legs(): LiveLeg[] {
    return [...this.#legs.values()];
  }

  leg(id: string): LiveLeg | undefined {
    return this.#legs.get(id);
  }

  legOfParticipant(participantId: string): LiveLeg | undefined {
    const id = this.#legByParticipant.get(participantId);
    return id === undefined ? undefined : this.#legs.get(id);
  }

  /** Joined legs of every call of `tenant` on this bridge. */
  tenantParticipants(tenant: string): number {
    let n = 0;
    for (const call of this.#calls.values()) if (call.tenant === tenant) n += call.joined;
    return n;
  }

  // ---- calls -----------------------------------------------------------------------------------

  /** Instantiates a call; a coSpace that already has one on this bridge keeps it (`existed`). */
  createCall(input: NewCall): { call: LiveCall; existed: boolean } {
    const batch: CdrRecordBody[] = [];
    const result = this.#instantiate(input, batch);
    this.#emit(batch);
    return result;
  }

  modifyCall(id: string, settings: CallSettings): LiveCall | undefined {
    const call = this.#calls.get(id);
    if (!call) return undefined;
    const batch: CdrRecordBody[] = [];
    call.settings = settings;
    this.#syncRecording(call, batch);
    this.#emit(batch);
    return call;
  }

  /** Ends a call and every leg in it (`callEnded`), as DELETE /calls/<id> does. */
  endCall(id: string): boolean {
    const call = this.#calls.get(id);
    if (!call) return false;
    const batch: CdrRecordBody[] = [];
    this.#finishCall(call, { reason: 'callEnded', remoteTeardown: false }, batch);
    this.#emit(batch);
    return true;
  }

  /** The call was deactivated: its legs leave (`callDeactivated`) and it ends. */
  deactivateCall(id: string): boolean {
    const call = this.#calls.get(id);
    if (!call) return false;
    const batch: CdrRecordBody[] = [];
    this.#finishCall(call, { reason: 'callDeactivated', remoteTeardown: false }, batch);
    this.#emit(batch);
    return true;
  }

  endCallOfCoSpace(coSpaceId: string): void {
    const call = this.callOfCoSpace(coSpaceId);
    if (call) this.endCall(call.id);
  }

  // ---- legs ------------------------------------------------------------------------------------

  dialOut(callId: string, request: DialOutRequest): LiveLeg | undefined {
    const call = this.#calls.get(callId);
    if (!call) return undefined;
    const behaviour = this.endpoints.behaviourFor(request.remoteParty);
    const leg = this.#newLeg({
      direction: 'outgoing',
      type: 'sip',
      remoteParty: request.remoteParty,
      localAddress: null,
      displayName: behaviour.displayName ?? null,
      userJid: null,
      bandwidth: request.bandwidth,
      behaviour,
      request,
    });
    leg.callId = call.id;
    leg.tenant = call.tenant;
    leg.confirmation = request.confirmation === true ? 'required' : 'notRequired';
    call.legs.add(leg.id);
    this.#emit([callLegStartRecord(leg)]);
    this.#route(leg, request.routes, 0);
    return leg;
  }

  dialIn(request: DialInRequest): { leg: LiveLeg; end?: LegEnd } {
    const behaviour: EndpointBehaviour = {
      pattern: request.remoteParty,
      outcome: 'answer',
      ...(request.hangUpAfterMs === undefined ? {} : { hangUpAfterMs: request.hangUpAfterMs }),
      ...(request.media === undefined ? {} : { media: request.media }),
    };
    const destination = request.destination;
    const leg = this.#newLeg({
      direction: 'incoming',
      type: request.type,
      remoteParty: request.remoteParty,
      localAddress: request.localAddress,
      displayName: request.displayName,
      userJid: request.userJid,
      bandwidth: null,
      behaviour,
      request: {
        remoteParty: request.remoteParty,
        profile: destination.kind === 'coSpace' ? destination.profile : new Map<string, ParamValue>(),
        overrides: new Map(),
        ownerId: null,
        chosenLayout: null,
        nameLabelOverride: null,
        importance: null,
        dtmfSequence: null,
        deactivated: false,
      },
    });
    this.#emit([callLegStartRecord(leg)]);

    const refuse = (end: LegEnd): { leg: LiveLeg; end: LegEnd } => {
      this.hangUp(leg.id, end);
      return { leg, end };
    };
    if (destination.kind === 'unknown') return refuse({ reason: destination.reason, remoteTeardown: false });
    if (destination.passcode !== null) {
      const attempts = request.passcodes.slice(0, this.timing.passcodeAttempts);
      if (!attempts.includes(destination.passcode)) return refuse({ reason: 'incorrectPasscode', remoteTeardown: false });
    }
    if (!destination.coSpace.nonMemberAccess && !destination.isMember) return refuse({ reason: 'unknownDestination', remoteTeardown: false });

    // Refuse before instantiating, so a full space or tenant does not get an empty call.
    const existing = this.callOfCoSpace(destination.coSpace.id);
    const early = this.#limitRefusal(existing?.limits ?? destination.newCall.limits, destination.coSpace.tenant, existing?.joined ?? 0);
    if (early) return refuse(early);
    const batch: CdrRecordBody[] = [];
    const { call } = this.#instantiate(destination.newCall, batch);
    leg.callId = call.id;
    leg.tenant = call.tenant;
    call.legs.add(leg.id);
    const refused = this.#join(leg, call, batch);
    this.#emit(batch);
    return refused ? { leg, end: refused } : { leg };
  }

  /** Ends a leg for `end.reason`; the call ends with it when it was the last and not activeWhenEmpty. */
  hangUp(legId: string, end: LegEnd): boolean {
    const leg = this.#legs.get(legId);
    if (!leg) return false;
    const batch: CdrRecordBody[] = [];
    this.#endLeg(leg, end, batch);
    this.#emit(batch);
    return true;
  }

  modifyLeg(legId: string, changes: LegChanges): LiveLeg | undefined {
    const leg = this.#legs.get(legId);
    if (!leg) return undefined;
    const now = this.#clock.now();
    let ownerChanged = false;
    let deactivatedChanged = false;
    let nameChanged = false;
    if (changes.ownerId !== undefined && changes.ownerId !== leg.ownerId) {
      leg.ownerId = changes.ownerId;
      ownerChanged = true;
    }
    if (changes.chosenLayout !== undefined) leg.chosenLayout = changes.chosenLayout;
    if (changes.profile) leg.profile = changes.profile;
    for (const [k, v] of changes.setOverrides ?? []) leg.overrides.set(k, v);
    for (const k of changes.unsetOverrides ?? []) leg.overrides.delete(k);
    if (changes.importance !== undefined) leg.importance = changes.importance;
    if (changes.dtmfSequence !== undefined) leg.dtmfSequence = changes.dtmfSequence;
    if (changes.nameLabelOverride !== undefined && changes.nameLabelOverride !== leg.nameLabelOverride) {
      leg.nameLabelOverride = changes.nameLabelOverride;
      nameChanged = true;
    }
    if (changes.deactivated !== undefined && changes.deactivated !== leg.deactivated) {
      leg.deactivated = changes.deactivated;
      deactivatedChanged = true;
      if (leg.joined) this.#accountActivation(leg, now);
    }
    if ((ownerChanged || deactivatedChanged || nameChanged) && !leg.ended) {
      this.#emit([callLegUpdateRecord(leg, deactivatedChanged ? { deactivated: leg.deactivated } : {})]);
    }
    return leg;
  }

  /** The far end reports media (codecs, sizes, packet statistics) and alarm conditions. */
  setMedia(legId: string, report: MediaReport): LiveLeg | undefined {
    const leg = this.#legs.get(legId);
    if (!leg) return undefined;
    const { alarms, ...streams } = report;
    leg.media = { ...leg.media, ...streams };
    if (alarms) this.#setAlarms(leg, alarms, this.#clock.now());
    return leg;
  }

  /** Cancels every timer (bridge shutting down). Live calls vanish with the process, as on a CMS restart. */
  close(): void {
    for (const leg of this.#legs.values()) for (const t of leg.timers) t.cancel();
  }

  // ---- internals -------------------------------------------------------------------------------

  #emit(batch: readonly CdrRecordBody[]): void {
    if (batch.length === 0) return;
    try {
      this.#cdr.emit(this.#clock.now(), batch);
    } catch (error) {
      this.#logger.error({ err: error }, 'CDR sink refused records');
    }
  }

  #instantiate(input: NewCall, batch: CdrRecordBody[]): { call: LiveCall; existed: boolean } {
    if (input.coSpace) {
      const existing = this.callOfCoSpace(input.coSpace.id);
      if (existing) return { call: existing, existed: true };
    }
    const call: LiveCall = {
      id: newGuid(),
      seq: this.#seq++,
      name: input.name,
      callType: input.callType ?? (input.coSpace ? 'coSpace' : 'adHoc'),
      coSpace: input.coSpace?.id ?? null,
      tenant: input.coSpace?.tenant ?? null,
      callCorrelator: input.coSpace?.callCorrelator ?? input.callCorrelator ?? newGuid(),
      ownerName: input.coSpace ? (input.coSpace.meetingScheduler ?? input.coSpace.ownerJid) : null,
      cdrTag: input.coSpace?.cdrTag ?? null,
      startedAtMs: this.#clock.now(),
      limits: input.limits,
      recorderUri: input.recorderUri,
      streamerUri: input.streamerUri,
      settings: input.settings,
      legs: new Set(),
      joined: 0,
      maxJoined: 0,
      completed: 0,
      recordingId: null,
      streamingId: null,
      ended: false,
    };
    this.#calls.set(call.id, call);
    if (call.coSpace !== null) this.#callByCoSpace.set(call.coSpace, call.id);
    batch.push(callStartRecord(call));
    this.#syncRecording(call, batch);
    this.#logger.debug({ call: call.id, coSpace: call.coSpace }, 'call started');
    return { call, existed: false };
  }

  #syncRecording(call: LiveCall, batch: CdrRecordBody[]): void {
    if (call.settings.recording && call.recordingId === null) {
      call.recordingId = newGuid();
      batch.push({ type: 'recordingStart', recording: { id: call.recordingId, call: call.id, recorderUri: call.recorderUri ?? undefined } });
    } else if (!call.settings.recording && call.recordingId !== null) {
      batch.push({ type: 'recordingEnd', recording: { id: call.recordingId } });
      call.recordingId = null;
    }
    if (call.settings.streaming && call.streamingId === null) {
      call.streamingId = newGuid();
      batch.push({ type: 'streamingStart', streaming: { id: call.streamingId, call: call.id, streamerUri: call.streamerUri ?? undefined } });
    } else if (!call.settings.streaming && call.streamingId !== null) {
      batch.push({ type: 'streamingEnd', streaming: { id: call.streamingId } });
      call.streamingId = null;
    }
  }

  #newLeg(input: {
    direction: 'incoming' | 'outgoing';
    type: 'sip' | 'acano';
    remoteParty: string;
    localAddress: string | null;
    displayName: string | null;
    userJid: string | null;
    bandwidth: number | null;
    behaviour: EndpointBehaviour;
    request: LegRequest;
  }): LiveLeg {
    const id = newGuid();
    const leg: LiveLeg = {
      id,
      participantId: newGuid(),
      seq: this.#seq++,
      direction: input.direction,
      type: input.type,
      remoteParty: input.remoteParty,
      originalRemoteParty: input.remoteParty,
      localAddress: input.localAddress,
      displayName: input.displayName,
      sipCallId: newGuid(),
      groupId: id,
      createdAtMs: this.#clock.now(),
      bandwidth: input.bandwidth,
      userJid: input.userJid,
      callId: null,
      tenant: null,
      state: 'initial',
      joined: false,
      ended: false,
      connectedAtMs: null,
      ownerId: input.request.ownerId,
      chosenLayout: input.request.chosenLayout,
      profile: input.request.profile,
      overrides: new Map(input.request.overrides),
      confirmation: undefined,
      deactivated: input.request.deactivated,
      activatedMs: 0,
      activatedSinceMs: null,
      importance: input.request.importance,
      nameLabelOverride: input.request.nameLabelOverride,
      dtmfSequence: input.request.dtmfSequence,
      media: { ...DEFAULT_MEDIA, ...stripAlarms(input.behaviour.media) },
      alarmMs: new Map(),
      alarmSinceMs: new Map(),
      behaviour: input.behaviour,
      timers: [],
    };
    this.#legs.set(leg.id, leg);
    this.#legByParticipant.set(leg.participantId, leg.id);
    this.#maxActive = Math.max(this.#maxActive, this.#legs.size);
    return leg;
  }

  #after(leg: LiveLeg, delayMs: number, action: () => void): void {
    const timer = this.#clock.setTimeout(() => {
      leg.timers = leg.timers.filter((t) => t !== timer);
      if (!leg.ended) action();
    }, delayMs);
    leg.timers.push(timer);
  }

  /** Tries route `index`; the far end's behaviour decides what happens next. */
  #route(leg: LiveLeg, routes: readonly OutboundRule[], index: number): void {
    const b = leg.behaviour;
    const setup = this.timing.setupMs;
    this.#after(leg, setup, () => {
      const route = routes[index];
      if (!route) {
        this.hangUp(leg.id, { reason: 'unknownDestination', remoteTeardown: false });
        return;
      }
      if (b.outcome === 'dnsFailure') {
        if (route.failureAction === 'continue' && index + 1 < routes.length) this.#route(leg, routes, index + 1);
        else this.hangUp(leg.id, { reason: 'dnsFailure', remoteTeardown: false });
        return;
      }
      if (b.outcome === 'busy') {
        this.hangUp(leg.id, { reason: 'remoteBusy', remoteTeardown: true });
        return;
      }
      leg.state = 'ringing';
      const answerIn = Math.max(0, (b.answerAfterMs ?? DEFAULT_ANSWER_MS) - setup);
      switch (b.outcome) {
        case 'noAnswer':
          this.#after(leg, this.timing.ringingTimeoutMs, () => this.hangUp(leg.id, { reason: 'ringingTimeout', remoteTeardown: false }));
          return;
        case 'reject':
          this.#after(leg, answerIn, () => this.hangUp(leg.id, { reason: 'remoteRejected', remoteTeardown: true }));
          return;
        case 'answer':
        case 'mediaFailure':
          this.#after(leg, answerIn, () => this.#answered(leg));
          return;
      }
    });
  }

  #answered(leg: LiveLeg): void {
    const now = this.#clock.now();
    leg.connectedAtMs = now;
    this.#setAlarms(leg, leg.behaviour.media?.alarms ?? [], now);
    const call = leg.callId === null ? undefined : this.#calls.get(leg.callId);
    if (!call) {
      this.hangUp(leg.id, { reason: 'callEnded', remoteTeardown: false });
      return;
    }
    if (leg.confirmation !== 'required') {
      this.#joinAndEmit(leg, call);
      return;
    }
    const b = leg.behaviour;
    const answer = b.confirmation ?? 'confirm';
    if (answer === 'ignore') {
      this.#after(leg, this.timing.confirmationTimeoutMs, () => this.hangUp(leg.id, { reason: 'confirmationTimeOut', remoteTeardown: false }));
      return;
    }
    this.#after(leg, Math.min(b.confirmAfterMs ?? DEFAULT_CONFIRM_MS, this.timing.confirmationTimeoutMs), () => {
      if (answer === 'reject') {
        this.hangUp(leg.id, { reason: 'remoteRejected', remoteTeardown: true, confirmationStatus: 'rejected' });
        return;
      }
      leg.confirmation = 'confirmed';
      const current = leg.callId === null ? undefined : this.#calls.get(leg.callId);
      if (current) this.#joinAndEmit(leg, current);
    });
  }

  #joinAndEmit(leg: LiveLeg, call: LiveCall): void {
    const batch: CdrRecordBody[] = [];
    this.#join(leg, call, batch);
    this.#emit(batch);
  }

  /** Puts a leg into its call, unless a participant limit refuses it (then it ends). */
  #join(leg: LiveLeg, call: LiveCall, batch: CdrRecordBody[]): LegEnd | undefined {
    const refusal = this.#limitRefusal(call.limits, call.tenant, call.joined);
    if (refusal) {
      this.#endLeg(leg, refusal, batch);
      return refusal;
    }
    const now = this.#clock.now();
    leg.state = 'connected';
    leg.joined = true;
    leg.connectedAtMs ??= now;
    if (leg.direction === 'incoming') this.#setAlarms(leg, leg.behaviour.media?.alarms ?? [], now);
    if (!leg.deactivated) leg.activatedSinceMs = now;
    call.joined++;
    call.maxJoined = Math.max(call.maxJoined, call.joined);
    batch.push(callLegUpdateRecord(leg));
    const b = leg.behaviour;
    if (b.hangUpAfterMs !== undefined) {
      this.#after(leg, b.hangUpAfterMs, () => this.hangUp(leg.id, { reason: 'remoteTeardown', remoteTeardown: true, reasonDetails: 'SIP' }));
    }
    if (b.outcome === 'mediaFailure') {
      this.#after(leg, b.failAfterMs ?? DEFAULT_MEDIA_FAILURE_MS, () => this.hangUp(leg.id, { reason: 'error', remoteTeardown: false }));
    }
    return undefined;
  }

  #limitRefusal(limits: CallLimits, tenant: string | null, joined: number): LegEnd | undefined {
    if (limits.participantLimit !== null && joined >= limits.participantLimit) return { reason: 'participantLimitReached', remoteTeardown: false };
    if (tenant !== null && limits.tenantParticipantLimit !== null && this.tenantParticipants(tenant) >= limits.tenantParticipantLimit) {
      return { reason: 'tenantParticipantLimitReached', remoteTeardown: false };
    }
    return undefined;
  }

  #accountActivation(leg: LiveLeg, now: number): void {
    if (leg.deactivated && leg.activatedSinceMs !== null) {
      leg.activatedMs += now - leg.activatedSinceMs;
      leg.activatedSinceMs = null;
    } else if (!leg.deactivated && leg.activatedSinceMs === null) {
      leg.activatedSinceMs = now;
    }
  }

  #setAlarms(leg: LiveLeg, active: readonly AlarmType[], now: number): void {
    for (const [type, since] of leg.alarmSinceMs) {
      if (!active.includes(type)) {
        leg.alarmMs.set(type, (leg.alarmMs.get(type) ?? 0) + now - since);
        leg.alarmSinceMs.delete(type);
      }
    }
    for (const type of active) if (!leg.alarmSinceMs.has(type)) leg.alarmSinceMs.set(type, now);
  }

  #endLeg(leg: LiveLeg, end: LegEnd, batch: CdrRecordBody[]): void {
    if (leg.ended) return;
    const now = this.#clock.now();
    leg.ended = true;
    for (const t of leg.timers) t.cancel();
    leg.timers = [];
    batch.push(callLegEndRecord(leg, end, now));
    this.#legs.delete(leg.id);
    this.#legByParticipant.delete(leg.participantId);
    this.#completed++;
    const call = leg.callId === null ? undefined : this.#calls.get(leg.callId);
    if (!call) return;
    call.legs.delete(leg.id);
    if (leg.joined) {
      call.joined--;
      call.completed++;
    }
    if (!call.ended && call.legs.size === 0 && !call.settings.activeWhenEmpty) this.#finishCall(call, end, batch);
  }

  /** Ends the call; legs still in it end with `legEnd` first. */
  #finishCall(call: LiveCall, legEnd: LegEnd, batch: CdrRecordBody[]): void {
    if (call.ended) return;
    call.ended = true;
    for (const legId of [...call.legs]) {
      const leg = this.#legs.get(legId);
      if (leg) this.#endLeg(leg, legEnd.reason === 'callDeactivated' ? legEnd : { reason: 'callEnded', remoteTeardown: false }, batch);
    }
    if (call.recordingId !== null) batch.push({ type: 'recordingEnd', recording: { id: call.recordingId } });
    if (call.streamingId !== null) batch.push({ type: 'streamingEnd', streaming: { id: call.streamingId } });
    batch.push(callEndRecord(call, this.#clock.now()));
    this.#calls.delete(call.id);
    if (call.coSpace !== null && this.#callByCoSpace.get(call.coSpace) === call.id) this.#callByCoSpace.delete(call.coSpace);
    this.#logger.debug({ call: call.id }, 'call ended');
  }
}

function stripAlarms(media: MediaReport | undefined): MediaReport {
  if (!media) return {};
  const { alarms: _alarms, ...streams } = media;
  return streams;
}
