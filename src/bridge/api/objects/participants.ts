/**
 * `/participants`, `/participants/<id>`, `/participants/<id>/callLegs`, `/calls/<id>/participants`
 * and `PUT /calls/<id>/participants/*`. Each participant of this bridge has exactly one call leg
 * (the bridge hosts SIP and app legs only; no Lync multi-leg participants). Calls are per call bridge:
 * the lists show this node's participants only, so `<callBridge>` (a participant hosted by a remote
 * clustered bridge) never appears.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { allParticipantsParams, overridesFrom, participantCreateParams, participantModifyParams } from '../../domain/callLeg.ts';
import { CallDirectory } from '../../engine/directory.ts';
import type { LiveLeg } from '../../engine/types.ts';
import { bridgeErrors } from '../../errors.ts';
import { getInteger, getString, readParams } from '../../params.ts';
import type { FormFields } from '../form.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';
import { checkReferences, dialOutRequest, legChanges, legListXml, legName } from './callLegs.ts';
import { liveCallOrThrow, matchesFilter, pageOf } from './calls.ts';
import { nonEmpty } from './coSpaces.ts';

function participantOrThrow(ctx: BridgeContext, id: string): LiveLeg {
  const leg = ctx.engine.legOfParticipant(id);
  if (!leg) throw bridgeErrors.notFound('participantDoesNotExist');
  return leg;
}

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
  const directory = new CallDirectory(ctx.storage, ctx.node.id);

  route(app, '/participants', {
    GET: ({ query }) => Promise.resolve(xml(participantListXml(ctx, ctx.engine.legs(), query))),
  });

  route(app, '/calls/:id/participants', {
    GET: ({ params, query }) => {
      const call = liveCallOrThrow(ctx, params['id'] ?? '');
      return Promise.resolve(xml(participantListXml(ctx, ctx.engine.legs().filter((l) => l.callId === call.id), query)));
    },
    POST: async ({ params, body }) => {
      const values = readParams(body, participantCreateParams, 'create', { required: ['remoteParty'] });
      const call = liveCallOrThrow(ctx, params['id'] ?? '');
      await checkReferences(ctx, values, participantCreateParams);
      const callBridge = getString(values, 'callBridge');
      // Only this call bridge can place the participant (calls are per node; no distributed calls).
      if (callBridge && callBridge !== ctx.node.id) throw bridgeErrors.refused('callBridgeUnavailable');
      if (values.get('callBridgeGroup')) throw bridgeErrors.refused('callBridgeGroupUnavailable');
      const request = await dialOutRequest(ctx, directory, call, values);
      const leg = ctx.engine.dialOut(call.id, request);
      if (!leg) throw bridgeErrors.notFound('callDoesNotExist');
      return created(`/api/v1/participants/${leg.participantId}`);
    },
  });

  route(app, '/calls/:id/participants/*', {
    PUT: ({ params, body }) => {
      if (params['*'] !== '*') throw bridgeErrors.unrecognizedObject();
      const values = readParams(body, allParticipantsParams, 'modify');
      const call = liveCallOrThrow(ctx, params['id'] ?? '');
      const ids = (getString(values, 'filterIds') ?? '').split(',').filter((s) => s !== '').map((s) => s.toLowerCase());
      const selected = getString(values, 'mode') === 'selected';
      const { set, unset } = overridesFrom(values);
      const importance = getInteger(values, 'importance');
      for (const leg of ctx.engine.legs()) {
        if (leg.callId !== call.id) continue;
        if (selected !== ids.includes(leg.participantId)) continue;
        ctx.engine.modifyLeg(leg.id, {
          setOverrides: set,
          unsetOverrides: unset,
          ...(importance === undefined ? {} : { importance }),
        });
      }
      return Promise.resolve(ok);
    },
  });

  route(app, '/participants/:id', {
    GET: ({ params }) => Promise.resolve(xml(participantDetailXml(participantOrThrow(ctx, params['id'] ?? '')))),
    PUT: async ({ params, body }) => {
      const values = readParams(body, participantModifyParams, 'modify');
      const leg = participantOrThrow(ctx, params['id'] ?? '');
      await checkReferences(ctx, values, participantModifyParams);
      const changes = await legChanges(ctx, directory, leg, values);
      if (!ctx.engine.modifyLeg(leg.id, changes)) throw bridgeErrors.notFound('participantDoesNotExist');
      return ok;
    },
    DELETE: ({ params }) => {
      const leg = participantOrThrow(ctx, params['id'] ?? '');
      ctx.engine.hangUp(leg.id, { reason: 'apiInitiatedTeardown', remoteTeardown: false });
      return Promise.resolve(ok);
    },
  });

  route(app, '/participants/:id/callLegs', {
    GET: ({ params, query }) => {
      const leg = participantOrThrow(ctx, params['id'] ?? '');
      return Promise.resolve(xml(legListXml([leg], query)));
    },
  });
}
