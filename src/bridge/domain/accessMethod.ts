/**
 * coSpace access methods: extra uri / callId / passcode combinations that reach a coSpace, each with
 * its own call leg profile, secret, scope and importance. Rules, free of HTTP and SQL:
 * - uri and callId are unique against every OTHER coSpace and its access methods
 *   (`duplicateCoSpaceUri` / `duplicateCoSpaceId`), exactly as for a coSpace's own uri / callId;
 * - inside one coSpace, an access method may reuse the coSpace's uri / secondaryUri / callId, or
 *   another access method's, only with a different passcode (`duplicateCoSpaceUriPasscode` /
 *   `duplicateCoSpaceIdPasscode`); "no passcode" counts as one value;
 * - a secret is chosen when none is given and the method has a callId; `regenerateSecret` (PUT only)
 *   makes a new one;
 * - the passcode must be at least as long as the effective dial-in security profile's
 *   `minPasscodeLength` (method's profile, else the coSpace's, tenant's, system's) → `passcodeTooShort`.
 */
import { newGuid, newSecret } from '../../shared/ids.ts';
import { bridgeErrors } from '../errors.ts';
import { bool, getString, int, oneOf, ref, str, type ParamDef, type ParamValues } from '../params.ts';
import { CALL_ID, doesNotExist, PASSCODE, SECRET, URI_USER_PART, type CoSpace } from './coSpace.ts';
import type { Mutable } from '../../shared/types.ts';

export interface AccessMethod {
  readonly id: string;
  readonly coSpace: string;
  readonly uri: string | null;
  readonly callId: string | null;
  readonly passcode: string | null;
  readonly name: string | null;
  readonly callLegProfile: string | null;
  readonly secret: string | null;
  readonly scope: string | null;
  readonly importance: number | null;
  readonly dialInSecurityProfile: string | null;
}

export const accessMethodParams: readonly ParamDef[] = [
  { name: 'uri', field: str(254, URI_USER_PART) },
  { name: 'callId', field: str(19, CALL_ID) },
  { name: 'passcode', field: str(64, PASSCODE) },
  { name: 'name', field: str(256) },
  { name: 'callLegProfile', field: ref('callLegProfiles') },
  { name: 'secret', field: str(64, SECRET) },
  { name: 'regenerateSecret', field: bool, onCreate: false },
  { name: 'scope', field: oneOf('public', 'private', 'member') },
  { name: 'importance', field: int(0, 2147483647) },
  { name: 'dialInSecurityProfile', field: ref('dialInSecurityProfiles') },
];

/** What an access method write needs to know about the rest of the namespace. */
export interface AccessMethodNamespace {
  /** The coSpace other than `except` owning `uri` as uri, secondaryUri or through an access method. */
  uriOwner(uri: string, except: string): Promise<string | undefined>;
  callIdOwner(callId: string, except: string): Promise<string | undefined>;
  referenceExists(collection: string, id: string): Promise<boolean>;
  /** The coSpace's other access methods. */
  siblings(coSpace: string, except: string): Promise<AccessMethod[]>;
  /** `minPasscodeLength` of the effective dial-in security profile, if any. */
  minPasscodeLength(dialInSecurityProfile: string | null, coSpace: CoSpace): Promise<number | undefined>;
}


export async function applyAccessMethodParams(
  coSpace: CoSpace,
  existing: AccessMethod | undefined,
  values: ParamValues,
  namespace: AccessMethodNamespace,
): Promise<AccessMethod> {
  const next: Mutable<AccessMethod> = existing
    ? { ...existing }
    : {
        id: newGuid(),
        coSpace: coSpace.id,
        uri: null,
        callId: null,
        passcode: null,
        name: null,
        callLegProfile: null,
        secret: null,
        scope: null,
        importance: null,
        dialInSecurityProfile: null,
      };
  const set = (key: 'uri' | 'callId' | 'passcode' | 'name' | 'callLegProfile' | 'secret' | 'scope' | 'dialInSecurityProfile', value: string | null | undefined): void => {
    if (value !== undefined) next[key] = value;
  };
  const uri = getString(values, 'uri');
  set('uri', uri === undefined || uri === null ? uri : uri.toLowerCase());
  set('callId', getString(values, 'callId'));
  set('passcode', getString(values, 'passcode'));
  set('name', getString(values, 'name'));
  set('callLegProfile', getString(values, 'callLegProfile'));
  set('scope', getString(values, 'scope'));
  set('dialInSecurityProfile', getString(values, 'dialInSecurityProfile'));
  const importance = values.get('importance');
  if (importance !== undefined) next.importance = importance === null ? null : Number(importance);

  for (const [param, collection] of [
    ['callLegProfile', 'callLegProfiles'],
    ['dialInSecurityProfile', 'dialInSecurityProfiles'],
  ] as const) {
    const id = getString(values, param);
    if (typeof id === 'string' && !(await namespace.referenceExists(collection, id))) {
      throw bridgeErrors.referenceNotFound(doesNotExist(collection));
    }
  }

  if (next.uri !== null && (await namespace.uriOwner(next.uri, coSpace.id)) !== undefined) throw bridgeErrors.duplicate('duplicateCoSpaceUri');
  if (next.callId !== null && (await namespace.callIdOwner(next.callId, coSpace.id)) !== undefined) {
    throw bridgeErrors.duplicate('duplicateCoSpaceId');
  }
  const siblings = await namespace.siblings(coSpace.id, next.id);
  const samePasscode = (other: string | null): boolean => (other ?? '') === (next.passcode ?? '');
  if (next.uri !== null) {
    const clash =
      ((next.uri === coSpace.uri || next.uri === coSpace.secondaryUri) && samePasscode(coSpace.passcode)) ||
      siblings.some((s) => s.uri === next.uri && samePasscode(s.passcode));
    if (clash) throw bridgeErrors.duplicate('duplicateCoSpaceUriPasscode');
  }
  if (next.callId !== null) {
    const clash =
      (next.callId === coSpace.callId && samePasscode(coSpace.passcode)) || siblings.some((s) => s.callId === next.callId && samePasscode(s.passcode));
    if (clash) throw bridgeErrors.duplicate('duplicateCoSpaceIdPasscode');
  }

  if (next.passcode !== null) {
    const min = await namespace.minPasscodeLength(next.dialInSecurityProfile, coSpace);
    if (min !== undefined && next.passcode.length < min) throw bridgeErrors.refused('passcodeTooShort');
  }

  const secret = getString(values, 'secret');
  if (secret !== undefined) next.secret = secret;
  if (values.get('regenerateSecret') === true) next.secret = newSecret();
  else if (next.secret === null && next.callId !== null && secret === undefined) next.secret = newSecret();
  return next;
}
