/**
 * Live: the meetings in progress on each bridge with their participants' call legs and states,
 * refreshed without reload (htmx polls the fragment every few seconds). Bookers mute or drop a
 * participant and add a dial-out — all through the bridge's CMS API (`/calls`, `/callLegs`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebError, webErrors } from '../errors.ts';
import { html, type SafeHtml } from '../html.ts';
import type { WebKit } from '../kit.ts';
import type { WebPart } from '../registry.ts';
import { attrOf, child } from '../../clients/cms/xml.ts';
import { text, viaBridge } from './bridgeClient.ts';
import type { BridgeConnection } from './pages.ts';

export const POLL_SECONDS = 2;

/** Calls, and legs of a call, read per poll at most. */
const MAX_ITEMS = 1000;

interface LiveLegView {
  readonly id: string;
  readonly name: string;
  readonly remoteParty: string;
  readonly state: string;
  readonly direction: string;
  readonly durationSeconds: number;
  readonly muted: boolean;
  readonly alarms: string[];
}

interface LiveCallView {
  readonly id: string;
  readonly name: string;
  readonly legs: LiveLegView[];
}

async function liveCalls(bridge: BridgeConnection): Promise<LiveCallView[]> {
  const { items: calls } = await viaBridge(bridge.api.listAll('/calls', 'call', {}, MAX_ITEMS));
  return Promise.all(
    calls.map(async (call) => {
      const id = attrOf(call, 'id') ?? '';
      const { items: legs } = await viaBridge(bridge.api.listAll(`/calls/${id}/callLegs`, 'callLeg', {}, MAX_ITEMS));
      const details = await Promise.all(
        legs.map(async (leg) => {
          const legId = attrOf(leg, 'id') ?? '';
          const detail = await viaBridge(bridge.api.getOptional(`/callLegs/${legId}`));
          const status = child(detail, 'status');
          const configuration = child(detail, 'configuration');
          const alarms = child(detail, 'alarms');
          return {
            id: legId,
            name: text(leg, 'name'),
            remoteParty: text(leg, 'remoteParty'),
            state: text(status, 'state') || 'ended',
            direction: text(detail, 'direction'),
            durationSeconds: Number(text(status, 'durationSeconds') || 0),
            muted: text(configuration, 'rxAudioMute') === 'true',
            alarms: alarms ? alarms.children.map((alarm) => alarm.name) : [],
          };
        }),
      );
      return { id, name: text(call, 'name'), legs: details };
    }),
  );
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

const STATE_CLASS: Record<string, string> = { connected: 'ok', ringing: 'warn', initial: 'warn', onHold: 'warn' };

function legRow(kit: WebKit, request: FastifyRequest, bridge: BridgeConnection, leg: LiveLegView): SafeHtml {
  const canAct = kit.can(request, 'book');
  const base = `/live/${bridge.key}/callLegs/${leg.id}`;
  return html`<tr id="leg-${leg.id}">
  <th scope="row">${leg.name || leg.remoteParty}${leg.name && leg.name !== leg.remoteParty ? html`<br><span class="muted">${leg.remoteParty}</span>` : ''}</th>
  <td><span class="state ${STATE_CLASS[leg.state] ?? 'bad'}">${leg.state}</span>${leg.alarms.length > 0 ? html` <span class="state bad">${leg.alarms.join(', ')}</span>` : ''}</td>
  <td>${leg.direction}</td>
  <td class="num">${duration(leg.durationSeconds)}</td>
  <td>${leg.muted ? 'muted' : 'audio on'}</td>
  ${canAct
    ? html`<td class="actions">
    <form method="post" action="${base}/mute" class="inline" hx-post="${base}/mute" hx-target="#live" hx-select="#live" hx-swap="outerHTML">${kit.csrfField(request)}
      <input type="hidden" name="mute" value="${leg.muted ? 'false' : 'true'}">
      <button type="submit" class="secondary" id="mute-${leg.id}">${leg.muted ? 'Unmute' : 'Mute'} ${leg.name || leg.remoteParty}</button>
    </form>
    <form method="post" action="${base}/drop" class="inline" hx-post="${base}/drop" hx-target="#live" hx-select="#live" hx-swap="outerHTML">${kit.csrfField(request)}
      <button type="submit" class="danger" id="drop-${leg.id}">Drop ${leg.name || leg.remoteParty}</button>
    </form>
  </td>`
    : ''}
</tr>`;
}

async function liveSection(kit: WebKit, request: FastifyRequest, bridges: readonly BridgeConnection[], failure?: WebError): Promise<SafeHtml> {
  const canAct = kit.can(request, 'book');
  const sections = await Promise.all(
    bridges.map(async (bridge) => {
      let calls: LiveCallView[];
      try {
        calls = await liveCalls(bridge);
      } catch (error) {
        if (error instanceof WebError) return html`<p class="error" role="alert">${bridge.label}: ${error.message}</p>`;
        throw error;
      }
      return html`${calls.length === 0 ? html`<p class="muted">No meetings in progress on ${bridge.label}.</p>` : ''}
${calls.map(
  (call) => html`<section class="card" aria-labelledby="call-${call.id}">
  <h2 id="call-${call.id}">${call.name || 'Unnamed call'} <span class="muted">· ${bridge.label}</span></h2>
  <table>
    <caption>Participants (${call.legs.filter((l) => l.state === 'connected').length} connected of ${call.legs.length})</caption>
    <thead><tr><th scope="col">Participant</th><th scope="col">State</th><th scope="col">Direction</th><th scope="col" class="num">Duration</th><th scope="col">Audio</th>${canAct ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
    <tbody>${call.legs.map((leg) => legRow(kit, request, bridge, leg))}</tbody>
  </table>
  ${canAct
    ? // A plain form (post/redirect/get): the page reloads with the field cleared. hx-preserve keeps
      // what is being typed across the polls until then.
      html`<form method="post" action="/live/${bridge.key}/calls/${call.id}/dialOut" class="inline">${kit.csrfField(request)}
    <label for="dial-${call.id}">Add a dial-out to ${call.name || 'this call'}</label>
    <input id="dial-${call.id}" name="remoteParty" placeholder="alice@example.com" required maxlength="512" hx-preserve="true">
    <button type="submit">Dial</button>
  </form>`
    : ''}
</section>`,
)}`;
    }),
  );
  // The polling container: htmx replaces it with the fresh one every POLL_SECONDS; focus stays put
  // because forms inside are re-rendered only when the list changes shape.
  return html`<div id="live" hx-get="/live?fragment=1" hx-trigger="every ${POLL_SECONDS}s" hx-select="#live" hx-swap="outerHTML" aria-live="off">
${failure === undefined ? '' : html`<p class="error" role="alert">${failure.message}</p>`}
${sections}
<p class="muted"><small>Updated ${new Date(kit.clock.now()).toISOString().slice(11, 19)} UTC; refreshes every ${POLL_SECONDS} s.</small></p>
</div>`;
}

export function livePart(bridges: readonly BridgeConnection[]): WebPart {
  const byKey = (key: string): BridgeConnection => {
    const bridge = bridges.find((b) => b.key === key);
    if (!bridge) throw webErrors.notFound('bridge');
    return bridge;
  };
  const page = async (kit: WebKit, request: FastifyRequest, reply: FastifyReply, failure?: WebError): Promise<FastifyReply> => {
    const body = await liveSection(kit, request, bridges, failure);
    const query = request.query as Record<string, unknown>;
    if (query['fragment'] === '1' && failure === undefined) return kit.fragment(reply, body);
    return kit.page(request, reply, { title: 'Live meetings', status: failure?.status ?? 200, body });
  };
  const act = async (kit: WebKit, request: FastifyRequest, reply: FastifyReply, action: () => Promise<void>): Promise<FastifyReply> => {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof WebError) || error.status >= 500) throw error;
      return page(kit, request, reply, error);
    }
    return kit.redirect(reply, '/live');
  };
  return {
    name: 'live',
    summary: 'Meetings in progress: participants and their states, mute, drop, add a dial-out.',
    nav: [{ href: '/live', label: 'Live', permission: 'view', order: 30 }],
    register(app: FastifyInstance, kit: WebKit) {
      const book = { permission: 'book' as const };
      app.get('/live', (request, reply) => page(kit, request, reply));

      app.post('/live/:key/callLegs/:leg/mute', { config: book }, (request: FastifyRequest<{ Params: { key: string; leg: string } }>, reply) =>
        act(kit, request, reply, async () => {
          const mute = kit.form(request).get('mute') === 'false' ? 'false' : 'true';
          await viaBridge(byKey(request.params.key).api.update(`/callLegs/${encodeURIComponent(request.params.leg)}`, { rxAudioMute: mute }));
          kit.logger.info({ callLeg: request.params.leg, mute, by: kit.user(request).username }, 'participant mute changed');
        }),
      );

      app.post('/live/:key/callLegs/:leg/drop', { config: book }, (request: FastifyRequest<{ Params: { key: string; leg: string } }>, reply) =>
        act(kit, request, reply, async () => {
          await viaBridge(byKey(request.params.key).api.remove(`/callLegs/${encodeURIComponent(request.params.leg)}`));
          kit.logger.info({ callLeg: request.params.leg, by: kit.user(request).username }, 'participant dropped');
        }),
      );

      app.post('/live/:key/calls/:call/dialOut', { config: book }, (request: FastifyRequest<{ Params: { key: string; call: string } }>, reply) =>
        act(kit, request, reply, async () => {
          const remoteParty = kit.form(request).get('remoteParty');
          if (remoteParty === '' || remoteParty.length > 512 || /\s/.test(remoteParty)) throw webErrors.invalidField('remoteParty', 'Give the address to dial, e.g. alice@example.com.');
          await viaBridge(byKey(request.params.key).api.create(`/calls/${encodeURIComponent(request.params.call)}/callLegs`, { remoteParty }));
          kit.logger.info({ call: request.params.call, remoteParty, by: kit.user(request).username }, 'dial-out added');
        }),
      );
    },
  };
}
