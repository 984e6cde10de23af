/**
 * What the engine needs to know from configuration, read from storage before a transition: the
 * profiles and limits of a call, a leg's layered call leg profile, outbound dial plan routes, and
 * where an incoming call lands. `CallService` reads it before calling the engine; the engine itself
 * never touches storage.
 */
import type { CoSpace } from '../domain/coSpace.ts';
import { layerConfiguration, profileFields } from '../domain/callLeg.ts';
import type { CallSettings } from '../domain/call.ts';
import type { ParamValue } from '../params.ts';
import type { StoredFields } from '../storage/configObjectStore.ts';
import type { BridgeStorage } from '../storage/index.ts';
import { routesFor, toOutboundRule, type OutboundRule } from '../engine/dialPlan.ts';
import type { DialInDestination, NewCall } from '../engine/callEngine.ts';

function numberOrNull(fields: StoredFields | undefined, name: string): number | null {
  const v = fields?.[name];
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function textOrNull(fields: StoredFields | undefined, name: string): string | null {
  const v = fields?.[name];
  return v === undefined || v === '' ? null : String(v);
}

export interface DialInAddress {
  /** As dialled: `room@example.com`, `sip:room@example.com`; the user part selects the coSpace. */
  readonly uri?: string | undefined;
  readonly callId?: string | undefined;
  readonly remoteParty: string;
  readonly userJid?: string | null | undefined;
}

export class CallDirectory {
  constructor(
    private readonly storage: BridgeStorage,
    private readonly nodeId: string,
  ) {}

  async #fields(kind: string, id: string | null): Promise<StoredFields | undefined> {
    if (id === null) return undefined;
    return (await this.storage.configObjects.get(kind, id))?.fields;
  }

  /** How to instantiate a call for `coSpace` (or an ad hoc call named `name`). */
  async newCall(coSpace: CoSpace | null, name: string, settings: CallSettings, callCorrelator?: string): Promise<NewCall> {
    const tenant = await this.#fields('tenants', coSpace?.tenant ?? null);
    const callProfileId = coSpace?.callProfile ?? textOrNull(tenant, 'callProfile');
    const callProfile = await this.#fields('callProfiles', callProfileId);
    return {
      coSpace,
      name,
      settings,
      limits: {
        participantLimit: numberOrNull(callProfile, 'participantLimit'),
        tenantParticipantLimit: numberOrNull(tenant, 'participantLimit'),
      },
      recorderUri: textOrNull(callProfile, 'sipRecorderUri'),
      streamerUri: textOrNull(callProfile, 'sipStreamerUri') ?? coSpace?.streamUrl ?? null,
      callCorrelator,
    };
  }

  /**
   * A leg's call leg profile values, layered lowest first: the tenant's profile, the coSpace's, the
   * access method's, then the one named on the leg itself.
   */
  async legProfile(coSpace: CoSpace | null, extra: ReadonlyArray<string | null>): Promise<Map<string, ParamValue>> {
    const tenant = await this.#fields('tenants', coSpace?.tenant ?? null);
    const ids = [textOrNull(tenant, 'callLegProfile'), coSpace?.callLegProfile ?? null, ...extra];
    const layers: Array<Map<string, ParamValue>> = [];
    for (const id of ids) if (id !== null) layers.push(profileFields(await this.#fields('callLegProfiles', id)));
    return layerConfiguration(...layers);
  }

  async routes(remoteParty: string, tenant: string | null): Promise<OutboundRule[]> {
    const rules = await this.storage.configObjects.list('outboundDialPlanRules');
    return routesFor(
      rules.map((r) => toOutboundRule(r.id, r.fields)),
      remoteParty,
      { tenant, callBridge: this.nodeId },
    );
  }

  async coSpace(id: string): Promise<CoSpace | undefined> {
    return this.storage.coSpaces.get(id);
  }

  /** Where an incoming call lands: a coSpace (with its passcode, membership, profile), or nowhere. */
  async dialInDestination(address: DialInAddress, settings: CallSettings): Promise<DialInDestination> {
    let target;
    if (address.callId !== undefined) {
      target = await this.storage.dialIn.byCallId(address.callId);
      if (!target) return { kind: 'unknown', reason: 'ivrUnknownCall' };
    } else {
      // What a caller dials or calls from may hold anything; a NUL is in no stored uri or jid (the API
      // refuses it) and Postgres text cannot even be compared with one, so it matches nothing.
      const uri = userPart(address.uri ?? '');
      target = uri.includes('\u0000') ? undefined : await this.storage.dialIn.byUri(uri);
      if (!target) return { kind: 'unknown', reason: 'unknownDestination' };
    }
    const coSpace = await this.storage.coSpaces.get(target.coSpace);
    if (!coSpace) return { kind: 'unknown', reason: 'unknownDestination' };
    const jid = address.userJid ?? bareAddress(address.remoteParty);
    const isMember = !jid.includes('\u0000') && (await this.storage.dialIn.isMember(coSpace.id, jid));
    const profile = await this.legProfile(coSpace, [target.accessMethod?.callLegProfile ?? null]);
    const passcode = target.accessMethod ? target.accessMethod.passcode : coSpace.passcode;
    // A call instantiated by its first participant ends when its last one leaves (cdr.md §3).
    const newCall = await this.newCall(coSpace, coSpace.name ?? coSpace.uri ?? '', { ...settings, activeWhenEmpty: false });
    return { kind: 'coSpace', coSpace, passcode: passcode === '' ? null : passcode, isMember, newCall, profile };
  }
}

/** `sip:Room.One@example.com;transport=tls` → `room.one`. */
export function userPart(uri: string): string {
  const bare = bareAddress(uri);
  const at = bare.indexOf('@');
  return (at === -1 ? bare : bare.slice(0, at)).toLowerCase();
}

/** Strips a scheme and URI parameters: `sip:alice@example.com;x=y` → `alice@example.com`. */
export function bareAddress(uri: string): string {
  return uri.replace(/^(sips?|tel|h323):/i, '').split(/[;?>]/)[0] ?? '';
}
