/**
 * Bridges pages: each bridge's status, cluster call bridges, warnings (alarms) and spaces, read over
 * the CMS API; for our own bridge, its admin settings as the CMS web admin has them, starting with
 * Configure > CDR settings (up to 4 receiver URIs, edited through `/system/cdrReceivers`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebError, webErrors } from '../errors.ts';
import { html, type SafeHtml } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';
import type { CmsClient } from '../../clients/cms/client.ts';
import { attrOf, listOf, type XmlNode } from '../../clients/cms/xml.ts';
import { text, viaBridge } from './bridgeClient.ts';

export const MAX_CDR_RECEIVERS = 4;

/** Delivery figures the bridge keeps per receiver (not on the CMS wire; our own bridge only). */
export interface ReceiverDelivery {
  readonly id: string;
  /** Records delivered since the bridge started. */
  readonly delivered: number;
  /** Records waiting for this receiver. */
  readonly backlog: number;
  /** Set while posts to this receiver fail: the alarm's failure reason. */
  readonly failing?: string;
}

export interface BridgeConnection {
  /** URL-safe key: /bridges/KEY/... */
  readonly key: string;
  readonly label: string;
  readonly api: CmsClient;
  /** Present for the bridge running in this process. */
  readonly deliveryStatus?: () => readonly ReceiverDelivery[];
}

/** Extra sections from other parts (the scheduler adds conference range and provisioning state). */
export type BridgeSection = (request: FastifyRequest, bridge: BridgeConnection) => Promise<SafeHtml>;

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await fn() };
  } catch (error) {
    if (error instanceof WebError) return { error: error.message };
    throw error;
  }
}

function uptime(seconds: string): string {
  const s = Number(seconds);
  if (!Number.isFinite(s) || seconds === '') return '';
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

async function bridgeSummary(bridge: BridgeConnection): Promise<SafeHtml> {
  const status = await attempt(() => viaBridge(bridge.api.getObject('/system/status')));
  if ('error' in status) {
    return html`<p class="error" role="alert"><span class="state bad">unreachable</span> ${status.error}</p>`;
  }
  const s = status.ok;
  const [callBridges, coSpaces, alarms] = await Promise.all([
    attempt(() => viaBridge(bridge.api.listPage('/callBridges', 'callBridge'))),
    attempt(() => viaBridge(bridge.api.listPage('/coSpaces', 'coSpace', { limit: 20 }))),
    attempt(() => viaBridge(bridge.api.getOptional('/system/alarms'))),
  ]);
  const nodes = 'ok' in callBridges ? callBridges.ok : undefined;
  const spaces = 'ok' in coSpaces ? coSpaces.ok : undefined;
  const warnings = 'ok' in alarms && alarms.ok !== undefined ? listOf(alarms.ok, 'alarm') : undefined;
  return html`
<dl class="facts">
  <dt>State</dt><dd><span class="state ok">reachable</span></dd>
  <dt>Software version</dt><dd>${text(s, 'softwareVersion')}</dd>
  <dt>Up for</dt><dd>${uptime(text(s, 'uptimeSeconds'))}</dd>
  <dt>Active call legs</dt><dd>${text(s, 'callLegsActive')}</dd>
  <dt>Completed call legs</dt><dd>${text(s, 'callLegsCompleted')}</dd>
</dl>
<h3>Warnings</h3>
${warnings === undefined
  ? html`<p class="muted">This bridge does not report alarms.</p>`
  : warnings.items.length === 0
    ? html`<p><span class="state ok">none</span></p>`
    : html`<ul>${warnings.items.map((a) => html`<li><span class="state bad">${text(a, 'type')}</span> for ${text(a, 'activeTimeSeconds')} s${text(a, 'failureReason') === '' ? '' : html`: ${text(a, 'failureReason')}`}</li>`)}</ul>`}
<table>
  <caption>Cluster call bridges${nodes ? html` (${nodes.total})` : ''}</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Address</th><th scope="col">SIP domain</th></tr></thead>
  <tbody>${nodes
    ? nodes.items.map((n) => html`<tr><th scope="row">${text(n, 'name')}</th><td>${text(n, 'address')}</td><td>${text(n, 'sipDomain')}</td></tr>`)
    : html`<tr><td colspan="3">${'error' in callBridges ? callBridges.error : ''}</td></tr>`}</tbody>
</table>
<table>
  <caption>Spaces${spaces ? html` (${spaces.total}${spaces.total > spaces.items.length ? html`, first ${spaces.items.length} shown` : ''})` : ''}</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">URI</th><th scope="col">Call ID</th></tr></thead>
  <tbody>${spaces
    ? spaces.items.length === 0
      ? html`<tr><td colspan="3" class="muted">No spaces yet.</td></tr>`
      : spaces.items.map((c) => html`<tr><th scope="row">${text(c, 'name')}</th><td>${text(c, 'uri')}</td><td>${text(c, 'callId')}</td></tr>`)
    : html`<tr><td colspan="3">${'error' in coSpaces ? coSpaces.error : ''}</td></tr>`}</tbody>
</table>`;
}

interface Receiver {
  readonly id: string;
  readonly uri: string;
}

async function readReceivers(bridge: BridgeConnection): Promise<Receiver[] | undefined> {
  const doc = await viaBridge(bridge.api.getOptional('/system/cdrReceivers'));
  if (doc === undefined) return undefined;
  return listOf(doc, 'cdrReceiver').items.map((r) => ({ id: attrOf(r, 'id') ?? '', uri: text(r, 'uri') }));
}

const HIDDEN = '********';

/**
 * A receiver URI as someone who may not change it sees it: the userinfo password and every query value
 * hidden (an ingest token such as `?token=…` lives there). Parsed with the WHATWG URL parser; a value it
 * cannot parse is hidden whole.
 */
export function maskedUri(value: string): string {
  if (value === '') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return HIDDEN;
  }
  const user = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : `:${HIDDEN}`}@`;
  const query = [...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${HIDDEN}`).join('&');
  const authority = url.host === '' ? '' : `//${user}${url.host}`;
  return `${url.protocol}${authority}${url.pathname}${query === '' ? '' : `?${query}`}${url.hash === '' ? '' : `#${HIDDEN}`}`;
}

export function checkReceiverUri(value: string, field: string): string {
  if (value === '') return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw webErrors.invalidField(field, `"${value}" is not a URI: give http://host[:port]/path or https://...`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw webErrors.invalidField(field, 'A CDR receiver URI starts with http:// or https://.');
  if (value.length > 255) throw webErrors.invalidField(field, 'A CDR receiver URI has at most 255 characters.');
  // The URL parser drops tabs and newlines silently; a receiver URI is sent exactly as written.
  if (/[\p{Cc}\s]/u.test(value)) throw webErrors.invalidField(field, 'A CDR receiver URI has no spaces or control characters.');
  return value;
}

function deliveryCell(bridge: BridgeConnection, receiver: Receiver | undefined, alarms: readonly XmlNode[]): SafeHtml {
  if (!receiver) return html`<span class="muted">not configured</span>`;
  if (receiver.uri === '') return html`<span class="muted">no URI</span>`;
  const delivery = bridge.deliveryStatus?.().find((d) => d.id === receiver.id);
  if (delivery) {
    const figures = html` ${delivery.delivered} delivered, ${delivery.backlog} waiting`;
    return delivery.failing === undefined
      ? html`<span class="state ok">delivering</span>${figures}`
      : html`<span class="state bad">failing: ${delivery.failing}</span>${figures}`;
  }
  // A bridge that only tells us over the CMS API: its cdrConnectionFailure alarms are not per receiver.
  return alarms.some((a) => text(a, 'type') === 'cdrConnectionFailure')
    ? html`<span class="state warn">a receiver is failing</span>`
    : html`<span class="muted">no alarm</span>`;
}

async function cdrSettingsPage(
  kit: WebKit,
  bridge: BridgeConnection,
  request: FastifyRequest,
  reply: FastifyReply,
  failure?: { error: WebError; values: string[] },
): Promise<FastifyReply> {
  const receivers = await readReceivers(bridge);
  if (receivers === undefined) {
    return kit.page(request, reply, {
      title: `CDR settings — ${bridge.label}`,
      body: html`<p>This bridge does not offer <code>/system/cdrReceivers</code> yet.</p><p><a href="/bridges">Back to bridges</a></p>`,
    });
  }
  const alarmsDoc = await attempt(() => viaBridge(bridge.api.getOptional('/system/alarms')));
  const alarms = 'ok' in alarmsDoc ? listOf(alarmsDoc.ok, 'alarm').items : [];
  const editable = kit.can(request, 'manageBridges');
  const slots = Array.from({ length: MAX_CDR_RECEIVERS }, (_, i) => receivers[i]);
  return kit.page(request, reply, {
    title: `CDR settings — ${bridge.label}`,
    status: failure?.error.status ?? 200,
    error: failure?.error.message,
    body: html`
<p>Configure &gt; CDR settings: where this call bridge pushes its Call Detail Records (up to ${MAX_CDR_RECEIVERS} receivers).</p>
<form method="post" action="/bridges/${bridge.key}/cdr" class="card">${kit.csrfField(request)}
<table>
  <caption>CDR receivers</caption>
  <thead><tr><th scope="col">Receiver</th><th scope="col">URI</th><th scope="col">Delivery</th></tr></thead>
  <tbody>${slots.map((receiver, i) => {
    const field = `uri${i + 1}`;
    // Admins edit the real value (the form saves what it shows); everyone else sees it masked.
    const stored = receiver?.uri ?? '';
    const value = editable ? (failure?.values[i] ?? stored) : maskedUri(stored);
    return html`<tr>
      <th scope="row"><label for="${field}">Receiver URI ${i + 1}</label></th>
      <td><input id="${field}" name="${field}" type="url" size="50" value="${value}"${editable ? '' : html` readonly`}${failure?.error.field === field ? html` aria-invalid="true"` : ''}></td>
      <td>${deliveryCell(bridge, receiver, alarms)}</td>
    </tr>`;
  })}</tbody>
</table>
${editable ? html`<p><button type="submit">Submit</button></p>` : html`<p class="muted">Only admins change CDR settings.</p>`}
</form>
<p><a href="/bridges">Back to bridges</a></p>`,
  });
}

/**
 * Applies the 4 URI fields: changed ones PUT, new ones POST, cleared ones DELETE. All or nothing: the
 * changes the bridge can refuse (a new or changed URI) go first and the deletions last, and when the
 * bridge refuses one, those already made are undone in reverse order before the refusal is reported,
 * so the form never leaves some receivers changed and others not. (The bridge may be a real CMS whose
 * rules the page cannot know in advance, so it is asked, not predicted.) A slot's POST never exceeds
 * the bridge's 4 receivers: it is made only where no receiver exists.
 */
async function saveReceivers(bridge: BridgeConnection, values: string[]): Promise<void> {
  const receivers = (await readReceivers(bridge)) ?? [];
  const undo: Array<() => Promise<unknown>> = [];
  const deletions: Receiver[] = [];
  try {
    for (let i = 0; i < MAX_CDR_RECEIVERS; i++) {
      const value = values[i] ?? '';
      const existing = receivers[i];
      if (existing && value === '') {
        deletions.push(existing);
      } else if (existing && value !== existing.uri) {
        await viaBridge(bridge.api.update(`/system/cdrReceivers/${existing.id}`, { uri: value }));
        undo.push(() => bridge.api.update(`/system/cdrReceivers/${existing.id}`, { uri: existing.uri }));
      } else if (!existing && value !== '') {
        const id = await viaBridge(bridge.api.create('/system/cdrReceivers', { uri: value }));
        undo.push(() => bridge.api.remove(`/system/cdrReceivers/${id}`));
      }
    }
    for (const receiver of deletions) {
      await viaBridge(bridge.api.remove(`/system/cdrReceivers/${receiver.id}`));
      undo.push(() => bridge.api.create('/system/cdrReceivers', { uri: receiver.uri }));
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

export function bridgesPart(bridges: readonly BridgeConnection[], sections: readonly BridgeSection[] = []): WebPart {
  const byKey = (key: string): BridgeConnection => {
    const bridge = bridges.find((b) => b.key === key);
    if (!bridge) throw webErrors.notFound('bridge');
    return bridge;
  };
  return {
    name: 'bridges',
    summary: 'Bridge status, cluster nodes, warnings, spaces and CDR settings.',
    nav: [{ href: '/bridges', label: 'Bridges', permission: 'view', order: 10 }],
    register(app: FastifyInstance, kit: WebKit) {
      app.get('/bridges', async (request, reply) => {
        const cards = await Promise.all(
          bridges.map(async (bridge) => html`<section class="card" aria-labelledby="bridge-${bridge.key}">
  <h2 id="bridge-${bridge.key}">${bridge.label}</h2>
  <p class="muted">${bridge.api.endpoint.baseUrl}/api/v1 · <a href="/bridges/${bridge.key}/cdr">CDR settings</a></p>
  ${await bridgeSummary(bridge)}
  ${await Promise.all(sections.map((section) => section(request, bridge)))}
</section>`),
        );
        return kit.page(request, reply, {
          title: 'Bridges',
          body: bridges.length === 0 ? html`<p>No bridges configured.</p>` : cards,
        });
      });

      app.get('/bridges/:key/cdr', (request: FastifyRequest<{ Params: { key: string } }>, reply) =>
        cdrSettingsPage(kit, byKey(request.params.key), request, reply),
      );

      app.post('/bridges/:key/cdr', { config: { permission: 'manageBridges' } }, async (request: FastifyRequest<{ Params: { key: string } }>, reply) => {
        const bridge = byKey(request.params.key);
        const form = kit.form(request);
        const values = Array.from({ length: MAX_CDR_RECEIVERS }, (_, i) => form.get(`uri${i + 1}`));
        try {
          values.forEach((v, i) => checkReceiverUri(v, `uri${i + 1}`));
          await saveReceivers(bridge, values);
        } catch (error) {
          if (!(error instanceof WebError) || error.status >= 500) throw error;
          return cdrSettingsPage(kit, bridge, request, reply, { error, values });
        }
        kit.logger.info({ bridge: bridge.key, by: kit.user(request).username }, 'CDR receivers changed');
        return kit.redirect(reply, `/bridges/${bridge.key}/cdr`, 'saved');
      });
    },
  };
}
