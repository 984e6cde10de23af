/**
 * A managed bridge, TMS style: added by address and credentials, then given a system name, a domain and
 * a conference-ID range; one scheduled-meeting space per number of the range. No HTTP, no SQL.
 */

export interface ClusterMember {
  /** The call bridge's id in the bridge's own /callBridges. */
  readonly id: string;
  readonly name: string;
  readonly address: string | undefined;
}

export interface ConferenceIdRange {
  readonly start: number;
  readonly end: number;
}

export type ProvisionState = 'none' | 'provisioning' | 'provisioned' | 'failed';

export interface AlternateEndpoint {
  readonly address: string;
  readonly username: string;
  readonly passwordEnc: string;
  readonly allowSelfSigned: boolean;
}

export interface ManagedBridge {
  readonly id: string;
  readonly name: string | null;
  readonly address: string;
  readonly username: string;
  /** AES-256-GCM sealed password (see secrets.ts); never leaves the process in clear. */
  readonly passwordEnc: string;
  readonly allowSelfSigned: boolean;
  readonly domain: string | null;
  readonly range: ConferenceIdRange | null;
  readonly callProfile: string | null;
  readonly callLegProfile: string | null;
  readonly bulkParameterSet: string | null;
  readonly bulkSync: string | null;
  readonly provisionState: ProvisionState;
  readonly provisionError: string | null;
  /** Numbers of the range whose space could not be found on the bridge after provisioning. */
  readonly missingSpaces: readonly number[];
  readonly softwareVersion: string | null;
  readonly cluster: readonly ClusterMember[];
  readonly alternate: AlternateEndpoint | null;
  readonly createdMs: number;
}

export interface Space {
  readonly bridgeId: string;
  readonly number: number;
  readonly coSpaceId: string | null;
  readonly holder: string | null;
}

export const SPACE_NAME_PREFIX = 'TMS_Scheduled_Meeting_';

/** The idle name of the space for conference number `n`. */
export function spaceName(n: number): string {
  return `${SPACE_NAME_PREFIX}${n}`;
}

/** The number of a space from its idle name, or undefined. */
export function spaceNumberOf(name: string | undefined): number | undefined {
  if (name?.startsWith(SPACE_NAME_PREFIX) !== true) return undefined;
  const rest = name.slice(SPACE_NAME_PREFIX.length);
  return /^\d{1,9}$/.test(rest) ? Number(rest) : undefined;
}

/** Largest range we provision in one go (CMS documents no maximum; failedIndexRangeTooGreat exists). */
export const MAX_RANGE_SIZE = 10_000;

export function rangeSize(range: ConferenceIdRange | null): number {
  return range === null ? 0 : range.end - range.start + 1;
}

/** What TMS sends when it adds a bridge. */
export const CALL_PROFILE_FIELDS = { participantLimit: 1000, messageBoardEnabled: false } as const;
export const CALL_LEG_PROFILE_FIELDS = {
  defaultLayout: 'telepresence',
  changeLayoutAllowed: true,
  presentationContributionAllowed: true,
  presentationViewingAllowed: true,
  muteSelfAllowed: true,
  videoMuteSelfAllowed: true,
} as const;

/** The bulk parameter set that creates one space per number of the range. */
export function bulkParameterFields(bridge: ManagedBridge, range: ConferenceIdRange): Record<string, string | number | boolean> {
  return {
    startIndex: range.start,
    endIndex: range.end,
    coSpaceUriMapping: '$index$',
    coSpaceNameMapping: `${SPACE_NAME_PREFIX}$index$`,
    coSpaceCallIdMapping: '$index$',
    callProfile: bridge.callProfile ?? '',
    callLegProfile: bridge.callLegProfile ?? '',
    nonMemberAccess: false,
  };
}

/** Warnings an operator sees until the bridge is fully set up, as TMS shows them. */
export function bridgeWarnings(bridge: ManagedBridge): string[] {
  const warnings: string[] = [];
  if (bridge.name === null || bridge.name === '') warnings.push('noSystemName: set a system name for this bridge');
  if (bridge.domain === null || bridge.range === null) {
    warnings.push('noConferenceRange: set a domain and a conference-ID range (extended settings)');
  }
  if (bridge.provisionState === 'failed') warnings.push(`provisioningFailed: ${bridge.provisionError ?? 'unknown error'}`);
  if (bridge.missingSpaces.length > 0) {
    warnings.push(`spacesMissing: no space found on the bridge for ${bridge.missingSpaces.join(', ')}`);
  }
  return warnings;
}

/** True when meetings can run on the bridge. */
export function bridgeReady(bridge: ManagedBridge): boolean {
  return bridge.domain !== null && bridge.range !== null && bridge.provisionState === 'provisioned';
}

/** Host part of an address for comparing bridges (`https://10.0.0.1:445` and `10.0.0.1:445` are one). */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const norm = (s: string): string => {
    const withScheme = /^https?:\/\//i.test(s) ? s : `https://${s}`;
    try {
      const u = new URL(withScheme);
      const port = u.port === '' ? (u.protocol === 'http:' ? '80' : '443') : u.port;
      return `${u.hostname.toLowerCase()}:${port}`;
    } catch {
      return s.toLowerCase();
    }
  };
  return norm(a) === norm(b);
}
