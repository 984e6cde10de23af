/**
 * `/system/profiles` (GET / PUT; POST is `invalidOperation` as on CMS) and `/system/database`.
 * The top-level profiles are one configuration object (kind `systemProfiles`, fixed id), so the call
 * engine reads them from the configuration object store like any profile.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../../context.ts';
import { applyConfigParams, SYSTEM_PROFILES_ID, systemProfiles } from '../../domain/configKinds.ts';
import { readParams } from '../../params.ts';
import { ok, route, xml } from '../routes.ts';
import { xmlDocument } from '../xml.ts';
import { configElement, configNamespace } from './configObjects.ts';

export function registerSystemConfig(app: FastifyInstance, ctx: BridgeContext): void {
  const { storage } = ctx;

  route(app, '/system/profiles', {
    GET: async () => {
      const object = await storage.configObjects.get(systemProfiles.collection, SYSTEM_PROFILES_ID);
      const element = configElement(systemProfiles, SYSTEM_PROFILES_ID, object?.fields ?? {}, 'all');
      return xml(xmlDocument({ tag: 'profiles', children: element.children ?? [] }));
    },
    PUT: async ({ body }) => {
      const values = readParams(body, systemProfiles.params, 'modify');
      await storage.namespaceTransaction(async (stores) => {
        const existing = await stores.configObjects.get(systemProfiles.collection, SYSTEM_PROFILES_ID);
        const fields = await applyConfigParams(systemProfiles, SYSTEM_PROFILES_ID, existing?.fields ?? {}, values, configNamespace(stores));
        const object = { kind: systemProfiles.collection, id: SYSTEM_PROFILES_ID, fields };
        if (existing) await stores.configObjects.update(object);
        else await stores.configObjects.insert(object);
      });
      return ok;
    },
  });

  route(app, '/system/database', {
    // One database shared by every call bridge of a cluster: "clustered" when that database is
    // Postgres (a cluster's database), "disabled" on embedded SQLite.
    GET: () => Promise.resolve(xml(xmlDocument({ tag: 'database', attrs: { clustered: storage.dialect === 'postgres' ? 'enabled' : 'disabled' } }))),
  });
}
