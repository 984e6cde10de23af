/**
 * Every declarative configuration kind (`domain/configKinds.ts`) as `/<collection>` (GET list, POST)
 * and `/<collection>/<id>` (GET, PUT, DELETE). Deleting an object other objects refer to is allowed,
 * and unsets those references in the same transaction (docs/cms-compatibility.md).
 */
import type { FastifyInstance } from 'fastify';
import { newGuid } from '../../../shared/ids.ts';
import type { BridgeContext } from '../../context.ts';
import {
  applyConfigParams,
  CONFIG_KINDS,
  matchesListQuery,
  readUsageFilter,
  type ConfigFields,
  type ConfigKind,
  type ConfigNamespace,
} from '../../domain/configKinds.ts';
import { doesNotExist } from '../../domain/coSpace.ts';
import { bridgeErrors } from '../../errors.ts';
import { readParams } from '../../params.ts';
import type { BridgeStores } from '../../storage/index.ts';
import { CONFIG_PAGE_CAP, readPage } from '../paging.ts';
import { created, ok, route, xml } from '../routes.ts';
import { xmlDocument, xmlList, type XmlElement, type XmlValue } from '../xml.ts';
import { nonEmpty } from './coSpaces.ts';
import { referenceExists } from './references.ts';

export function configNamespace(stores: BridgeStores): ConfigNamespace {
  return {
    referenceExists: (collection, id) => referenceExists(stores, collection, id),
    siblings: async (collection, except) => (await stores.configObjects.list(collection)).filter((o) => o.id !== except),
  };
}

/** The element for one object: `fields` in parameter-table order; `all` = every field, else `names`. */
export function configElement(kind: ConfigKind, id: string, fields: ConfigFields, names: readonly string[] | 'all'): XmlElement {
  const wanted = names === 'all' ? kind.params.map((p) => p.name) : names;
  const showEmpty = new Set(names === 'all' ? (kind.showEmpty ?? []) : []);
  const children: Array<readonly [string, XmlValue]> = [];
  for (const name of wanted) {
    const value = fields[name];
    if (value !== undefined) children.push([name, value]);
    else if (showEmpty.has(name)) children.push([name, null]);
  }
  return { tag: kind.element, attrs: { id }, children };
}

function registerKind(app: FastifyInstance, ctx: BridgeContext, kind: ConfigKind): void {
  const { storage } = ctx;
  const notFound = doesNotExist(kind.collection);

  route(app, `/${kind.collection}`, {
    GET: async ({ query }) => {
      const page = readPage(query, CONFIG_PAGE_CAP);
      const usage = kind.filters.includes('usageFilter') ? readUsageFilter(query.get('usageFilter')) : undefined;
      const listQuery = {
        filter: query.get('filter'),
        tenant: nonEmpty(query.get('tenantFilter')),
        callLegProfile: nonEmpty(query.get('callLegProfileFilter')),
        usage,
      };
      const referenced = usage === undefined ? new Set<string>() : await storage.references.referencedIds(kind.collection);
      const matches = (await storage.configObjects.list(kind.collection)).filter((o) => matchesListQuery(kind, o, listQuery, referenced));
      const items = matches.slice(page.offset, page.offset + page.limit).map((o) => configElement(kind, o.id, o.fields, kind.summary));
      return xml(xmlList(kind.collection, matches.length, items));
    },
    POST: async ({ body }) => {
      const values = readParams(body, kind.params, 'create', { required: kind.required ?? [] });
      const id = newGuid();
      await storage.namespaceTransaction(async (stores) => {
        const fields = await applyConfigParams(kind, id, undefined, values, configNamespace(stores));
        await stores.configObjects.insert({ kind: kind.collection, id, fields });
      });
      ctx.logger.debug({ kind: kind.collection, id }, 'configuration object created');
      return created(`/api/v1/${kind.collection}/${id}`);
    },
  });

  route(app, `/${kind.collection}/:id`, {
    GET: async ({ params }) => {
      const id = params['id'] ?? '';
      const object = await storage.configObjects.get(kind.collection, id);
      if (!object) throw bridgeErrors.notFound(notFound);
      return xml(xmlDocument(configElement(kind, object.id, object.fields, 'all')));
    },
    PUT: async ({ params, body }) => {
      const values = readParams(body, kind.params, 'modify');
      const id = params['id'] ?? '';
      await storage.namespaceTransaction(async (stores) => {
        const existing = await stores.configObjects.get(kind.collection, id);
        if (!existing) throw bridgeErrors.notFound(notFound);
        const fields = await applyConfigParams(kind, id, existing.fields, values, configNamespace(stores));
        await stores.configObjects.update({ kind: kind.collection, id, fields });
      });
      return ok;
    },
    DELETE: async ({ params }) => {
      const id = params['id'] ?? '';
      await storage.namespaceTransaction(async (stores) => {
        if (!(await stores.configObjects.delete(kind.collection, id))) throw bridgeErrors.notFound(notFound);
        await stores.references.unsetReferences(kind.collection, id);
      });
      return ok;
    },
  });
}

export function registerConfigObjects(app: FastifyInstance, ctx: BridgeContext): void {
  for (const kind of CONFIG_KINDS) registerKind(app, ctx, kind);
}
