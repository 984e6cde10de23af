/**
 * `POST /accessQuery`: how a uri or callId reaches a coSpace. Rules, free of HTTP and SQL:
 * - `uri` is a URI user part; a full URI is accepted and its domain ignored; matched case-insensitively
 *   against coSpace uri / secondaryUri, then access method uris; `callId` likewise against callIds;
 * - `tenant` limits the search to coSpaces of that tenant; omitted = any coSpace;
 * - the full URI's domain is that of the highest-priority inbound dial plan rule resolving to coSpaces
 *   (`resolveTocoSpaces` not false) whose tenant is the coSpace's or none; without one, no `<uri>`.
 */
import { bridgeErrors } from '../errors.ts';
import { getString, ref, str, type ParamDef, type ParamValues } from '../params.ts';
import type { ConfigRecord } from './configKinds.ts';
import { CALL_ID } from './coSpace.ts';

export const accessQueryParams: readonly ParamDef[] = [
  { name: 'uri', field: str(512, /^[^\s\p{Cc}<>"]{1,512}$/u) },
  { name: 'callId', field: str(19, CALL_ID) },
  { name: 'tenant', field: ref('tenants') },
];

export interface AccessQuery {
  readonly uri?: string;
  readonly callId?: string;
  readonly tenant?: string;
}

export function readAccessQuery(values: ParamValues): AccessQuery {
  const uri = getString(values, 'uri');
  const callId = getString(values, 'callId');
  const tenant = getString(values, 'tenant');
  if ((uri === undefined || uri === null) && (callId === undefined || callId === null)) throw bridgeErrors.parameterError('uri', 'missingParameter');
  return {
    ...(uri ? { uri: (uri.split('@')[0] ?? '').toLowerCase() } : {}),
    ...(callId ? { callId } : {}),
    ...(tenant ? { tenant } : {}),
  };
}

/** The domain a coSpace of `tenant` is reached at, from the inbound dial plan rules. */
export function coSpaceDomain(rules: readonly ConfigRecord[], tenant: string | null): string | undefined {
  const candidates = rules.filter(
    (r) => r.fields['resolveTocoSpaces'] !== false && (r.fields['tenant'] === undefined || r.fields['tenant'] === tenant),
  );
  const priority = (r: ConfigRecord): number => (typeof r.fields['priority'] === 'number' ? r.fields['priority'] : 0);
  const best = candidates.reduce<ConfigRecord | undefined>((acc, r) => (acc === undefined || priority(r) > priority(acc) ? r : acc), undefined);
  const domain = best?.fields['domain'];
  return typeof domain === 'string' ? domain : undefined;
}
