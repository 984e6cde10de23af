/** `/coSpaces/<id>/accessMethods` and `/coSpaces/<id>/accessMethods/<id>`. */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { accessMethodParams, applyAccessMethodParams, type AccessMethod, type AccessMethodNamespace } from '../../domain/accessMethod.ts';
import { SYSTEM_PROFILES_ID } from '../../domain/configKinds.ts';
import type { CoSpace } from '../../domain/coSpace.ts';
import { bridgeErrors } from '../../errors.ts';
import { readParams } from '../../params.ts';
import type { BridgeStores } from '../../storage/index.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';
import { nonEmpty } from './coSpaces.ts';
import { referenceExists } from './references.ts';

/**
 * `minPasscodeLength` of the dial-in security profile in force: the access method's own, else the
 * coSpace's, else its tenant's, else the system profile's.
 */
export async function minPasscodeLength(stores: BridgeStores, own: string | null, coSpace: CoSpace): Promise<number | undefined> {
  let profile = own ?? coSpace.dialInSecurityProfile;
  if (profile === null && coSpace.tenant !== null) {
    const tenant = await stores.configObjects.get('tenants', coSpace.tenant);
    const p = tenant?.fields['dialInSecurityProfile'];
    if (typeof p === 'string') profile = p;
  }
  if (profile === null) {
    const system = await stores.configObjects.get('systemProfiles', SYSTEM_PROFILES_ID);
    const p = system?.fields['dialInSecurityProfile'];
    if (typeof p === 'string') profile = p;
  }
  if (profile === null) return undefined;
  const min = (await stores.configObjects.get('dialInSecurityProfiles', profile))?.fields['minPasscodeLength'];
  return typeof min === 'number' ? min : undefined;
}

function accessMethodNamespace(stores: BridgeStores): AccessMethodNamespace {
  return {
    uriOwner: (uri, except) => stores.coSpaces.uriOwner(uri, except),
    callIdOwner: (callId, except) => stores.coSpaces.callIdOwner(callId, except),
    referenceExists: (collection, id) => referenceExists(stores, collection, id),
    siblings: async (coSpace, except) => (await stores.accessMethods.listFor(coSpace)).filter((a) => a.id !== except),
    minPasscodeLength: (own, coSpace) => minPasscodeLength(stores, own, coSpace),
  };
}

function summary(a: AccessMethod): XmlElement {
  return {
    tag: 'accessMethod',
    attrs: { id: a.id },
    children: [
      ['uri', a.uri ?? undefined],
      ['callId', a.callId ?? undefined],
      ['passcode', a.passcode],
      ['callLegProfile', a.callLegProfile ?? undefined],
    ],
  };
}

function detail(a: AccessMethod): XmlElement {
  return {
    tag: 'accessMethod',
    attrs: { id: a.id },
    children: [
      ['uri', a.uri ?? undefined],
      ['callId', a.callId ?? undefined],
      ['passcode', a.passcode],
      ['name', a.name ?? undefined],
      ['callLegProfile', a.callLegProfile ?? undefined],
      ['secret', a.secret ?? undefined],
      ['scope', a.scope ?? undefined],
      ['importance', a.importance ?? undefined],
      ['dialInSecurityProfile', a.dialInSecurityProfile ?? undefined],
    ],
  };
}

/** `filter`: case-insensitive substring over uri, callId and name. */
function matches(a: AccessMethod, filter: string | undefined, callLegProfile: string | undefined): boolean {
  if (filter !== undefined && filter !== '') {
    const needle = filter.toLowerCase();
    if (![a.uri, a.callId, a.name].some((v) => v !== null && v.toLowerCase().includes(needle))) return false;
  }
  return callLegProfile === undefined || a.callLegProfile === callLegProfile;
}

export function registerAccessMethods(app: FastifyInstance, ctx: BridgeContext): void {
  const { storage } = ctx;

  const coSpaceOf = async (stores: BridgeStores, id: string): Promise<CoSpace> => {
    const coSpace = await stores.coSpaces.get(id);
    if (!coSpace) throw bridgeErrors.notFound('coSpaceDoesNotExist');
    return coSpace;
  };

  route(app, '/coSpaces/:coSpace/accessMethods', {
    GET: async ({ params, query }) => {
      const coSpace = await coSpaceOf(storage, params['coSpace'] ?? '');
      const page = readPage(query, CONFIG_PAGE_CAP);
      const filter = query.get('filter');
      const profile = nonEmpty(query.get('callLegProfileFilter'));
      const all = (await storage.accessMethods.listFor(coSpace.id)).filter((a) => matches(a, filter, profile));
      return xml(xmlList('accessMethods', all.length, all.slice(page.offset, page.offset + page.limit).map(summary)));
    },
    POST: async ({ params, body }) => {
      const values = readParams(body, accessMethodParams, 'create');
      const method = await storage.namespaceTransaction(async (stores) => {
        const coSpace = await coSpaceOf(stores, params['coSpace'] ?? '');
        const next = await applyAccessMethodParams(coSpace, undefined, values, accessMethodNamespace(stores));
        await stores.accessMethods.insert(next);
        return next;
      });
      ctx.events.emit('coSpaceModified', method.coSpace);
      return created(`/api/v1/coSpaces/${method.coSpace}/accessMethods/${method.id}`);
    },
  });

  route(app, '/coSpaces/:coSpace/accessMethods/:id', {
    GET: async ({ params }) => {
      const coSpace = await coSpaceOf(storage, params['coSpace'] ?? '');
      const method = await storage.accessMethods.get(coSpace.id, params['id'] ?? '');
      if (!method) throw bridgeErrors.notFound('accessMethodDoesNotExist');
      return xml(xmlDocument(detail(method)));
    },
    PUT: async ({ params, body }) => {
      const values = readParams(body, accessMethodParams, 'modify');
      const coSpaceId = params['coSpace'] ?? '';
      await storage.namespaceTransaction(async (stores) => {
        const coSpace = await coSpaceOf(stores, coSpaceId);
        const existing = await stores.accessMethods.get(coSpace.id, params['id'] ?? '');
        if (!existing) throw bridgeErrors.notFound('accessMethodDoesNotExist');
        await stores.accessMethods.update(await applyAccessMethodParams(coSpace, existing, values, accessMethodNamespace(stores)));
      });
      ctx.events.emit('coSpaceModified', coSpaceId);
      return ok;
    },
    DELETE: async ({ params }) => {
      const coSpaceId = params['coSpace'] ?? '';
      await storage.namespaceTransaction(async (stores) => {
        await coSpaceOf(stores, coSpaceId);
        if (!(await stores.accessMethods.delete(coSpaceId, params['id'] ?? ''))) throw bridgeErrors.notFound('accessMethodDoesNotExist');
      });
      ctx.events.emit('coSpaceModified', coSpaceId);
      return ok;
    },
  });
}
