/**
 * `/cospaceBulkParameterSets` and `/cospaceBulkSyncs` (paths match in any case: TMS sends
 * `cospaceBulk...`, the 2.0 guide prints `coSpaceBulk...`). A sync POST answers at once; the sync runs
 * on the bridge's job queue and its status moves `pending` → `running` → final.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { doesNotExist } from '../../domain/coSpace.ts';
import {
  applyBulkParameterSetParams,
  BULK_REFERENCES,
  bulkParameterSetParams,
  bulkSyncParams,
  type CoSpaceBulkParameterSet,
  type CoSpaceBulkSync,
} from '../../domain/coSpaceBulk.ts';
import { bridgeErrors } from '../../errors.ts';
import { queueBulkSync } from '../../jobs/coSpaceBulkSync.ts';
import { getBoolean, getString, readParams } from '../../params.ts';
import type { BridgeStores } from '../../storage/index.ts';
import { newGuid } from '../../../shared/ids.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement } from '../xml.ts';
import { referenceExists } from './references.ts';

function setDetailXml(set: CoSpaceBulkParameterSet): string {
  return xmlDocument({
    tag: 'cospaceBulkParameterSet',
    attrs: { id: set.id },
    children: [
      ['startIndex', set.startIndex],
      ['endIndex', set.endIndex],
      ['coSpaceUriMapping', set.coSpaceUriMapping ?? undefined],
      ['coSpaceNameMapping', set.coSpaceNameMapping ?? undefined],
      ['coSpaceCallIdMapping', set.coSpaceCallIdMapping ?? undefined],
      ['tenant', set.tenant ?? undefined],
      ['callProfile', set.callProfile ?? undefined],
      ['callLegProfile', set.callLegProfile ?? undefined],
      ['callBrandingProfile', set.callBrandingProfile ?? undefined],
      ['nonMemberAccess', set.nonMemberAccess],
    ],
  });
}

function syncElement(sync: CoSpaceBulkSync, detail: boolean): XmlElement {
  return {
    tag: 'cospaceBulkSync',
    attrs: { id: sync.id },
    children: [
      ['cospaceBulkParameterSet', sync.parameterSet],
      ['status', sync.status],
      ...(detail ? ([['removeAll', sync.removeAll]] as const) : []),
    ],
  };
}

async function checkReferences(stores: BridgeStores, set: CoSpaceBulkParameterSet, values: ReturnType<typeof readParams>): Promise<void> {
  for (const [field, collection] of BULK_REFERENCES) {
    const sent = getString(values, field);
    const id = set[field];
    if (sent !== undefined && sent !== null && typeof id === 'string' && !(await referenceExists(stores, collection, id))) {
      throw bridgeErrors.referenceNotFound(doesNotExist(collection));
    }
  }
}

export function registerCoSpaceBulk(app: FastifyInstance, ctx: BridgeContext): void {
  const { storage } = ctx;

  route(app, '/cospaceBulkParameterSets', {
    GET: async ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const { total, items } = await storage.coSpaceBulk.listSets(page.offset, page.limit);
      const elements: XmlElement[] = items.map((s) => ({
        tag: 'cospaceBulkParameterSet',
        attrs: { id: s.id },
        children: [
          ['startIndex', s.startIndex],
          ['endIndex', s.endIndex],
        ],
      }));
      return xml(xmlList('cospaceBulkParameterSets', total, elements));
    },
    POST: async ({ body }) => {
      const values = readParams(body, bulkParameterSetParams, 'create', { required: ['startIndex', 'endIndex'] });
      const set = applyBulkParameterSetParams(undefined, values);
      await storage.transaction(async (stores) => {
        await checkReferences(stores, set, values);
        await stores.coSpaceBulk.insertSet(set);
      });
      return created(`/api/v1/cospaceBulkParameterSets/${set.id}`);
    },
  });

  route(app, '/cospaceBulkParameterSets/:id', {
    GET: async ({ params }) => {
      const set = await storage.coSpaceBulk.getSet(params['id'] ?? '');
      if (!set) throw bridgeErrors.notFound('cospaceBulkParameterSetDoesNotExist');
      return xml(setDetailXml(set));
    },
    PUT: async ({ params, body }) => {
      const values = readParams(body, bulkParameterSetParams, 'modify');
      await storage.transaction(async (stores) => {
        const existing = await stores.coSpaceBulk.getSet(params['id'] ?? '');
        if (!existing) throw bridgeErrors.notFound('cospaceBulkParameterSetDoesNotExist');
        const next = applyBulkParameterSetParams(existing, values);
        await checkReferences(stores, next, values);
        await stores.coSpaceBulk.updateSet(next);
      });
      return ok;
    },
    DELETE: async ({ params }) => {
      // The coSpaces the set made stay (a sync with removeAll=true first removes them).
      if (!(await storage.coSpaceBulk.deleteSet(params['id'] ?? ''))) throw bridgeErrors.notFound('cospaceBulkParameterSetDoesNotExist');
      return ok;
    },
  });

  route(app, '/cospaceBulkSyncs', {
    GET: async ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const { total, items } = await storage.coSpaceBulk.listSyncs(page.offset, page.limit);
      return xml(xmlList('cospaceBulkSyncs', total, items.map((s) => syncElement(s, false))));
    },
    POST: async ({ body }) => {
      const values = readParams(body, bulkSyncParams, 'create', { required: ['cospaceBulkParameterSet'] });
      const now = ctx.clock.now();
      const sync: CoSpaceBulkSync = {
        id: newGuid(),
        parameterSet: getString(values, 'cospaceBulkParameterSet') ?? '',
        removeAll: getBoolean(values, 'removeAll') ?? false,
        // A set that does not exist is not refused here: the sync ends `failedNoSuchParameterSet`, as CMS documents.
        status: 'pending',
        callBridge: ctx.node.id,
        createdMs: now,
        updatedMs: now,
      };
      await storage.coSpaceBulk.insertSync(sync);
      queueBulkSync(ctx, sync.id);
      return created(`/api/v1/cospaceBulkSyncs/${sync.id}`);
    },
  });

  route(app, '/cospaceBulkSyncs/:id', {
    GET: async ({ params }) => {
      const sync = await storage.coSpaceBulk.getSync(params['id'] ?? '');
      if (!sync) throw bridgeErrors.notFound('cospaceBulkSyncDoesNotExist');
      return xml(xmlDocument(syncElement(sync, true)));
    },
  });
}
