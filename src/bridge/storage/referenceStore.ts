/**
 * Where configuration objects are referred to, for `usageFilter=referenced|unreferenced` and for
 * deleting a referenced object (every reference to it is unset in the same transaction). The sites
 * are declared once here: id columns of coSpaces, call bridges and users, and the id fields of the
 * JSON-stored objects (configuration objects, access methods, coSpace members), taken from their
 * parameter tables.
 */
import { sql, type Kysely } from 'kysely';
import { accessMethodParams } from '../domain/accessMethod.ts';
import { coSpaceUserParams } from '../domain/coSpaceUser.ts';
import { referenceFields, STORED_KINDS } from '../domain/configKinds.ts';
import type { ParamDef } from '../params.ts';
import type { BridgeDatabase } from './schema.ts';

type ColumnSite = readonly [table: 'co_space' | 'call_bridge' | 'cms_user', column: string, collection: string];

const COLUMN_SITES: readonly ColumnSite[] = [
  ['co_space', 'tenant', 'tenants'],
  ['co_space', 'call_leg_profile', 'callLegProfiles'],
  ['co_space', 'call_profile', 'callProfiles'],
  ['co_space', 'call_branding_profile', 'callBrandingProfiles'],
  ['co_space', 'dial_in_security_profile', 'dialInSecurityProfiles'],
  ['call_bridge', 'call_bridge_group', 'callBridgeGroups'],
  ['cms_user', 'tenant', 'tenants'],
  ['cms_user', 'user_profile', 'userProfiles'],
];

function idFields(params: readonly ParamDef[], collection: string): string[] {
  return params.flatMap((p) => (p.field.type === 'id' && p.field.collection === collection ? [p.name] : []));
}

type ReferenceFields = Record<string, unknown>;

export class ReferenceStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  /** Ids of `collection` objects referred to from anywhere. */
  async referencedIds(collection: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const [table, column, target] of COLUMN_SITES) {
      if (target !== collection) continue;
      const rows = await sql<{ id: string }>`select distinct ${sql.ref(column)} as id from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(this.db);
      for (const r of rows.rows) ids.add(r.id);
    }
    for (const kind of STORED_KINDS) {
      const fields = referenceFields(kind).flatMap(([f, c]) => (c === collection ? [f] : []));
      if (fields.length === 0) continue;
      const rows = await this.db.selectFrom('config_object').select('fields').where('kind', '=', kind.collection).execute();
      for (const r of rows) collect(JSON.parse(r.fields) as ReferenceFields, fields, ids);
    }
    for (const [table, params] of [
      ['access_method', accessMethodParams],
      ['co_space_user', coSpaceUserParams],
    ] as const) {
      const fields = idFields(params, collection);
      for (const field of fields) {
        const rows = await this.db.selectFrom(table).select('fields').where('fields', 'like', `%"${field}":"%`).execute();
        for (const r of rows) collect(JSON.parse(r.fields) as ReferenceFields, [field], ids);
      }
    }
    return ids;
  }

  /** Unsets every reference to the `collection` object `id`, as if each referrer had been PUT `x=`. */
  async unsetReferences(collection: string, id: string): Promise<void> {
    for (const [table, column, target] of COLUMN_SITES) {
      if (target !== collection) continue;
      await sql`update ${sql.table(table)} set ${sql.ref(column)} = null where ${sql.ref(column)} = ${id}`.execute(this.db);
    }
    const pattern = `%"${id}"%`;
    for (const kind of STORED_KINDS) {
      const fields = referenceFields(kind).flatMap(([f, c]) => (c === collection ? [f] : []));
      if (fields.length === 0) continue;
      const rows = await this.db
        .selectFrom('config_object')
        .select(['id', 'fields'])
        .where('kind', '=', kind.collection)
        .where('fields', 'like', pattern)
        .execute();
      for (const r of rows) {
        const parsed = JSON.parse(r.fields) as ReferenceFields;
        if (!strip(parsed, fields, id)) continue;
        await this.db
          .updateTable('config_object')
          .set({ fields: JSON.stringify(parsed), tenant: typeof parsed['tenant'] === 'string' ? parsed['tenant'] : null })
          .where('id', '=', r.id)
          .execute();
      }
    }
    for (const [table, params] of [
      ['access_method', accessMethodParams],
      ['co_space_user', coSpaceUserParams],
    ] as const) {
      const fields = idFields(params, collection);
      if (fields.length === 0) continue;
      const rows = await this.db.selectFrom(table).select(['id', 'fields']).where('fields', 'like', pattern).execute();
      for (const r of rows) {
        const parsed = JSON.parse(r.fields) as ReferenceFields;
        if (strip(parsed, fields, id)) await this.db.updateTable(table).set({ fields: JSON.stringify(parsed) }).where('id', '=', r.id).execute();
      }
    }
  }
}

function collect(parsed: ReferenceFields, fields: readonly string[], into: Set<string>): void {
  for (const f of fields) {
    const v = parsed[f];
    if (typeof v === 'string') into.add(v);
  }
}

function strip(parsed: ReferenceFields, fields: readonly string[], id: string): boolean {
  let changed = false;
  for (const f of fields) {
    if (parsed[f] === id) {
      Reflect.deleteProperty(parsed, f);
      changed = true;
    }
  }
  return changed;
}
