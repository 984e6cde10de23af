/**
 * SQL for CDR delivery: the per-node receivers (`/system/cdrReceivers` is local to each call bridge)
 * with their delivery cursors, and the outbox of records. Every query is scoped by the call bridge id,
 * so the nodes of a cluster sharing one database never see each other's receivers or records.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { BridgeDatabase, CdrReceiverTable } from './schema.ts';

/** Where a receiver's delivery stands; persisted after every acknowledgement and every drop. */
export interface ReceiverDeliveryState {
  /** Outbox seq through which every record was delivered or dropped. */
  readonly cursorSeq: number;
  /** Session of the last record delivered and its recordIndex (recordIndex restarts per session). */
  readonly session: string | null;
  readonly recordIndex: number;
  /** Dropped records to report on the next record after the cursor. */
  readonly missing: number;
  /** Records (dropAfter, droppedThrough] dropped while (cursor, dropAfter] was in flight. */
  readonly dropAfter: number | null;
  readonly droppedThrough: number | null;
  readonly rangeMissing: number;
}

export interface CdrReceiverRecord {
  readonly id: string;
  readonly uri: string | null;
  readonly legacy: boolean;
  readonly state: ReceiverDeliveryState;
}

export interface OutboxInsert {
  readonly session: string;
  readonly correlatorIndex: number;
  readonly timeMs: number;
  readonly type: string;
  readonly body: string;
}

export interface OutboxRow extends OutboxInsert {
  readonly seq: number;
}

/** Rows per INSERT statement: 6 parameters each stays far below both dialects' parameter limits. */
const INSERT_CHUNK = 500;

function toReceiver(row: Selectable<CdrReceiverTable>): CdrReceiverRecord {
  return {
    id: row.id,
    uri: row.uri,
    legacy: row.legacy === 1,
    state: {
      cursorSeq: row.cursor_seq,
      session: row.session,
      recordIndex: row.record_index,
      missing: row.missing,
      dropAfter: row.drop_after === null ? null : row.drop_after,
      droppedThrough: row.dropped_through === null ? null : row.dropped_through,
      rangeMissing: row.range_missing,
    },
  };
}

export class CdrStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  async listReceivers(callBridge: string): Promise<CdrReceiverRecord[]> {
    const rows = await this.db.selectFrom('cdr_receiver').selectAll().where('call_bridge', '=', callBridge).orderBy('seq').execute();
    return rows.map(toReceiver);
  }

  async getReceiver(callBridge: string, id: string): Promise<CdrReceiverRecord | undefined> {
    const row = await this.db
      .selectFrom('cdr_receiver')
      .selectAll()
      .where('call_bridge', '=', callBridge)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toReceiver(row) : undefined;
  }

  async insertReceiver(callBridge: string, receiver: CdrReceiverRecord): Promise<void> {
    const s = receiver.state;
    await this.db
      .insertInto('cdr_receiver')
      .values({
        id: receiver.id,
        call_bridge: callBridge,
        uri: receiver.uri,
        legacy: receiver.legacy ? 1 : 0,
        cursor_seq: s.cursorSeq,
        session: s.session,
        record_index: s.recordIndex,
        missing: s.missing,
        drop_after: s.dropAfter,
        dropped_through: s.droppedThrough,
        range_missing: s.rangeMissing,
      })
      .execute();
  }

  /** Changes the uri; a receiver given a uri after having none starts afresh at `state`. */
  async updateReceiverUri(callBridge: string, id: string, uri: string | null, state?: ReceiverDeliveryState): Promise<boolean> {
    const result = await this.db
      .updateTable('cdr_receiver')
      .set({ uri, ...(state ? stateColumns(state) : {}) })
      .where('call_bridge', '=', callBridge)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async saveState(callBridge: string, id: string, state: ReceiverDeliveryState): Promise<void> {
    await this.db.updateTable('cdr_receiver').set(stateColumns(state)).where('call_bridge', '=', callBridge).where('id', '=', id).execute();
  }

  async deleteReceiver(callBridge: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('cdr_receiver').where('call_bridge', '=', callBridge).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Appends records in order and returns their seqs, ascending. Run inside a transaction. */
  async appendRecords(callBridge: string, records: readonly OutboxInsert[]): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const chunk = records.slice(i, i + INSERT_CHUNK).map((r) => ({
        call_bridge: callBridge,
        session: r.session,
        correlator_index: r.correlatorIndex,
        time_ms: r.timeMs,
        type: r.type,
        body: r.body,
      }));
      const rows = await this.db.insertInto('cdr_outbox').values(chunk).returning('seq').execute();
      // One statement takes its seqs in row order; RETURNING order itself is not promised.
      for (const seq of rows.map((r) => r.seq).sort((a, b) => a - b)) seqs.push(seq);
    }
    return seqs;
  }

  /** Records after `afterSeq` (and at most `throughSeq`), oldest first. */
  async readRecords(callBridge: string, afterSeq: number, throughSeq: number | null, limit: number): Promise<OutboxRow[]> {
    let query = this.db
      .selectFrom('cdr_outbox')
      .select(['seq', 'session', 'correlator_index', 'time_ms', 'type', 'body'])
      .where('call_bridge', '=', callBridge)
      .where('seq', '>', afterSeq);
    if (throughSeq !== null) query = query.where('seq', '<=', throughSeq);
    const rows = await query.orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({
      seq: r.seq,
      session: r.session,
      correlatorIndex: r.correlator_index,
      timeMs: r.time_ms,
      type: r.type,
      body: r.body,
    }));
  }

  /** Seqs of this node's records after `afterSeq`, ascending (startup: rebuilds the in-memory index). */
  async recordSeqs(callBridge: string, afterSeq: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('cdr_outbox')
      .select('seq')
      .where('call_bridge', '=', callBridge)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .execute();
    return rows.map((r) => r.seq);
  }

  /** Forgets records every receiver is done with. */
  async deleteRecordsThrough(callBridge: string, seq: number): Promise<void> {
    await this.db.deleteFrom('cdr_outbox').where('call_bridge', '=', callBridge).where('seq', '<=', seq).execute();
  }

  async maxSeq(callBridge: string): Promise<number> {
    const row = await this.db
      .selectFrom('cdr_outbox')
      .select(sql<number | string | null>`max(seq)`.as('max'))
      .where('call_bridge', '=', callBridge)
      .executeTakeFirst();
    return row?.max == null ? 0 : Number(row.max);
  }
}

function stateColumns(s: ReceiverDeliveryState) {
  return {
    cursor_seq: s.cursorSeq,
    session: s.session,
    record_index: s.recordIndex,
    missing: s.missing,
    drop_after: s.dropAfter,
    dropped_through: s.droppedThrough,
    range_missing: s.rangeMissing,
  };
}
