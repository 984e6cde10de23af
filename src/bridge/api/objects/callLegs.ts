/**
 * `/callLegs`, `/callLegs/<id>` and `/calls/<id>/callLegs`: the live legs of this call bridge. POST
 * dials out (the simulated far end decides what happens next); PUT changes live settings; DELETE
 * hangs up (`apiInitiatedTeardown`).
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { CONFIGURATION_ORDER, callLegParams, layerConfiguration } from '../../domain/callLeg.ts';
import { ALARM_TYPES, type AlarmType } from '../../engine/endpoints.ts';
import { seconds } from '../../engine/recordBuilders.ts';
import type { LiveLeg } from '../../engine/types.ts';
import { bridgeErrors } from '../../errors.ts';
import { parseBoolean, readParams } from '../../params.ts';
import type { FormFields } from '../form.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement, type XmlValue } from '../xml.ts';
import { matchesFilter, pageOf } from './calls.ts';
import { nonEmpty } from './coSpaces.ts';

export function legName(leg: LiveLeg): string {
  return leg.nameLabelOverride ?? leg.displayName ?? '';
}

export function legLayout(leg: LiveLeg): string {
  const configured = leg.overrides.get('defaultLayout') ?? leg.profile.get('defaultLayout');
  return leg.chosenLayout ?? (typeof configured === 'string' ? configured : 'automatic');
}

export function activeAlarms(leg: LiveLeg): AlarmType[] {
  return ALARM_TYPES.filter((t) => leg.alarmSinceMs.has(t));
}

function availableVideoStreams(leg: LiveLeg): number {
  return leg.state === 'connected' && leg.media.txVideo ? 1 : 0;
}

const ALARM_FILTER = /^(all|(packetLoss|excessiveJitter|highRoundTripTime)(\|(packetLoss|excessiveJitter|highRoundTripTime))*)$/i;

function boundOf(query: FormFields, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw bridgeErrors.parameterError(name, 'invalidValue');
  return Number(raw);
}

/** The list filters of `/callLegs` (cms-api.md §1.7). */
export function legListFilter(query: FormFields): (leg: LiveLeg) => boolean {
  const filter = query.get('filter');
  const participant = nonEmpty(query.get('participantFilter'));
  const tenant = nonEmpty(query.get('tenantFilter'));
  const layout = nonEmpty(query.get('activeLayoutFilter'));
  const lower = boundOf(query, 'availableVideoStreamsLowerBound');
  const upper = boundOf(query, 'availableVideoStreamsUpperBound');
  const ownerIdSetRaw = query.get('ownerIdSet');
  const ownerIdSet = ownerIdSetRaw === undefined || ownerIdSetRaw === '' ? undefined : parseBoolean(ownerIdSetRaw);
  if (ownerIdSetRaw !== undefined && ownerIdSetRaw !== '' && ownerIdSet === undefined) throw bridgeErrors.parameterError('ownerIdSet', 'invalidValue');
  const alarmsRaw = query.get('alarms');
  if (alarmsRaw !== undefined && alarmsRaw !== '' && !ALARM_FILTER.test(alarmsRaw)) throw bridgeErrors.parameterError('alarms', 'invalidValue');
  const wanted = alarmsRaw === undefined || alarmsRaw === '' ? undefined : alarmsRaw.toLowerCase().split('|');
  return (leg) => {
    if (!matchesFilter(filter, legName(leg), leg.remoteParty)) return false;
    if (participant !== undefined && leg.participantId !== participant) return false;
    if (tenant !== undefined && leg.tenant !== tenant) return false;
    if (layout !== undefined && legLayout(leg).toLowerCase() !== layout) return false;
    const streams = availableVideoStreams(leg);
    if (lower !== undefined && streams < lower) return false;
    if (upper !== undefined && streams > upper) return false;
    if (ownerIdSet !== undefined && (leg.ownerId !== null) !== ownerIdSet) return false;
    if (wanted) {
      const active = activeAlarms(leg).map((a) => a.toLowerCase());
      if (wanted[0] === 'all' ? active.length === 0 : !active.some((a) => wanted.includes(a))) return false;
    }
    return true;
  };
}

function alarmsElement(leg: LiveLeg): XmlElement | undefined {
  const alarms = activeAlarms(leg);
  return alarms.length === 0 ? undefined : { tag: 'alarms', children: alarms.map((a) => ({ tag: a })) };
}

export function legListXml(legs: readonly LiveLeg[], query: FormFields): string {
  const { total, items } = pageOf(legs.filter(legListFilter(query)), query);
  const elements: XmlElement[] = items.map((leg) => ({
    tag: 'callLeg',
    attrs: { id: leg.id },
    children: [
      ['name', legName(leg)],
      ['remoteParty', leg.remoteParty],
      ['originalRemoteParty', leg.originalRemoteParty],
      ['call', leg.callId ?? undefined],
      ['tenant', leg.tenant ?? undefined],
      ['alarms', alarmsElement(leg)],
    ],
  }));
  return xmlList('callLegs', total, elements);
}

export function legDetailXml(ctx: BridgeContext, leg: LiveLeg): string {
  const effective = layerConfiguration(leg.profile, leg.overrides);
  const configuration: Array<readonly [string, XmlValue]> = [
    ['ownerId', leg.ownerId ?? undefined],
    ['chosenLayout', leg.chosenLayout ?? undefined],
    ...CONFIGURATION_ORDER.map((name) => [name, effective.get(name)] as const),
    ['nameLabelOverride', leg.nameLabelOverride ?? undefined],
  ];
  const live = leg.state === 'connected';
  const m = leg.media;
  const status: Array<readonly [string, XmlValue]> = [
    ['state', leg.state],
    ['durationSeconds', seconds(ctx.clock.now() - leg.createdAtMs)],
    ['direction', leg.direction],
    ['sipCallId', leg.type === 'sip' ? leg.sipCallId : undefined],
    ['groupId', leg.groupId],
    ['recording', false],
    ['streaming', false],
    ['deactivated', leg.deactivated],
    ['encryptedMedia', live ? m.encryptedMedia === true : undefined],
    ['unencryptedMedia', live ? m.encryptedMedia !== true : undefined],
    ['layout', legLayout(leg)],
    ['activeLayout', live ? legLayout(leg) : undefined],
    ['availableVideoStreams', availableVideoStreams(leg)],
    ['rxAudio', live && m.rxAudio ? { tag: 'rxAudio', children: [['codec', m.rxAudio.codec]] } : undefined],
    ['txAudio', live && m.txAudio ? { tag: 'txAudio', children: [['codec', m.txAudio.codec]] } : undefined],
    [
      'rxVideo',
      live && m.rxVideo
        ? { tag: 'rxVideo', attrs: { role: 'main' }, children: [['codec', m.rxVideo.codec], ['width', m.rxVideo.maxSizeWidth], ['height', m.rxVideo.maxSizeHeight]] }
        : undefined,
    ],
    [
      'txVideo',
      live && m.txVideo
        ? { tag: 'txVideo', attrs: { role: 'main' }, children: [['codec', m.txVideo.codec], ['width', m.txVideo.maxSizeWidth], ['height', m.txVideo.maxSizeHeight]] }
        : undefined,
    ],
  ];
  return xmlDocument({
    tag: 'callLeg',
    attrs: { id: leg.id },
    children: [
      ['name', legName(leg)],
      ['remoteParty', leg.remoteParty],
      ['originalRemoteParty', leg.originalRemoteParty],
      ['localAddress', leg.localAddress ?? undefined],
      ['call', leg.callId ?? undefined],
      ['tenant', leg.tenant ?? undefined],
      ['type', leg.type],
      ['direction', leg.direction],
      ['canMove', leg.direction === 'outgoing'],
      ['configuration', { tag: 'configuration', children: configuration }],
      ['status', { tag: 'status', children: status }],
      ['alarms', alarmsElement(leg)],
    ],
  });
}

export function registerCallLegs(app: FastifyInstance, ctx: BridgeContext): void {
  route(app, '/callLegs', {
    GET: ({ query }) => Promise.resolve(xml(legListXml(ctx.engine.legs(), query))),
  });

  route(app, '/calls/:id/callLegs', {
    GET: ({ params, query }) => {
      const call = ctx.calls.callOrThrow(params['id'] ?? '');
      const legs = ctx.engine.legs().filter((l) => l.callId === call.id);
      return Promise.resolve(xml(legListXml(legs, query)));
    },
    POST: async ({ params, body }) => {
      const leg = await ctx.calls.dialOut(params['id'] ?? '', readParams(body, callLegParams, 'create', { required: ['remoteParty'] }));
      return created(`/api/v1/callLegs/${leg.id}`);
    },
  });

  route(app, '/callLegs/:id', {
    GET: ({ params }) => Promise.resolve(xml(legDetailXml(ctx, ctx.calls.legOrThrow(params['id'] ?? '')))),
    PUT: async ({ params, body }) => {
      await ctx.calls.modifyLeg(params['id'] ?? '', readParams(body, callLegParams, 'modify'));
      return ok;
    },
    DELETE: ({ params }) => {
      ctx.calls.hangUpLeg(params['id'] ?? '');
      return Promise.resolve(ok);
    },
  });
}
