/**
 * The scheduler's view of a bridge on the Bridges page: its system name and domain, the conference-ID
 * range with the provisioning state of its `TMS_Scheduled_Meeting_N` spaces, which spaces are in use
 * by a meeting, which could not be found, and the warnings TMS would show.
 */
import { html, type SafeHtml } from '../html.ts';
import type { BridgeSection } from './pages.ts';

/** What the section shows of a bridge the scheduler manages (the scheduler's `BridgeView`, read-only). */
export interface ManagedBridgeView {
  readonly name: string | null;
  readonly domain: string | null;
  readonly conferenceIdRange: { readonly start: number; readonly end: number } | null;
  readonly provisioning: { readonly state: string; readonly error: string | null };
  readonly spaces: {
    readonly total: number;
    readonly inUse: number;
    readonly missing: readonly number[];
    readonly list: ReadonlyArray<{ readonly number: number; readonly coSpace: string | null; readonly inUse: boolean }>;
  };
  readonly warnings: readonly string[];
}

/** The port up.ts passes in (src/webPorts.ts): the managed bridges at a CMS API address. */
export interface ManagedBridges {
  at(baseUrl: string): Promise<readonly ManagedBridgeView[]>;
}

const PROVISION_CLASS: Record<string, string> = { provisioned: 'ok', failed: 'bad', provisioning: 'warn', none: 'warn' };

function rangeSection(b: ManagedBridgeView): SafeHtml {
  const range = b.conferenceIdRange;
  const spaces = b.spaces.list;
  return html`<h3>Scheduling</h3>
<dl class="facts">
  <dt>System name</dt><dd>${b.name ?? html`<span class="muted">not set</span>`}</dd>
  <dt>Domain</dt><dd>${b.domain ?? html`<span class="muted">not set</span>`}</dd>
  <dt>Conference IDs</dt><dd>${range ? `${range.start}–${range.end}` : html`<span class="muted">not set</span>`}</dd>
  <dt>Provisioning</dt><dd><span class="state ${PROVISION_CLASS[b.provisioning.state] ?? ''}">${b.provisioning.state}</span>${
    b.provisioning.error ? html` <span class="error">${b.provisioning.error}</span>` : ''
  }</dd>
  <dt>Spaces</dt><dd>${b.spaces.total} provisioned, ${b.spaces.inUse} in use${b.spaces.missing.length > 0 ? html`, <span class="error">${b.spaces.missing.length} missing</span>` : ''}</dd>
</dl>
${b.warnings.length > 0 ? html`<ul class="warnings">${b.warnings.map((w) => html`<li class="error">${w}</li>`)}</ul>` : ''}
${spaces.length > 0
    ? html`<details><summary>Scheduled-meeting spaces (${spaces.length})</summary>
<table><caption class="visually-hidden">Spaces of the conference-ID range</caption>
<thead><tr><th scope="col">Number</th><th scope="col">State</th></tr></thead>
<tbody>${spaces.map(
        (s) => html`<tr><th scope="row">${s.number}</th><td><span class="state ${s.inUse ? 'ok' : s.coSpace === null ? 'bad' : ''}">${
          s.inUse ? 'in use' : s.coSpace === null ? 'missing' : 'free'
        }</span></td></tr>`,
      )}</tbody></table></details>`
    : ''}`;
}

/** A Bridges-page section for every bridge the scheduler manages at that bridge's address. */
export function schedulerBridgeSection(bridges: ManagedBridges): BridgeSection {
  return async (_request, bridge) => {
    const managed = await bridges.at(bridge.api.endpoint.baseUrl);
    if (managed.length === 0) return html`<p class="muted">Not managed by this system's scheduler.</p>`;
    return html`${managed.map(rangeSection)}`;
  };
}
