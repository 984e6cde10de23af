/** SQL for managed bridges and their scheduled-meeting spaces. */
import type { Kysely, Selectable } from 'kysely';
import { dialectOf, fromFlag, toFlag } from '../../shared/database.ts';
import type { ClusterMember, ManagedBridge, ProvisionState, Space } from '../domain/bridge.ts';
import type { ManagedBridgeTable, SchedulerDatabase, SpaceTable } from './schema.ts';

function toBridge(row: Selectable<ManagedBridgeTable>): ManagedBridge {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    username: row.username,
    passwordEnc: row.password_enc,
    allowSelfSigned: fromFlag(row.allow_self_signed),
    domain: row.domain,
    range: row.range_start === null || row.range_end === null ? null : { start: row.range_start, end: row.range_end },
    callProfile: row.call_profile,
    callLegProfile: row.call_leg_profile,
    bulkParameterSet: row.bulk_parameter_set,
    bulkSync: row.bulk_sync,
    provisionState: row.provision_state as ProvisionState,
    provisionError: row.provision_error,
    missingSpaces: JSON.parse(row.missing_spaces) as number[],
    softwareVersion: row.software_version,
    cluster: JSON.parse(row.cluster) as ClusterMember[],
    alternate:
      row.alternate_address === null || row.alternate_username === null || row.alternate_password_enc === null
        ? null
        : {
            address: row.alternate_address,
            username: row.alternate_username,
            passwordEnc: row.alternate_password_enc,
            allowSelfSigned: fromFlag(row.alternate_allow_self_signed),
          },
    createdMs: row.created_ms,
  };
}

function toRow(b: ManagedBridge): Omit<ManagedBridgeTable, 'seq'> {
  return {
    id: b.id,
    name: b.name,
    address: b.address,
    username: b.username,
    password_enc: b.passwordEnc,
    allow_self_signed: toFlag(b.allowSelfSigned),
    domain: b.domain,
    range_start: b.range?.start ?? null,
    range_end: b.range?.end ?? null,
    call_profile: b.callProfile,
    call_leg_profile: b.callLegProfile,
    bulk_parameter_set: b.bulkParameterSet,
    bulk_sync: b.bulkSync,
    provision_state: b.provisionState,
    provision_error: b.provisionError,
    missing_spaces: JSON.stringify(b.missingSpaces),
    software_version: b.softwareVersion,
    cluster: JSON.stringify(b.cluster),
    alternate_address: b.alternate?.address ?? null,
    alternate_username: b.alternate?.username ?? null,
    alternate_password_enc: b.alternate?.passwordEnc ?? null,
    alternate_allow_self_signed: toFlag(b.alternate?.allowSelfSigned ?? false),
    created_ms: b.createdMs,
  };
}

function toSpace(row: Selectable<SpaceTable>): Space {
  return { bridgeId: row.bridge_id, number: row.number, coSpaceId: row.co_space_id, holder: row.holder };
}

export class BridgeStore {
  constructor(private readonly db: Kysely<SchedulerDatabase>) {}

  async insert(bridge: ManagedBridge): Promise<void> {
    await this.db.insertInto('managed_bridge').values(toRow(bridge)).execute();
  }

  async update(bridge: ManagedBridge): Promise<void> {
    const { id: _id, ...rest } = toRow(bridge);
    await this.db.updateTable('managed_bridge').set(rest).where('id', '=', bridge.id).execute();
  }

  async get(id: string): Promise<ManagedBridge | undefined> {
    const row = await this.db.selectFrom('managed_bridge').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toBridge(row) : undefined;
  }

  async list(): Promise<ManagedBridge[]> {
    const rows = await this.db.selectFrom('managed_bridge').selectAll().orderBy('seq').execute();
    return rows.map(toBridge);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('managed_bridge').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  // ---- spaces ----

  async spaces(bridgeId: string): Promise<Space[]> {
    const rows = await this.db.selectFrom('space').selectAll().where('bridge_id', '=', bridgeId).orderBy('number').execute();
    return rows.map(toSpace);
  }

  /** Makes the bridge's space table hold exactly `numbers`, keeping holders of numbers that stay. */
  async setSpaces(bridgeId: string, spaces: ReadonlyArray<{ number: number; coSpaceId: string | null }>): Promise<void> {
    const keep = spaces.map((s) => s.number);
    let del = this.db.deleteFrom('space').where('bridge_id', '=', bridgeId);
    if (keep.length > 0) del = del.where('number', 'not in', keep);
    await del.execute();
    for (const s of spaces) {
      const res = await this.db
        .updateTable('space')
        .set({ co_space_id: s.coSpaceId })
        .where('bridge_id', '=', bridgeId)
        .where('number', '=', s.number)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        await this.db.insertInto('space').values({ bridge_id: bridgeId, number: s.number, co_space_id: s.coSpaceId, holder: null }).execute();
      }
    }
  }

  /**
   * Claims the lowest-numbered free space (with a known coSpace) for `holder`; the conditional update
   * makes two schedulers racing for one space end with one winner. Returns the space, or undefined when
   * every space is in use.
   */
  async claimLowestFree(bridgeId: string, holder: string): Promise<Space | undefined> {
    const existing = await this.db
      .selectFrom('space')
      .selectAll()
      .where('bridge_id', '=', bridgeId)
      .where('holder', '=', holder)
      .executeTakeFirst();
    if (existing) return toSpace(existing);
    // One statement picks and takes the lowest free space, so simultaneous claims (a burst of starts,
    // several schedulers) each get a different one. On Postgres the pick skips rows another
    // transaction is taking; a claim that still loses a race tries again while any space is free.
    const postgres = dialectOf(this.db) === 'postgres';
    for (let tries = 0; tries < 50; tries++) {
      const taken = await this.db
        .updateTable('space')
        .set({ holder })
        .where('bridge_id', '=', bridgeId)
        .where('holder', 'is', null)
        .where('number', '=', (eb) => {
          const pick = eb
            .selectFrom('space')
            .select('number')
            .where('bridge_id', '=', bridgeId)
            .where('holder', 'is', null)
            .where('co_space_id', 'is not', null)
            .orderBy('number')
            .limit(1);
          return postgres ? pick.forUpdate().skipLocked() : pick;
        })
        .returningAll()
        .executeTakeFirst();
      if (taken) return toSpace(taken);
      const free = await this.db
        .selectFrom('space')
        .select('number')
        .where('bridge_id', '=', bridgeId)
        .where('holder', 'is', null)
        .where('co_space_id', 'is not', null)
        .limit(1)
        .executeTakeFirst();
      if (!free) return undefined;
    }
    return undefined;
  }

  /** Frees the space `holder` uses (no-op when it holds none). */
  async release(bridgeId: string, holder: string): Promise<void> {
    await this.db.updateTable('space').set({ holder: null }).where('bridge_id', '=', bridgeId).where('holder', '=', holder).execute();
  }

  async spacesInUse(bridgeId: string): Promise<number> {
    const row = await this.db
      .selectFrom('space')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('bridge_id', '=', bridgeId)
      .where('holder', 'is not', null)
      .executeTakeFirst();
    return row?.n ?? 0;
  }
}
