/** `POST /accessQuery` (parameters in the body, or in the query string as the blueprint's path shows). */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { accessQueryParams, coSpaceDomain, readAccessQuery } from '../../domain/accessQuery.ts';
import { doesNotExist, type CoSpace } from '../../domain/coSpace.ts';
import { bridgeErrors } from '../../errors.ts';
import { readParams } from '../../params.ts';
import type { BridgeStores } from '../../storage/index.ts';
import { route, xml } from '../routes.ts';
import { xmlDocument, type XmlValue } from '../xml.ts';
import { referenceExists } from './references.ts';

interface Match {
  readonly coSpace: CoSpace;
  readonly accessMethod?: string;
}

async function byUri(stores: BridgeStores, uri: string): Promise<Match | undefined> {
  const owner = await stores.coSpaces.uriOwner(uri, undefined);
  const coSpace = owner === undefined ? undefined : await stores.coSpaces.get(owner);
  if (coSpace && (coSpace.uri === uri || coSpace.secondaryUri === uri)) return { coSpace };
  const method = await stores.accessMethods.findByUri(uri);
  const methodSpace = method ? await stores.coSpaces.get(method.coSpace) : undefined;
  return method && methodSpace ? { coSpace: methodSpace, accessMethod: method.id } : undefined;
}

async function byCallId(stores: BridgeStores, callId: string): Promise<Match | undefined> {
  const owner = await stores.coSpaces.callIdOwner(callId, undefined);
  const coSpace = owner === undefined ? undefined : await stores.coSpaces.get(owner);
  if (coSpace && coSpace.callId === callId) return { coSpace };
  const method = await stores.accessMethods.findByCallId(callId);
  const methodSpace = method ? await stores.coSpaces.get(method.coSpace) : undefined;
  return method && methodSpace ? { coSpace: methodSpace, accessMethod: method.id } : undefined;
}

export function registerAccessQuery(app: FastifyInstance, ctx: BridgeContext): void {
  const { storage } = ctx;
  route(app, '/accessQuery', {
    POST: async ({ body, query }) => {
      const q = readAccessQuery(readParams(body.size > 0 ? body : query, accessQueryParams, 'create'));
      if (q.tenant !== undefined && !(await referenceExists(storage, 'tenants', q.tenant))) {
        throw bridgeErrors.referenceNotFound(doesNotExist('tenants'));
      }
      let match = q.uri !== undefined ? await byUri(storage, q.uri) : await byCallId(storage, q.callId ?? '');
      if (match && q.tenant !== undefined && match.coSpace.tenant !== q.tenant) match = undefined;
      const children: Array<readonly [string, XmlValue]> = [];
      if (match) {
        children.push(['coSpace', match.coSpace.id]);
        if (match.accessMethod !== undefined) children.push(['accessMethod', match.accessMethod]);
        if (q.uri !== undefined) {
          const domain = coSpaceDomain(await storage.configObjects.list('inboundDialPlanRules'), match.coSpace.tenant);
          if (domain !== undefined) children.push(['uri', `${q.uri}@${domain}`]);
        }
        if (q.callId !== undefined) children.push(['callId', q.callId]);
      }
      return xml(xmlDocument({ tag: 'accessQuery', children }));
    },
  });
}
