/** Reads for the query API: calls, call legs, meetings, records, sessions and gaps. */
import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DialectName } from '../../shared/database.ts';
import type { CallRow } from '../domain/call.ts';
import type { CallLegRow } from '../domain/callLeg.ts';
import type { MediaSessionRow } from '../domain/media.ts';
import type { ObjectKeyIndex, ObjectTable } from './objectKeys.ts';
import { callFromTable, legFromTable } from './rows.ts';
import type { CdrSessionTable, CollectorDb } from './schema.ts';

export interface TimeRange {
  /** Inclusive lower bound on when the call/leg began (epoch ms). */
  readonly from?: number | undefined;
  /** Exclusive upper bound. */
  readonly to?: number | undefined;
}

/** What calls and call legs can both be filtered by. */
interface SharedFilter extends TimeRange {
  readonly coSpace?: string | undefined;
  readonly callBridge?: string | undefined;
  readonly tenant?: string | undefined;
  readonly cdrTag?: string | undefined;
  /** Calls: with a leg to/from this remote party. */
  readonly remoteParty?: string | undefined;
  /** Calls: with a leg that ended for this reason. */
  readonly reason?: string | undefined;
}

export interface CallFilter extends SharedFilter {
  readonly meetingKey?: string | undefined;
}

export interface CallLegFilter extends SharedFilter {
  readonly callId?: string | undefined;
  /** Only legs that saw an alarm or lost packets. */
  readonly poorQuality?: boolean | undefined;
}

export interface ListPage {
  readonly limit: number;
  readonly offset: number;
}

export interface StoredRecord {
  readonly session: string;
  readonly correlatorIndex: number | null;
  readonly recordIndex: number | null;
  readonly numPreceedingRecordsMissing: number | null;
  readonly type: string;
  readonly timeMs: number;
  readonly callBridge: string | null;
  readonly source: string | null;
  readonly objectId: string | null;
  readonly receivedMs: number;
  readonly raw: string;
  /** The exact bytes when `raw` is not exact (`ingest/text.ts`), else null. */
  readonly rawBytes: Uint8Array | null;
}

export interface Gap {
  readonly session: string;
  /** First and last missing correlatorIndex. */
  readonly fromIndex: number;
  readonly toIndex: number;
  readonly count: number;
  /** The record after the gap declared this many missing (numPreceedingRecordsMissing); null if it did not. */
  readonly declaredMissing: number | null;
}

export interface MeetingSummary {
  readonly meetingKey: string;
  readonly name: string | null;
  readonly coSpace: string | null;
  readonly calls: number;
  readonly callBridges: number;
  readonly beginMs: number;
  readonly endMs: number | null;
}

/**
 * The legs of one call: by the call's seq (when the call is stored), and, for legs that arrived
 * before their call, by the call's id (they wait with a null call_seq in the small partial index
 * `call_leg_orphan`).
 */
function legsOfCall(eb: ExpressionBuilder<CollectorDb, 'callLeg'>, callId: string, callSeq: number | undefined) {
  const waiting = eb.and([eb('callLeg.callSeq', 'is', null), eb('callLeg.callId', '=', callId)]);
  return callSeq === undefined ? waiting : eb.or([eb('callLeg.callSeq', '=', callSeq), waiting]);
}

type CallQuery = SelectQueryBuilder<CollectorDb, 'call', object>;
type LegQuery = SelectQueryBuilder<CollectorDb, 'callLeg' | 'call', object>;

export type SessionRow = CdrSessionTable;

/** Pages through a keyset-ordered table without holding it in memory. */
async function* keyset<T>(fetch: (after: T | undefined) => Promise<T[]>): AsyncGenerator<T> {
  let after: T | undefined;
  for (;;) {
    const rows = await fetch(after);
    for (const row of rows) yield row;
    if (rows.length === 0) return;
    after = rows[rows.length - 1];
  }
}

const STREAM_PAGE = 1000;

export class QueryStore {
  readonly #db: Kysely<CollectorDb>;
  readonly #dialect: DialectName;
  readonly #keys: ObjectKeyIndex;

  constructor(db: Kysely<CollectorDb>, dialect: DialectName, keys: ObjectKeyIndex) {
    this.#db = db;
    this.#dialect = dialect;
    this.#keys = keys;
  }

  /** The seq a call, leg or media session is stored under (`objectKeys.ts`), if it is stored. */
  async #seqOf(table: ObjectTable, id: string): Promise<number | undefined> {
    return (await this.#keys.resolve(this.#db, { [table]: [id] }))[table].get(id);
  }

  get dialect(): DialectName {
    return this.#dialect;
  }

  #filterCalls(query: CallQuery, f: CallFilter): CallQuery {
    let q = query;
    if (f.from !== undefined) q = q.where('call.beginMs', '>=', f.from);
    if (f.to !== undefined) q = q.where('call.beginMs', '<', f.to);
    if (f.coSpace !== undefined) q = q.where('call.coSpace', '=', f.coSpace);
    if (f.callBridge !== undefined) q = q.where('call.callBridge', '=', f.callBridge);
    if (f.tenant !== undefined) q = q.where('call.tenant', '=', f.tenant);
    if (f.cdrTag !== undefined) q = q.where('call.cdrTag', '=', f.cdrTag);
    if (f.meetingKey !== undefined) q = q.where('call.meetingKey', '=', f.meetingKey);
    const { remoteParty, reason } = f;
    if (remoteParty !== undefined) {
      q = q.where('call.seq', 'in', (eb) => eb.selectFrom('callLeg').select('callLeg.callSeq').where('callLeg.remoteParty', '=', remoteParty));
    }
    if (reason !== undefined) {
      q = q.where('call.seq', 'in', (eb) => eb.selectFrom('callLeg').select('callLeg.callSeq').where('callLeg.reason', '=', reason));
    }
    return q;
  }

  async listCalls(filter: CallFilter, page: ListPage): Promise<{ total: number; calls: CallRow[] }> {
    const base = this.#filterCalls(this.#db.selectFrom('call'), filter);
    const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await base.selectAll('call').orderBy('call.beginMs').orderBy('call.id').limit(page.limit).offset(page.offset).execute();
    return { total: total, calls: rows.map(callFromTable) };
  }

  streamCalls(filter: CallFilter): AsyncGenerator<CallRow> {
    return keyset<CallRow>(async (after) => {
      let q = this.#filterCalls(this.#db.selectFrom('call'), filter).selectAll('call');
      if (after) q = q.where((eb) => eb.or([eb('call.beginMs', '>', after.beginMs), eb.and([eb('call.beginMs', '=', after.beginMs), eb('call.id', '>', after.id)])]));
      const rows = await q.orderBy('call.beginMs').orderBy('call.id').limit(STREAM_PAGE).execute();
      return rows.map(callFromTable);
    });
  }

  async getCall(id: string): Promise<CallRow | undefined> {
    const seq = await this.#seqOf('calls', id);
    const row = seq === undefined ? undefined : await this.#db.selectFrom('call').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row ? callFromTable(row) : undefined;
  }

  async #filterLegs(f: CallLegFilter): Promise<LegQuery> {
    let q: LegQuery = this.#db.selectFrom('callLeg').leftJoin('call', 'call.seq', 'callLeg.callSeq');
    if (f.from !== undefined) q = q.where('callLeg.beginMs', '>=', f.from);
    if (f.to !== undefined) q = q.where('callLeg.beginMs', '<', f.to);
    const { callId } = f;
    if (callId !== undefined) {
      const callSeq = await this.#seqOf('calls', callId);
      q = q.where((eb) => legsOfCall(eb, callId, callSeq));
    }
    if (f.coSpace !== undefined) q = q.where('call.coSpace', '=', f.coSpace);
    if (f.callBridge !== undefined) q = q.where('callLeg.callBridge', '=', f.callBridge);
    if (f.tenant !== undefined) q = q.where('call.tenant', '=', f.tenant);
    if (f.cdrTag !== undefined) q = q.where('callLeg.cdrTag', '=', f.cdrTag);
    if (f.remoteParty !== undefined) q = q.where('callLeg.remoteParty', '=', f.remoteParty);
    if (f.reason !== undefined) q = q.where('callLeg.reason', '=', f.reason);
    if (f.poorQuality === true) {
      q = q.where((eb) =>
        eb.or([eb('callLeg.alarmCount', '>', 0), eb('callLeg.rxAudioLossDensity', '>', 0), eb('callLeg.rxVideoLossDensity', '>', 0)]),
      );
    }
    return q;
  }

  async listCallLegs(filter: CallLegFilter, page: ListPage): Promise<{ total: number; callLegs: CallLegRow[] }> {
    const base = await this.#filterLegs(filter);
    const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await base.selectAll('callLeg').orderBy('callLeg.beginMs').orderBy('callLeg.id').limit(page.limit).offset(page.offset).execute();
    return { total: total, callLegs: rows.map((r) => legFromTable(r as never)) };
  }

  streamCallLegs(filter: CallLegFilter): AsyncGenerator<CallLegRow> {
    let base: Promise<LegQuery> | undefined;
    return keyset<CallLegRow>(async (after) => {
      base ??= this.#filterLegs(filter);
      let q = (await base).selectAll('callLeg');
      if (after) {
        q = q.where((eb) =>
          eb.or([eb('callLeg.beginMs', '>', after.beginMs), eb.and([eb('callLeg.beginMs', '=', after.beginMs), eb('callLeg.id', '>', after.id)])]),
        );
      }
      const rows = await q.orderBy('callLeg.beginMs').orderBy('callLeg.id').limit(STREAM_PAGE).execute();
      return rows.map((r) => legFromTable(r as never));
    });
  }

  async getCallLeg(id: string): Promise<CallLegRow | undefined> {
    const seq = await this.#seqOf('legs', id);
    const row = seq === undefined ? undefined : await this.#db.selectFrom('callLeg').selectAll().where('seq', '=', seq).executeTakeFirst();
    return row ? legFromTable(row) : undefined;
  }

  async legsOfCalls(callIds: readonly string[]): Promise<CallLegRow[]> {
    if (callIds.length === 0) return [];
    // Two index reads (by the calls' seqs; legs still waiting for their call by its id), merged here:
    // an OR of both in one statement made Postgres scan the whole table.
    const seqs = [...(await this.#keys.resolve(this.#db, { calls: callIds })).calls.values()];
    const bySeq = seqs.length === 0 ? [] : await this.#db.selectFrom('callLeg').selectAll().where('callSeq', 'in', seqs).execute();
    const waiting = await this.#db.selectFrom('callLeg').selectAll().where('callSeq', 'is', null).where('callId', 'in', callIds).execute();
    return [...bySeq, ...waiting]
      .map(legFromTable)
      .sort((a, b) => a.beginMs - b.beginMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async mediaOfCalls(callIds: readonly string[], kind?: 'recording' | 'streaming'): Promise<MediaSessionRow[]> {
    if (callIds.length === 0) return [];
    let q = this.#db.selectFrom('mediaSession').selectAll().where('callId', 'in', callIds);
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('startMs').execute();
  }

  async listMedia(kind: 'recording' | 'streaming', range: TimeRange, page: ListPage): Promise<MediaSessionRow[]> {
    let q = this.#db.selectFrom('mediaSession').selectAll().where('kind', '=', kind);
    if (range.from !== undefined) q = q.where('startMs', '>=', range.from);
    if (range.to !== undefined) q = q.where('startMs', '<', range.to);
    return q.orderBy('startMs').orderBy('id').limit(page.limit).offset(page.offset).execute();
  }

  /**
   * The records that made a set of objects (a call, its legs, its recordings), in the order the
   * bridge generated them. Only modelled records refer to an object (by its seq); records of other
   * types are found by session and index.
   */
  async recordsOfObjects(objectIds: readonly string[]): Promise<StoredRecord[]> {
    if (objectIds.length === 0) return [];
    const stored = await this.#keys.resolve(this.#db, { calls: objectIds, legs: objectIds, media: objectIds });
    const seqs = [...stored.calls.values(), ...stored.legs.values(), ...stored.media.values()];
    if (seqs.length === 0) return [];
    const rows = await this.#db
      .selectFrom('cdrRecord')
      .selectAll()
      .where('objectSeq', 'in', seqs)
      .orderBy('timeMs')
      .orderBy('session')
      .orderBy('keyIndex')
      .execute();
    return rows.map(toStoredRecord);
  }

  async listRecords(filter: { session?: string | undefined; fromIndex?: number | undefined; toIndex?: number | undefined; type?: string | undefined }, page: ListPage): Promise<StoredRecord[]> {
    let q = this.#db.selectFrom('cdrRecord').selectAll();
    if (filter.session !== undefined) q = q.where('session', '=', filter.session);
    if (filter.fromIndex !== undefined) q = q.where('keyIndex', '>=', filter.fromIndex);
    if (filter.toIndex !== undefined) q = q.where('keyIndex', '<=', filter.toIndex);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    const rows = await q.orderBy('seq').limit(page.limit).offset(page.offset).execute();
    return rows.map(toStoredRecord);
  }

  async getRecord(session: string, index: number): Promise<StoredRecord | undefined> {
    const rows = await this.#db
      .selectFrom('cdrRecord')
      .selectAll()
      .where('session', '=', session)
      .where((eb) => eb.or([eb('correlatorIndex', '=', index), eb.and([eb('keyKind', '=', 'r'), eb('recordIndex', '=', index)])]))
      .execute();
    const row = rows[0];
    return row ? toStoredRecord(row) : undefined;
  }

  async countRecords(): Promise<number> {
    const { n } = await this.#db.selectFrom('cdrRecord').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return n;
  }

  async listSessions(): Promise<SessionRow[]> {
    return this.#db.selectFrom('cdrSession').selectAll().orderBy('firstSeenMs').orderBy('session').execute();
  }

  async getSession(session: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('cdrSession').selectAll().where('session', '=', session).executeTakeFirst();
  }

  /**
   * Missing correlatorIndex ranges between the records stored, per session. Computed from what is
   * stored, so a gap closes as soon as the missing records arrive.
   */
  async gaps(session?: string): Promise<Gap[]> {
    // Only sessions whose stored indexes do not cover min..max have gaps: the others are not scanned.
    let holed = this.#db
      .selectFrom('cdrSession')
      .select('session')
      .where(sql<boolean>`max_correlator - min_correlator + 1 > correlated_records`);
    if (session !== undefined) holed = holed.where('session', '=', session);
    const sessions = (await holed.orderBy('session').execute()).map((r) => r.session);
    const out: Gap[] = [];
    for (const s of sessions) {
      const result = await sql<{ prev: number; keyIndex: number; declared: number | null }>`
        SELECT prev, key_index, num_preceding_missing AS declared FROM (
          SELECT key_index, num_preceding_missing, LAG(key_index) OVER (ORDER BY key_index) AS prev
          FROM cdr_record WHERE session = ${s} AND key_kind = 'c'
        ) t
        WHERE prev IS NOT NULL AND key_index > prev + 1
        ORDER BY key_index`.execute(this.#db);
      for (const r of result.rows) {
        const fromIndex = r.prev + 1;
        const toIndex = r.keyIndex - 1;
        out.push({ session: s, fromIndex, toIndex, count: toIndex - fromIndex + 1, declaredMissing: r.declared });
      }
    }
    return out;
  }

  async listMeetings(range: TimeRange, coSpace: string | undefined, page: ListPage): Promise<MeetingSummary[]> {
    let q = this.#db
      .selectFrom('call')
      .select((eb) => [
        'meetingKey',
        eb.fn.max('name').as('name'),
        eb.fn.max('coSpace').as('coSpace'),
        eb.fn.countAll<number>().as('calls'),
        eb.fn.count<number>('callBridge').distinct().as('callBridges'),
        eb.fn.min('beginMs').as('beginMs'),
        eb.fn.max('endMs').as('endMs'),
      ])
      .groupBy('meetingKey');
    if (range.from !== undefined) q = q.where('beginMs', '>=', range.from);
    if (range.to !== undefined) q = q.where('beginMs', '<', range.to);
    if (coSpace !== undefined) q = q.where('coSpace', '=', coSpace);
    const rows = await q.orderBy('beginMs').orderBy('meetingKey').limit(page.limit).offset(page.offset).execute();
    return rows.map((r) => ({
      meetingKey: r.meetingKey,
      name: r.name,
      coSpace: r.coSpace,
      calls: r.calls,
      callBridges: r.callBridges,
      beginMs: r.beginMs,
      endMs: r.endMs === null ? null : r.endMs,
    }));
  }
}

function toStoredRecord(row: {
  session: string;
  correlatorIndex: number | null;
  recordIndex: number | null;
  numPrecedingMissing: number | null;
  type: string;
  timeMs: number;
  callBridge: string | null;
  source: string | null;
  objectId: string | null;
  receivedMs: number;
  raw: string;
  rawBytes: Uint8Array | null;
}): StoredRecord {
  return {
    session: row.session,
    correlatorIndex: row.correlatorIndex,
    recordIndex: row.recordIndex,
    numPreceedingRecordsMissing: row.numPrecedingMissing,
    type: row.type,
    timeMs: row.timeMs,
    callBridge: row.callBridge,
    source: row.source,
    objectId: row.objectId,
    receivedMs: row.receivedMs,
    raw: row.raw,
    rawBytes: row.rawBytes,
  };
}
