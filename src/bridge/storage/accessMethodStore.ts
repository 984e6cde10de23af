/** SQL for coSpace access methods: uri / callId / passcode as columns (namespace checks), the rest as JSON. */
import type { Kysely, Selectable } from 'kysely';
import type { AccessMethod } from '../domain/accessMethod.ts';
import type { AccessMethodTable, BridgeDatabase } from './schema.ts';

interface AccessMethodJson {
  name?: string;
  callLegProfile?: string;
  secret?: string;
  scope?: string;
  importance?: number;
  dialInSecurityProfile?: string;
}

function toAccessMethod(row: Selectable<AccessMethodTable>): AccessMethod {
  const f = JSON.parse(row.fields) as AccessMethodJson;
  return {
    id: row.id,
    coSpace: row.co_space,
    uri: row.uri,
    callId: row.call_id,
    passcode: row.passcode,
    name: f.name ?? null,
    callLegProfile: f.callLegProfile ?? null,
    secret: f.secret ?? null,
    scope: f.scope ?? null,
    importance: f.importance ?? null,
    dialInSecurityProfile: f.dialInSecurityProfile ?? null,
  };
}

function fieldsOf(a: AccessMethod): string {
  const f: AccessMethodJson = {};
  if (a.name !== null) f.name = a.name;
  if (a.callLegProfile !== null) f.callLegProfile = a.callLegProfile;
  if (a.secret !== null) f.secret = a.secret;
  if (a.scope !== null) f.scope = a.scope;
  if (a.importance !== null) f.importance = a.importance;
  if (a.dialInSecurityProfile !== null) f.dialInSecurityProfile = a.dialInSecurityProfile;
  return JSON.stringify(f);
}

export class AccessMethodStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  async get(coSpace: string, id: string): Promise<AccessMethod | undefined> {
    const row = await this.db.selectFrom('access_method').selectAll().where('co_space', '=', coSpace).where('id', '=', id).executeTakeFirst();
    return row ? toAccessMethod(row) : undefined;
  }

  /** Every access method of a coSpace, in creation order (a coSpace has few). */
  async listFor(coSpace: string): Promise<AccessMethod[]> {
    const rows = await this.db.selectFrom('access_method').selectAll().where('co_space', '=', coSpace).orderBy('seq').execute();
    return rows.map(toAccessMethod);
  }

  async findByUri(uri: string): Promise<AccessMethod | undefined> {
    const row = await this.db.selectFrom('access_method').selectAll().where('uri', '=', uri).orderBy('seq').executeTakeFirst();
    return row ? toAccessMethod(row) : undefined;
  }

  async findByCallId(callId: string): Promise<AccessMethod | undefined> {
    const row = await this.db.selectFrom('access_method').selectAll().where('call_id', '=', callId).orderBy('seq').executeTakeFirst();
    return row ? toAccessMethod(row) : undefined;
  }

  async insert(a: AccessMethod): Promise<void> {
    await this.db
      .insertInto('access_method')
      .values({ id: a.id, co_space: a.coSpace, uri: a.uri, call_id: a.callId, passcode: a.passcode, fields: fieldsOf(a) })
      .execute();
  }

  async update(a: AccessMethod): Promise<void> {
    await this.db
      .updateTable('access_method')
      .set({ uri: a.uri, call_id: a.callId, passcode: a.passcode, fields: fieldsOf(a) })
      .where('id', '=', a.id)
      .where('co_space', '=', a.coSpace)
      .execute();
  }

  async delete(coSpace: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_method').where('co_space', '=', coSpace).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
