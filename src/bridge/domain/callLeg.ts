/**
 * Call legs and participants: the parameters their API accepts, and how a leg's effective
 * configuration is layered (tenant's call leg profile ← coSpace's ← the leg's own `callLegProfile` ←
 * per-leg overrides). Free of HTTP and SQL.
 */
import type { StoredFields } from '../storage/configObjectStore.ts';
import { bool, int, oneOf, ref, str, type ParamDef, type ParamValue, type ParamValues } from '../params.ts';
import { LAYOUTS } from './coSpace.ts';
import { CALL_LEG_PROFILE_FIELDS } from './callLegProfile.ts';

const PROFILE_FIELD_NAMES = new Set(CALL_LEG_PROFILE_FIELDS.map((d) => d.name));

export const DTMF = /^[0-9*#,]{0,128}$/;

/** Fits in 50 bytes of UTF-8 (checked separately: the string pattern counts characters). */
export function fitsNameLabel(value: string): boolean {
  return Buffer.byteLength(value, 'utf8') <= 50;
}

/** POST /calls/<id>/callLegs and PUT /callLegs/<id>. */
export const callLegParams: readonly ParamDef[] = [
  { name: 'remoteParty', field: str(512, /^[^\s\p{Cc}<>"]+$/u), onModify: false },
  { name: 'bandwidth', field: int(1, 1_000_000_000), onModify: false },
  { name: 'confirmation', field: bool, onModify: false },
  { name: 'ownerId', field: str(256) },
  { name: 'chosenLayout', field: oneOf(...LAYOUTS) },
  { name: 'dtmfSequence', field: str(128, DTMF) },
  { name: 'callLegProfile', field: ref('callLegProfiles') },
  { name: 'nameLabelOverride', field: str(50) },
  { name: 'deactivated', field: bool },
  ...CALL_LEG_PROFILE_FIELDS,
];

/** POST /calls/<id>/participants: a leg's parameters plus where and how to place the participant. */
export const participantCreateParams: readonly ParamDef[] = [
  ...callLegParams,
  { name: 'callBridge', field: ref('callBridges') },
  { name: 'callBridgeGroup', field: ref('callBridgeGroups') },
  { name: 'importance', field: int(0, 2147483647) },
  { name: 'movedParticipant', field: ref('participants') },
];

/** PUT /participants/<id> (cms-api.md §2.12) plus the live settings of its leg. */
export const participantModifyParams: readonly ParamDef[] = [
  { name: 'importance', field: int(0, 2147483647) },
  { name: 'dtmfSequence', field: str(128, DTMF) },
  { name: 'nameLabelOverride', field: str(50) },
  { name: 'deactivated', field: bool },
  { name: 'chosenLayout', field: oneOf(...LAYOUTS) },
  ...CALL_LEG_PROFILE_FIELDS.filter((d) => ['rxAudioMute', 'txAudioMute', 'rxVideoMute', 'txVideoMute', 'defaultLayout'].includes(d.name)),
];

/** PUT /calls/<id>/participants/* (ParticipantProperties): applies to every participant of the call. */
export const allParticipantsParams: readonly ParamDef[] = [
  ...CALL_LEG_PROFILE_FIELDS.filter((d) => ['rxAudioMute', 'txAudioMute', 'rxVideoMute', 'txVideoMute', 'defaultLayout'].includes(d.name)),
  { name: 'importance', field: int(0, 2147483647) },
  { name: 'filterIds', field: str(20 * 37, /^[0-9A-Za-z-]{1,64}(,[0-9A-Za-z-]{1,64}){0,19}$/) },
  { name: 'mode', field: oneOf('exclude', 'selected') },
];

export type LegConfiguration = ReadonlyMap<string, ParamValue>;

/** The profile fields of a stored call leg profile (unknown or non-profile fields ignored). */
export function profileFields(fields: StoredFields | undefined): Map<string, ParamValue> {
  const out = new Map<string, ParamValue>();
  if (!fields) return out;
  for (const [name, value] of Object.entries(fields)) if (PROFILE_FIELD_NAMES.has(name) && value !== '') out.set(name, value);
  return out;
}

/** Layers profiles lowest first; a later layer's value wins. */
export function layerConfiguration(...layers: ReadonlyArray<ReadonlyMap<string, ParamValue>>): Map<string, ParamValue> {
  const out = new Map<string, ParamValue>();
  for (const layer of layers) for (const [k, v] of layer) out.set(k, v);
  return out;
}

/** Per-leg overrides present in validated parameters; an empty value removes the override. */
export function overridesFrom(values: ParamValues): { set: Map<string, ParamValue>; unset: string[] } {
  const set = new Map<string, ParamValue>();
  const unset: string[] = [];
  for (const [name, value] of values) {
    if (!PROFILE_FIELD_NAMES.has(name)) continue;
    if (value === null) unset.push(name);
    else set.set(name, value);
  }
  return { set, unset };
}

/** In order of the detail document (cms-api.md §2.11 sample). */
export const CONFIGURATION_ORDER: readonly string[] = CALL_LEG_PROFILE_FIELDS.map((d) => d.name);
