/**
 * `/calls` and `/calls/<id>`: live calls of this call bridge. POST instantiates a coSpace's call (or
 * an ad hoc call by name); DELETE ends it and every leg in it.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { callParams } from '../../domain/call.ts';
import { seconds } from '../../engine/recordBuilders.ts';
import type { LiveCall } from '../../engine/types.ts';
import { readParams } from '../../params.ts';
import { LIVE_PAGE_CAP, readPage } from '../paging.ts';
import type { FormFields } from '../form.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';
import { nonEmpty } from './coSpaces.ts';

/** A page of an in-memory live list, with `total` counting every match. */
export function pageOf<T>(items: readonly T[], query: FormFields): { total: number; items: T[] } {
  const page = readPage(query, LIVE_PAGE_CAP);
  return { total: items.length, items: items.slice(page.offset, page.offset + page.limit) };
}

/** Case-insensitive substring match of `filter` against any of `values`. */
export function matchesFilter(filter: string | undefined, ...values: ReadonlyArray<string | null | undefined>): boolean {
  if (filter === undefined || filter === '') return true;
  const needle = filter.toLowerCase();
  return values.some((v) => v?.toLowerCase().includes(needle) === true);
}

function callDetailXml(ctx: BridgeContext, call: LiveCall): string {
  const s = call.settings;
  return xmlDocument({
    tag: 'call',
    attrs: { id: call.id },
    children: [
      ['name', call.name],
      ['callType', call.callType],
      ['coSpace', call.coSpace ?? undefined],
      ['tenant', call.tenant ?? undefined],
      ['ownerName', call.ownerName ?? undefined],
      ['callCorrelator', call.callCorrelator],
      ['durationSeconds', seconds(ctx.clock.now() - call.startedAtMs)],
      ['numCallLegs', call.joined],
      ['maxCallLegs', call.maxJoined],
      ['numParticipantsLocal', call.joined],
      ['numParticipantsRemote', 0],
      ['numDistributedInstances', 0],
      ['locked', s.locked],
      ['recording', s.recording],
      ['recordingStatus', call.recordingId !== null],
      ['streaming', s.streaming],
      ['streamingStatus', call.streamingId !== null],
      ['allowAllMuteSelf', s.allowAllMuteSelf],
      ['allowAllPresentationContribution', s.allowAllPresentationContribution],
      ['joinAudioMuteOverride', s.joinAudioMuteOverride ?? undefined],
      ['messageText', s.messageText ?? undefined],
      ['messagePosition', s.messagePosition],
      ['messageDuration', s.messageDuration],
      ['activeWhenEmpty', s.activeWhenEmpty],
      ['endpointRecording', false],
      ['panePlacementHighestImportance', s.panePlacementHighestImportance ?? undefined],
      ['panePlacementSelfPaneMode', s.panePlacementSelfPaneMode ?? undefined],
    ],
  });
}

export function registerCalls(app: FastifyInstance, ctx: BridgeContext): void {
  route(app, '/calls', {
    GET: ({ query }) => {
      const coSpace = nonEmpty(query.get('coSpaceFilter'));
      const tenant = nonEmpty(query.get('tenantFilter'));
      const filter = query.get('filter');
      const matching = ctx.engine
        .calls()
        .filter((c) => (coSpace === undefined || c.coSpace === coSpace) && (tenant === undefined || c.tenant === tenant))
        .filter((c) => matchesFilter(filter, c.name));
      const { total, items } = pageOf(matching, query);
      const elements: XmlElement[] = items.map((c) => ({
        tag: 'call',
        attrs: { id: c.id },
        children: [
          ['name', c.name],
          ['coSpace', c.coSpace ?? undefined],
          ['callCorrelator', c.callCorrelator],
          ['tenant', c.tenant ?? undefined],
        ],
      }));
      return Promise.resolve(xml(xmlList('calls', total, elements)));
    },
    POST: async ({ body }) => {
      const call = await ctx.calls.startCall(readParams(body, callParams, 'create'));
      return created(`/api/v1/calls/${call.id}`);
    },
  });

  route(app, '/calls/:id', {
    GET: ({ params }) => Promise.resolve(xml(callDetailXml(ctx, ctx.calls.callOrThrow(params['id'] ?? '')))),
    PUT: ({ params, body }) => {
      ctx.calls.modifyCall(params['id'] ?? '', readParams(body, callParams, 'modify'));
      return Promise.resolve(ok);
    },
    DELETE: ({ params }) => {
      ctx.calls.endCall(params['id'] ?? '');
      return Promise.resolve(ok);
    },
  });
}
