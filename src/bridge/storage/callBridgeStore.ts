/** SQL for `/callBridges`: the cluster's call bridges, shared by every node on one database. */
import type { Kysely, Selectable } from 'kysely';
import { fromFlag } from '../../shared/database.ts';
import type { BridgeDatabase, CallBridgeTable } from './schema.ts';

export interface CallBridgeRecord {
  readonly id: string;
  readonly name: string;
  readonly address: string | null;
  readonly sipDomain: string | null;
  readonly callBridgeGroup: string | null;
  readonly isNode: boolean;
}

function toRecord(row: Selectable<CallBridgeTable>): CallBridgeRecord {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    sipDomain: row.sip_domain,
    callBridgeGroup: row.call_bridge_group,
    isNode: fromFlag(row.is_node),
  };
}

export class CallBridgeStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  async get(id: string): Promise<CallBridgeRecord | undefined> {
    const row = await this.db.selectFrom('call_bridge').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async getByName(name: string): Promise<CallBridgeRecord | undefined> {
    const row = await this.db.selectFrom('call_bridge').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(): Promise<CallBridgeRecord[]> {
    const rows = await this.db.selectFrom('call_bridge').selectAll().orderBy('seq').execute();
    return rows.map(toRecord);
  }

  async insert(record: CallBridgeRecord, nowMs: number | null): Promise<void> {
    await this.db
      .insertInto('call_bridge')
      .values({
        id: record.id,
        name: record.name,
        address: record.address,
        sip_domain: record.sipDomain,
        call_bridge_group: record.callBridgeGroup,
        is_node: record.isNode ? 1 : 0,
        last_seen_ms: nowMs,
      })
      .execute();
  }

  async update(record: CallBridgeRecord, nowMs: number | null): Promise<void> {
    await this.db
      .updateTable('call_bridge')
      .set({
        name: record.name,
        address: record.address,
        sip_domain: record.sipDomain,
        call_bridge_group: record.callBridgeGroup,
        is_node: record.isNode ? 1 : 0,
        ...(nowMs === null ? {} : { last_seen_ms: nowMs }),
      })
      .where('id', '=', record.id)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('call_bridge').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
