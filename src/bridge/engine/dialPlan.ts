/**
 * Outbound dial plan rules: which rule (if any) places a call to a URI. Pure functions over the rule
 * objects as stored (`outboundDialPlanRules` config objects, fields keyed by canonical names).
 *
 * - `domain` matches the URI's host part exactly (case-insensitive), or `*.example.com` matches any
 *   name under example.com (not example.com itself); `*` alone matches every domain, including a
 *   remote party with no domain at all.
 * - Rules are tried in `priority` order, higher first; equal priorities keep creation order.
 * - `scope` callBridge only applies on the named call bridge; a rule with a `tenant` only applies to
 *   calls of that tenant.
 * - `failureAction`: `continue` lets the next matching rule try when this one fails to route the call
 *   (dnsFailure, error before answer); `stop` (default) ends the attempt.
 */
import type { StoredFields } from '../storage/configObjectStore.ts';

export interface OutboundRule {
  readonly id: string;
  readonly domain: string;
  readonly priority: number;
  readonly failureAction: 'stop' | 'continue';
  readonly sipProxy: string | null;
  readonly localContactDomain: string | null;
  readonly localFromDomain: string | null;
  readonly tenant: string | null;
  readonly scope: string;
  readonly callBridge: string | null;
}

function text(fields: StoredFields, name: string): string | null {
  const v = fields[name];
  return v === undefined || v === '' ? null : String(v);
}

export function toOutboundRule(id: string, fields: StoredFields): OutboundRule {
  const priority = Number(fields['priority'] ?? 0);
  return {
    id,
    domain: (text(fields, 'domain') ?? '').toLowerCase(),
    priority: Number.isFinite(priority) ? priority : 0,
    failureAction: text(fields, 'failureAction') === 'continue' ? 'continue' : 'stop',
    sipProxy: text(fields, 'sipProxy'),
    localContactDomain: text(fields, 'localContactDomain'),
    localFromDomain: text(fields, 'localFromDomain'),
    tenant: text(fields, 'tenant'),
    scope: text(fields, 'scope') ?? 'global',
    callBridge: text(fields, 'callBridge'),
  };
}

/** The host part of a remote party: `sip:alice@Example.com;transport=tls` → `example.com`; none → ''. */
export function domainOf(remoteParty: string): string {
  const withoutScheme = remoteParty.replace(/^(sips?|tel|h323):/i, '');
  const at = withoutScheme.lastIndexOf('@');
  if (at === -1) return '';
  return withoutScheme.slice(at + 1).split(/[;:>?]/)[0]?.toLowerCase() ?? '';
}

export function domainMatches(ruleDomain: string, domain: string): boolean {
  if (ruleDomain === '*') return true;
  if (domain === '') return false;
  if (ruleDomain.startsWith('*.')) return domain.endsWith(ruleDomain.slice(1));
  return ruleDomain === domain;
}

/** Rules that may place a call to `remoteParty`, best first. */
export function routesFor(
  rules: readonly OutboundRule[],
  remoteParty: string,
  context: { readonly tenant: string | null; readonly callBridge: string },
): OutboundRule[] {
  const domain = domainOf(remoteParty);
  return rules
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => domainMatches(rule.domain, domain))
    .filter(({ rule }) => rule.tenant === null || rule.tenant === context.tenant)
    .filter(({ rule }) => rule.scope !== 'callBridge' || rule.callBridge === context.callBridge)
    .sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index)
    .map(({ rule }) => rule);
}
