/** SQL for bulk coSpaces: parameter sets, syncs, and the namespace queries a sync needs. */
import type { Kysely, Selectable } from 'kysely';
import { fromFlag, toFlag } from '../../shared/database.ts';
import type { BulkSyncStatus, CoSpaceBulkParameterSet, CoSpaceBulkSync } from '../domain/coSpaceBulk.ts';
import type { BridgeDatabase, CoSpaceBulkParameterSetTable, CoSpaceBulkSyncTable } from './schema.ts';

/** Values per `IN (...)` list: well under SQLite's and Postgres's bound-parameter limits. */
const IN_CHUNK = 500;

function toSet(row: Selectable<CoSpaceBulkParameterSetTable>): CoSpaceBulkParameterSet {
  return {
    id: row.id,
    startIndex: row.start_index,
    endIndex: row.end_index,
    coSpaceUriMapping: row.uri_mapping,
    coSpaceNameMapping: row.name_mapping,
    coSpaceCallIdMapping: row.call_id_mapping,
    tenant: row.tenant,
    callProfile: row.call_profile,
    callLegProfile: row.call_leg_profile,
    callBrandingProfile: row.call_branding_profile,
    nonMemberAccess: fromFlag(row.non_member_access),
  };
}

function toSetRow(set: CoSpaceBulkParameterSet): Omit<CoSpaceBulkParameterSetTable, 'seq'> {
  return {
    id: set.id,
    start_index: set.startIndex,
    end_index: set.endIndex,
    uri_mapping: set.coSpaceUriMapping,
    name_mapping: set.coSpaceNameMapping,
    call_id_mapping: set.coSpaceCallIdMapping,
    tenant: set.tenant,
    call_profile: set.callProfile,
    call_leg_profile: set.callLegProfile,
    call_branding_profile: set.callBrandingProfile,
    non_member_access: toFlag(set.nonMemberAccess),
  };
}

function toSync(row: Selectable<CoSpaceBulkSyncTable>): CoSpaceBulkSync {
  return {
    id: row.id,
    parameterSet: row.parameter_set,
    removeAll: fromFlag(row.remove_all),
    status: row.status as BulkSyncStatus,
    callBridge: row.call_bridge,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
  };
}

function chunks<T>(values: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

export class CoSpaceBulkStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  // -- parameter sets ---------------------------------------------------------------------------

  async getSet(id: string): Promise<CoSpaceBulkParameterSet | undefined> {
    const row = await this.db.selectFrom('co_space_bulk_parameter_set').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSet(row) : undefined;
  }

  async listSets(offset: number, limit: number): Promise<{ total: number; items: CoSpaceBulkParameterSet[] }> {
    const countRow = await this.db
      .selectFrom('co_space_bulk_parameter_set')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    const total = Number(countRow.n);
    if (limit === 0 || offset >= total) return { total, items: [] };
    const rows = await this.db.selectFrom('co_space_bulk_parameter_set').selectAll().orderBy('seq').limit(limit).offset(offset).execute();
    return { total, items: rows.map(toSet) };
  }

  async insertSet(set: CoSpaceBulkParameterSet): Promise<void> {
    await this.db.insertInto('co_space_bulk_parameter_set').values(toSetRow(set)).execute();
  }

  async updateSet(set: CoSpaceBulkParameterSet): Promise<void> {
    const { id, ...rest } = toSetRow(set);
    await this.db.updateTable('co_space_bulk_parameter_set').set(rest).where('id', '=', id).execute();
  }

  async deleteSet(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('co_space_bulk_parameter_set').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // -- syncs ------------------------------------------------------------------------------------

  async getSync(id: string): Promise<CoSpaceBulkSync | undefined> {
    const row = await this.db.selectFrom('co_space_bulk_sync').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSync(row) : undefined;
  }

  async listSyncs(offset: number, limit: number): Promise<{ total: number; items: CoSpaceBulkSync[] }> {
    const countRow = await this.db
      .selectFrom('co_space_bulk_sync')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    const total = Number(countRow.n);
    if (limit === 0 || offset >= total) return { total, items: [] };
    const rows = await this.db.selectFrom('co_space_bulk_sync').selectAll().orderBy('seq').limit(limit).offset(offset).execute();
    return { total, items: rows.map(toSync) };
  }

  async insertSync(sync: CoSpaceBulkSync): Promise<void> {
    await this.db
      .insertInto('co_space_bulk_sync')
      .values({
        id: sync.id,
        parameter_set: sync.parameterSet,
        remove_all: toFlag(sync.removeAll),
        status: sync.status,
        call_bridge: sync.callBridge,
        detail: null,
        created_ms: sync.createdMs,
        updated_ms: sync.updatedMs,
      })
      .execute();
  }

  async setSyncStatus(id: string, status: BulkSyncStatus, nowMs: number, detail: string | null = null): Promise<void> {
    await this.db.updateTable('co_space_bulk_sync').set({ status, detail, updated_ms: nowMs }).where('id', '=', id).execute();
  }

  /** Syncs a node accepted that are in one of `statuses`, oldest first. */
  async syncsOfNode(callBridge: string, statuses: readonly BulkSyncStatus[]): Promise<CoSpaceBulkSync[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db
      .selectFrom('co_space_bulk_sync')
      .selectAll()
      .where('call_bridge', '=', callBridge)
      .where('status', 'in', statuses)
      .orderBy('seq')
      .execute();
    return rows.map(toSync);
  }

  // -- the coSpaces a set made ------------------------------------------------------------------

  /** Deletes every coSpace made from `set` (their access methods and members go with them); returns their ids. */
  async deleteCoSpacesOf(set: string): Promise<string[]> {
    const rows = await this.db.selectFrom('co_space').select('id').where('bulk_parameter_set', '=', set).execute();
    if (rows.length > 0) await this.db.deleteFrom('co_space').where('bulk_parameter_set', '=', set).execute();
    return rows.map((r) => r.id);
  }

  async countCoSpacesOf(set: string): Promise<number> {
    const row = await this.db
      .selectFrom('co_space')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('bulk_parameter_set', '=', set)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The first of `uris` already used as a coSpace uri or secondaryUri or an access method's uri. */
  async firstUsedUri(uris: readonly string[]): Promise<string | undefined> {
    for (const chunk of chunks(uris)) {
      const direct = await this.db
        .selectFrom('co_space')
        .select(['uri', 'secondary_uri'])
        .where((eb) => eb.or([eb('uri', 'in', chunk), eb('secondary_uri', 'in', chunk)]))
        .limit(1)
        .executeTakeFirst();
      if (direct) return (direct.uri !== null && chunk.includes(direct.uri) ? direct.uri : direct.secondary_uri) ?? undefined;
      const viaAccess = await this.db.selectFrom('access_method').select('uri').where('uri', 'in', chunk).limit(1).executeTakeFirst();
      if (viaAccess?.uri) return viaAccess.uri;
    }
    return undefined;
  }

  /** The first of `callIds` already used by a coSpace or an access method. */
  async firstUsedCallId(callIds: readonly string[]): Promise<string | undefined> {
    for (const chunk of chunks(callIds)) {
      const direct = await this.db.selectFrom('co_space').select('call_id').where('call_id', 'in', chunk).limit(1).executeTakeFirst();
      if (direct?.call_id) return direct.call_id;
      const viaAccess = await this.db.selectFrom('access_method').select('call_id').where('call_id', 'in', chunk).limit(1).executeTakeFirst();
      if (viaAccess?.call_id) return viaAccess.call_id;
    }
    return undefined;
  }
}
