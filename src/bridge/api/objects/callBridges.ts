/**
 * `/callBridges`: every call bridge of the cluster. Each running bridge process registers itself here
 * (by name) on start, so every node of a cluster on one database lists all of them, as TMS expects
 * when it discovers a cluster.
 */
import type { FastifyInstance } from 'fastify';
import { newGuid } from '../../../shared/ids.ts';
import type { BridgeContext } from '../../context.ts';
import { callBridgeParams } from '../../domain/callBridge.ts';
import { doesNotExist } from '../../domain/coSpace.ts';
import { bridgeErrors } from '../../errors.ts';
import { getString, readParams, type ParamValues } from '../../params.ts';
import type { CallBridgeRecord } from '../../storage/callBridgeStore.ts';
import type { BridgeStores } from '../../storage/index.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList } from '../xml.ts';
import { referenceExists } from './references.ts';

async function apply(stores: BridgeStores, existing: CallBridgeRecord | undefined, values: ParamValues): Promise<CallBridgeRecord> {
  const pick = (name: string, current: string | null): string | null => {
    const v = getString(values, name);
    return v === undefined ? current : v;
  };
  const next: CallBridgeRecord = {
    id: existing?.id ?? newGuid(),
    name: pick('name', existing?.name ?? null) ?? '',
    address: pick('address', existing?.address ?? null),
    sipDomain: pick('sipDomain', existing?.sipDomain ?? null),
    callBridgeGroup: pick('callBridgeGroup', existing?.callBridgeGroup ?? null),
    isNode: existing?.isNode ?? false,
  };
  if (next.name === '') throw bridgeErrors.parameterError('name', 'missingParameter');
  const clash = await stores.callBridges.getByName(next.name);
  if (clash && clash.id !== next.id) throw bridgeErrors.duplicate('duplicateCallBridgeName');
  if (next.callBridgeGroup !== null && !(await referenceExists(stores, 'callBridgeGroups', next.callBridgeGroup))) {
    throw bridgeErrors.referenceNotFound(doesNotExist('callBridgeGroups'));
  }
  return next;
}

export function registerCallBridges(app: FastifyInstance, ctx: BridgeContext): void {
  const { storage } = ctx;
  route(app, '/callBridges', {
    GET: async ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const all = await storage.callBridges.list();
      const items = all.slice(page.offset, page.offset + page.limit).map((b) => ({
        tag: 'callBridge',
        attrs: { id: b.id },
        children: [['name', b.name]] as const,
      }));
      return xml(xmlList('callBridges', all.length, items));
    },
    POST: async ({ body }) => {
      const values = readParams(body, callBridgeParams, 'create', { required: ['name'] });
      const record = await storage.namespaceTransaction(async (stores) => {
        const next = await apply(stores, undefined, values);
        await stores.callBridges.insert(next, null);
        return next;
      });
      return created(`/api/v1/callBridges/${record.id}`);
    },
  });
  route(app, '/callBridges/:id', {
    GET: async ({ params }) => {
      const bridge = await storage.callBridges.get(params['id'] ?? '');
      if (!bridge) throw bridgeErrors.notFound('callBridgeDoesNotExist');
      return xml(
        xmlDocument({
          tag: 'callBridge',
          attrs: { id: bridge.id },
          children: [
            ['name', bridge.name],
            ['address', bridge.address ?? null],
            ['sipDomain', bridge.sipDomain ?? null],
            ['callBridgeGroup', bridge.callBridgeGroup ?? undefined],
          ],
        }),
      );
    },
    PUT: async ({ params, body }) => {
      const values = readParams(body, callBridgeParams, 'modify');
      await storage.namespaceTransaction(async (stores) => {
        const existing = await stores.callBridges.get(params['id'] ?? '');
        if (!existing) throw bridgeErrors.notFound('callBridgeDoesNotExist');
        await stores.callBridges.update(await apply(stores, existing, values), null);
      });
      return ok;
    },
    DELETE: async ({ params }) => {
      const id = params['id'] ?? '';
      if (id === ctx.node.id) throw bridgeErrors.invalidOperation();
      if (!(await storage.callBridges.delete(id))) throw bridgeErrors.notFound('callBridgeDoesNotExist');
      return ok;
    },
  });
}

/**
 * Registers this process as a call bridge of the cluster: reuses the row with its name (so its id is
 * stable across restarts) or creates one, and records the address it listens on.
 */
export async function registerNode(
  storage: BridgeStores & { namespaceTransaction: <T>(fn: (s: BridgeStores) => Promise<T>) => Promise<T> },
  name: string,
  address: string,
  nowMs: number,
): Promise<CallBridgeRecord> {
  return storage.namespaceTransaction(async (stores) => {
    const existing = await stores.callBridges.getByName(name);
    const record: CallBridgeRecord = {
      id: existing?.id ?? newGuid(),
      name,
      address,
      sipDomain: existing?.sipDomain ?? null,
      callBridgeGroup: existing?.callBridgeGroup ?? null,
      isNode: true,
    };
    if (existing) await stores.callBridges.update(record, nowMs);
    else await stores.callBridges.insert(record, nowMs);
    return record;
  });
}
