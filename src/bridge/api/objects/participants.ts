/**
 * `/participants`, `/participants/<id>`, `/participants/<id>/callLegs`, `/calls/<id>/participants`
 * and `PUT /calls/<id>/participants/*`. Each participant of this bridge has exactly one call leg
 * (the bridge hosts SIP and app legs only; no Lync multi-leg participants). Calls are per call bridge:
 * the lists show this node's participants only, so `<callBridge>` (a participant hosted by a remote
 * clustered bridge) never appears.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { allParticipantsParams, participantCreateParams, participantModifyParams } from '../../domain/callLeg.ts';
import type { LiveLeg } from '../../engine/types.ts';
import { bridgeErrors } from '../../errors.ts';
import { readParams } from '../../params.ts';
import type { FormFields } from '../form.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';
import { legListXml, legName } from './callLegs.ts';
import { matchesFilter, pageOf } from './calls.ts';
import { nonEmpty } from './coSpaces.ts';

function participantListXml(ctx: BridgeContext, legs: readonly LiveLeg[], query: FormFields): string {
  const filter = query.get('filter');
  const tenant = nonEmpty(query.get('tenantFilter'));
  const callBridge = nonEmpty(query.get('callBridgeFilter'));
  const matching = legs.filter(
    (leg) =>
      leg.callId !== null &&
      matchesFilter(filter, legName(leg), leg.remoteParty) &&
      (tenant === undefined || leg.tenant === tenant) &&
      (callBridge === undefined || callBridge === ctx.node.id),
  );
  const { total, items } = pageOf(matching, query);
  const elements: XmlElement[] = items.map((leg) => ({
    tag: 'participant',
    attrs: { id: leg.participantId },
    children: [
      ['name', legName(leg)],
      ['call', leg.callId ?? undefined],
      ['tenant', leg.tenant ?? undefined],
    ],
  }));
  return xmlList('participants', total, elements);
}

function participantDetailXml(leg: LiveLeg): string {
  return xmlDocument({
    tag: 'participant',
    attrs: { id: leg.participantId },
    children: [
      ['name', legName(leg)],
      ['call', leg.callId ?? undefined],
      ['tenant', leg.tenant ?? undefined],
      ['uri', leg.remoteParty],
      ['originalUri', leg.originalRemoteParty],
      ['numCallLegs', 1],
      ['userJid', leg.userJid ?? undefined],
      ['canMove', leg.direction === 'outgoing'],
      ['status', { tag: 'status', children: [['state', leg.state]] }],
      [
        'configuration',
        {
          tag: 'configuration',
          children: [
            ['importance', leg.importance ?? undefined],
            ['nameLabelOverride', leg.nameLabelOverride ?? undefined],
            ['defaultLayout', leg.chosenLayout ?? undefined],
          ],
        },
      ],
    ],
  });
}

export function registerParticipants(app: FastifyInstance, ctx: BridgeContext): void {
  route(app, '/participants', {
    GET: ({ query }) => Promise.resolve(xml(participantListXml(ctx, ctx.engine.legs(), query))),
  });

  route(app, '/calls/:id/participants', {
    GET: ({ params, query }) => {
      const call = ctx.calls.callOrThrow(params['id'] ?? '');
      return Promise.resolve(xml(participantListXml(ctx, ctx.engine.legs().filter((l) => l.callId === call.id), query)));
    },
    POST: async ({ params, body }) => {
      const values = readParams(body, participantCreateParams, 'create', { required: ['remoteParty'] });
      const leg = await ctx.calls.addParticipant(params['id'] ?? '', values);
      return created(`/api/v1/participants/${leg.participantId}`);
    },
  });

  route(app, '/calls/:id/participants/*', {
    PUT: ({ params, body }) => {
      if (params['*'] !== '*') throw bridgeErrors.unrecognizedObject();
      ctx.calls.modifyParticipantsOfCall(params['id'] ?? '', readParams(body, allParticipantsParams, 'modify'));
      return Promise.resolve(ok);
    },
  });

  route(app, '/participants/:id', {
    GET: ({ params }) => Promise.resolve(xml(participantDetailXml(ctx.calls.participantOrThrow(params['id'] ?? '')))),
    PUT: async ({ params, body }) => {
      await ctx.calls.modifyParticipant(params['id'] ?? '', readParams(body, participantModifyParams, 'modify'));
      return ok;
    },
    DELETE: ({ params }) => {
      ctx.calls.removeParticipant(params['id'] ?? '');
      return Promise.resolve(ok);
    },
  });

  route(app, '/participants/:id/callLegs', {
    GET: ({ params, query }) => {
      const leg = ctx.calls.participantOrThrow(params['id'] ?? '');
      return Promise.resolve(xml(legListXml([leg], query)));
    },
  });
}
