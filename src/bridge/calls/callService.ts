/**
 * The calls service: the one place that resolves what a request names (the coSpace of a call, a live
 * call, leg or participant, the call leg profiles layered onto a leg, outbound dial plan rules, where a
 * dial-in lands) and then calls the CallEngine. The CMS API's `/calls`, `/callLegs` and
 * `/participants` and the simulator's control API all change calls through it; they read live state
 * from the engine's queries. Free of HTTP; storage is read through `CallDirectory` and the reference
 * check, never written.
 *
 * Requests the CMS API makes fail with the bridge's error catalogue (`bridgeErrors`); what the
 * simulator does to a leg or call that is gone answers `false`.
 */
import { applyCallParams, DEFAULT_CALL_SETTINGS } from '../domain/call.ts';
import { callLegParams, fitsNameLabel, overridesFrom, participantCreateParams, participantModifyParams } from '../domain/callLeg.ts';
import { doesNotExist } from '../domain/coSpace.ts';
import type { CallEngine, DialOutRequest, LegChanges } from '../engine/callEngine.ts';
import type { MediaReport } from '../engine/endpoints.ts';
import type { LegEnd, LiveCall, LiveLeg } from '../engine/types.ts';
import { bridgeErrors } from '../errors.ts';
import { getBoolean, getInteger, getString, type ParamDef, type ParamValues } from '../params.ts';
import { referenceExists } from '../api/objects/references.ts';
import type { BridgeStorage } from '../storage/index.ts';
import { CallDirectory } from './directory.ts';

export interface CallServiceOptions {
  readonly engine: CallEngine;
  readonly storage: BridgeStorage;
  /** This call bridge's id: dial plan rules scoped to it, the only `callBridge` a participant may name. */
  readonly nodeId: string;
}

/** An endpoint calling in, as the simulator describes it. */
export interface DialInCall {
  /** As dialled (`room@example.com`); exactly one of `uri` and `callId`. */
  readonly uri?: string | undefined;
  /** A call id entered in the IVR. */
  readonly callId?: string | undefined;
  /** Successive passcode attempts. */
  readonly passcodes: readonly string[];
  readonly remoteParty: string;
  readonly displayName?: string | null | undefined;
  readonly userJid?: string | null | undefined;
  readonly type: 'sip' | 'acano';
  /** The caller hangs up this long after joining; omitted = stays. */
  readonly hangUpAfterMs?: number | undefined;
  readonly media?: MediaReport | undefined;
}

/** The far end hanging up a connected leg. */
const REMOTE_TEARDOWN: LegEnd = { reason: 'remoteTeardown', remoteTeardown: true, reasonDetails: 'SIP' };
/** DELETE of a call leg or participant. */
const API_TEARDOWN: LegEnd = { reason: 'apiInitiatedTeardown', remoteTeardown: false };

export class CallService {
  readonly #engine: CallEngine;
  readonly #storage: BridgeStorage;
  readonly #directory: CallDirectory;
  readonly #nodeId: string;

  constructor(options: CallServiceOptions) {
    this.#engine = options.engine;
    this.#storage = options.storage;
    this.#nodeId = options.nodeId;
    this.#directory = new CallDirectory(options.storage, options.nodeId);
  }

  // ---- what a request names ----------------------------------------------------------------------

  callOrThrow(id: string): LiveCall {
    const call = this.#engine.call(id);
    if (!call) throw bridgeErrors.notFound('callDoesNotExist');
    return call;
  }

  legOrThrow(id: string): LiveLeg {
    const leg = this.#engine.leg(id);
    if (!leg) throw bridgeErrors.notFound('callLegDoesNotExist');
    return leg;
  }

  participantOrThrow(id: string): LiveLeg {
    const leg = this.#engine.legOfParticipant(id);
    if (!leg) throw bridgeErrors.notFound('participantDoesNotExist');
    return leg;
  }

  /** Every id parameter must name an existing object of its collection (400 `<x>DoesNotExist`). */
  async checkReferences(values: ParamValues, defs: readonly ParamDef[]): Promise<void> {
    for (const def of defs) {
      const value = values.get(def.name);
      if (def.field.type !== 'id' || value === undefined || value === null) continue;
      const id = String(value);
      const exists =
        def.field.collection === 'participants'
          ? this.#engine.legOfParticipant(id) !== undefined
          : await referenceExists(this.#storage, def.field.collection, id);
      if (!exists) throw bridgeErrors.referenceNotFound(doesNotExist(def.field.collection));
    }
    const label = getString(values, 'nameLabelOverride');
    if (label && !fitsNameLabel(label)) throw bridgeErrors.parameterError('nameLabelOverride', 'valueTooLong');
  }

  // ---- calls -------------------------------------------------------------------------------------

  /**
   * POST /calls: instantiates the call of the coSpace named (or an ad hoc call by `name`). A coSpace
   * that already has a call on this bridge keeps it, and the parameters given apply to it as a PUT.
   */
  async startCall(values: ParamValues): Promise<LiveCall> {
    const coSpaceId = getString(values, 'coSpace');
    const name = getString(values, 'name');
    if (!coSpaceId && !name) throw bridgeErrors.parameterError('coSpace', 'missingParameter');
    const settings = applyCallParams(DEFAULT_CALL_SETTINGS, values);
    let coSpace = null;
    if (coSpaceId) {
      coSpace = (await this.#directory.coSpace(coSpaceId)) ?? null;
      if (!coSpace) throw bridgeErrors.referenceNotFound('coSpaceDoesNotExist');
    }
    const newCall = await this.#directory.newCall(coSpace, name ?? coSpace?.name ?? coSpace?.uri ?? '', settings, getString(values, 'callCorrelator') ?? undefined);
    const { call, existed } = this.#engine.createCall(newCall);
    if (existed) this.#engine.modifyCall(call.id, applyCallParams(call.settings, values));
    return call;
  }

  /** PUT /calls/<id>: the parameters given change the live call's settings. */
  modifyCall(id: string, values: ParamValues): LiveCall {
    const call = this.callOrThrow(id);
    this.#engine.modifyCall(call.id, applyCallParams(call.settings, values));
    return call;
  }

  /** DELETE /calls/<id>: the call and every leg in it end (`callEnded`). */
  endCall(id: string): void {
    if (!this.#engine.endCall(id)) throw bridgeErrors.notFound('callDoesNotExist');
  }

  /** The call is deactivated: its legs leave (`callDeactivated`) and it ends. */
  deactivateCall(id: string): boolean {
    return this.#engine.deactivateCall(id);
  }

  /** A deleted coSpace takes its live call with it. */
  endCallOfCoSpace(coSpaceId: string): void {
    this.#engine.endCallOfCoSpace(coSpaceId);
  }

  // ---- legs and participants ---------------------------------------------------------------------

  /** POST /calls/<id>/callLegs: dials out from the call. */
  async dialOut(callId: string, values: ParamValues): Promise<LiveLeg> {
    const call = this.callOrThrow(callId);
    await this.checkReferences(values, callLegParams);
    return this.#dialOut(call, values);
  }

  /**
   * POST /calls/<id>/participants: dials out from the call. Only this call bridge can place the
   * participant (calls are per node; no distributed calls).
   */
  async addParticipant(callId: string, values: ParamValues): Promise<LiveLeg> {
    const call = this.callOrThrow(callId);
    await this.checkReferences(values, participantCreateParams);
    const callBridge = getString(values, 'callBridge');
    if (callBridge && callBridge !== this.#nodeId) throw bridgeErrors.refused('callBridgeUnavailable');
    if (values.get('callBridgeGroup')) throw bridgeErrors.refused('callBridgeGroupUnavailable');
    return this.#dialOut(call, values);
  }

  /** PUT /callLegs/<id>. */
  async modifyLeg(id: string, values: ParamValues): Promise<void> {
    const leg = this.legOrThrow(id);
    await this.checkReferences(values, callLegParams);
    const changes = await this.#legChanges(leg, values);
    if (!this.#engine.modifyLeg(leg.id, changes)) throw bridgeErrors.notFound('callLegDoesNotExist');
  }

  /** PUT /participants/<id>. */
  async modifyParticipant(id: string, values: ParamValues): Promise<void> {
    const leg = this.participantOrThrow(id);
    await this.checkReferences(values, participantModifyParams);
    const changes = await this.#legChanges(leg, values);
    if (!this.#engine.modifyLeg(leg.id, changes)) throw bridgeErrors.notFound('participantDoesNotExist');
  }

  /**
   * PUT /calls/<id>/participants/*: the overrides and importance given apply to every participant of
   * the call (`mode=selected`: those in `filterIds`; otherwise all but those).
   */
  modifyParticipantsOfCall(callId: string, values: ParamValues): void {
    const call = this.callOrThrow(callId);
    const ids = (getString(values, 'filterIds') ?? '')
      .split(',')
      .filter((s) => s !== '')
      .map((s) => s.toLowerCase());
    const selected = getString(values, 'mode') === 'selected';
    const { set, unset } = overridesFrom(values);
    const importance = getInteger(values, 'importance');
    for (const leg of this.#engine.legs()) {
      if (leg.callId !== call.id) continue;
      if (selected !== ids.includes(leg.participantId)) continue;
      this.#engine.modifyLeg(leg.id, {
        setOverrides: set,
        unsetOverrides: unset,
        ...(importance === undefined ? {} : { importance }),
      });
    }
  }

  /** DELETE /callLegs/<id>: the bridge hangs up (`apiInitiatedTeardown`). */
  hangUpLeg(id: string): void {
    if (!this.#engine.hangUp(id, API_TEARDOWN)) throw bridgeErrors.notFound('callLegDoesNotExist');
  }

  /** DELETE /participants/<id>: the bridge hangs up the participant's leg (`apiInitiatedTeardown`). */
  removeParticipant(id: string): void {
    this.#engine.hangUp(this.participantOrThrow(id).id, API_TEARDOWN);
  }

  // ---- what endpoints do (the simulator) ---------------------------------------------------------

  /** An endpoint calls in: where it lands is resolved (coSpace, passcode, membership, profiles), then it joins or is refused. */
  async dialIn(input: DialInCall): Promise<{ leg: LiveLeg; end?: LegEnd }> {
    const destination = await this.#directory.dialInDestination(
      { uri: input.uri, callId: input.callId, remoteParty: input.remoteParty, userJid: input.userJid },
      DEFAULT_CALL_SETTINGS,
    );
    return this.#engine.dialIn({
      remoteParty: input.remoteParty,
      localAddress: input.uri ?? input.callId ?? '',
      displayName: input.displayName ?? null,
      type: input.type,
      userJid: input.userJid ?? null,
      passcodes: input.passcodes,
      destination,
      hangUpAfterMs: input.hangUpAfterMs,
      media: input.media,
    });
  }

  /** The far end of a leg hangs up (`remoteTeardown`); false when the leg is gone. */
  remoteHangUp(legId: string): boolean {
    return this.#engine.hangUp(legId, REMOTE_TEARDOWN);
  }

  /** The far end reports media and alarm conditions; false when the leg is gone. */
  setMedia(legId: string, report: MediaReport): boolean {
    return this.#engine.setMedia(legId, report) !== undefined;
  }

  // ---- internals ---------------------------------------------------------------------------------

  async #dialOut(call: LiveCall, values: ParamValues): Promise<LiveLeg> {
    const request = await this.#dialOutRequest(call, values);
    const leg = this.#engine.dialOut(call.id, request);
    if (!leg) throw bridgeErrors.notFound('callDoesNotExist');
    return leg;
  }

  /** What a dial-out needs: the layered profile, the leg's own settings, the dial plan's routes. */
  async #dialOutRequest(call: LiveCall, values: ParamValues): Promise<DialOutRequest> {
    const remoteParty = getString(values, 'remoteParty') ?? '';
    const coSpace = call.coSpace === null ? null : ((await this.#directory.coSpace(call.coSpace)) ?? null);
    const profile = await this.#directory.legProfile(coSpace, [getString(values, 'callLegProfile') ?? null]);
    return {
      remoteParty,
      profile,
      overrides: overridesFrom(values).set,
      ownerId: getString(values, 'ownerId') ?? null,
      chosenLayout: getString(values, 'chosenLayout') ?? null,
      nameLabelOverride: getString(values, 'nameLabelOverride') ?? null,
      importance: getInteger(values, 'importance') ?? null,
      dtmfSequence: getString(values, 'dtmfSequence') ?? null,
      deactivated: getBoolean(values, 'deactivated') ?? false,
      routes: await this.#directory.routes(remoteParty, call.tenant),
      confirmation: getBoolean(values, 'confirmation') ?? null,
      bandwidth: getInteger(values, 'bandwidth') ?? null,
    };
  }

  /** Live changes from validated PUT parameters; a new `callLegProfile` is layered as on a dial-out. */
  async #legChanges(leg: LiveLeg, values: ParamValues): Promise<LegChanges> {
    const { set, unset } = overridesFrom(values);
    let profile;
    const profileId = values.get('callLegProfile');
    if (profileId !== undefined) {
      const call = leg.callId === null ? undefined : this.#engine.call(leg.callId);
      const coSpace = call?.coSpace ? ((await this.#directory.coSpace(call.coSpace)) ?? null) : null;
      profile = await this.#directory.legProfile(coSpace, [profileId === null ? null : String(profileId)]);
    }
    const text = (name: string): string | null | undefined => getString(values, name);
    return {
      ...(text('ownerId') !== undefined ? { ownerId: text('ownerId') ?? null } : {}),
      ...(text('chosenLayout') !== undefined ? { chosenLayout: text('chosenLayout') ?? null } : {}),
      ...(text('nameLabelOverride') !== undefined ? { nameLabelOverride: text('nameLabelOverride') ?? null } : {}),
      ...(text('dtmfSequence') !== undefined ? { dtmfSequence: text('dtmfSequence') ?? null } : {}),
      ...(values.has('importance') ? { importance: getInteger(values, 'importance') ?? null } : {}),
      ...(values.has('deactivated') ? { deactivated: getBoolean(values, 'deactivated') ?? false } : {}),
      ...(profile ? { profile } : {}),
      setOverrides: set,
      unsetOverrides: unset,
    };
  }
}
