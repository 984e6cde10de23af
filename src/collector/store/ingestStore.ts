/**
 * Committing CDR posts: every new record stored once (duplicates by (session, correlatorIndex), or
 * recordIndex when a record has no correlatorIndex, are counted and skipped), per-session counters,
 * and the normalised calls, call legs, recordings and streamings updated, all in ONE transaction per
 * group of posts. The caller answers 200 only after `commit` resolves.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { parseStoredRecord } from '../ingest/parse.ts';
import { applyCallRecord, type CallRow } from '../model/call.ts';
import { applyCallLegRecord, foldCallLeg, isOutOfOrder, type CallLegRow } from '../model/callLeg.ts';
import type { XmlElement } from '../model/element.ts';
import { applyMediaRecord, type MediaSessionRow } from '../model/media.ts';
import { CALL_LEG_RECORD_TYPES, objectIdOf, objectKindOf, type ModelRecord } from '../model/record.ts';
import { callFromTable, callToTable, legFromTable, legToTable } from './rows.ts';
import type { CdrRecordTable, CollectorDb } from './schema.ts';

export interface RecordInput {
  readonly type: string;
  readonly timeMs: number | null;
  readonly recordIndex: number | null;
  readonly correlatorIndex: number | null;
  readonly numPreceedingRecordsMissing: number | null;
  readonly body: XmlElement | undefined;
  readonly raw: string;
}

export interface PostInput {
  readonly session: string;
  readonly callBridge: string | null;
  /** The receiver URI's query string the post came with (e.g. `system_id=cms1`), secrets removed. */
  readonly source: string | null;
  readonly receivedMs: number;
  readonly records: readonly RecordInput[];
}

export interface PostOutcome {
  readonly received: number;
  readonly stored: number;
  readonly duplicates: number;
}

type AnyTrx = Transaction<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const INSERT_CHUNK = 200;
const UPSERT_CHUNK = 100;

interface Candidate {
  readonly postIndex: number;
  readonly key: string;
  readonly row: Omit<CdrRecordTable, 'seq'>;
  readonly record: RecordInput;
}

function keyOf(session: string, kind: string, index: number): string {
  return `${session}\u0000${kind}\u0000${index}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function upsertById(trx: AnyTrx, table: string, rows: readonly object[]): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first).filter((c) => c !== 'id');
  const set = Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]));
  for (const chunk of chunks(rows, UPSERT_CHUNK)) {
    await trx
      .insertInto(table)
      .values(chunk)
      .onConflict((oc) => oc.column('id').doUpdateSet(set))
      .execute();
  }
}

interface SessionTally {
  session: string;
  callBridge: string | null;
  source: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
  posts: number;
  records: number;
  correlatedRecords: number;
  duplicates: number;
  declaredMissing: number;
  minCorrelator: number | null;
  maxCorrelator: number | null;
}

export class IngestStore {
  readonly #db: Kysely<CollectorDb>;

  constructor(db: Kysely<CollectorDb>) {
    this.#db = db;
  }

  /** Commits a group of posts in one transaction; one outcome per post, in order. */
  commit(posts: readonly PostInput[]): Promise<PostOutcome[]> {
    return this.#db.transaction().execute((trx) => this.#commit(trx as unknown as AnyTrx, posts));
  }

  async #commit(trx: AnyTrx, posts: readonly PostInput[]): Promise<PostOutcome[]> {
    const seen = new Set<string>();
    const candidates: Candidate[] = [];
    posts.forEach((post, postIndex) => {
      for (const record of post.records) {
        const keyKind = record.correlatorIndex !== null ? 'c' : 'r';
        const keyIndex = record.correlatorIndex ?? record.recordIndex ?? 0;
        const key = keyOf(post.session, keyKind, keyIndex);
        if (seen.has(key)) continue; // the same record twice in this group: a duplicate
        seen.add(key);
        candidates.push({
          postIndex,
          key,
          record,
          row: {
            session: post.session,
            keyKind,
            keyIndex,
            correlatorIndex: record.correlatorIndex,
            recordIndex: record.recordIndex,
            numPrecedingMissing: record.numPreceedingRecordsMissing,
            type: record.type,
            timeMs: record.timeMs ?? post.receivedMs,
            callBridge: post.callBridge,
            source: post.source,
            objectId: objectIdOf(record.body),
            raw: record.raw,
            receivedMs: post.receivedMs,
          },
        });
      }
    });

    const inserted = new Set<string>();
    for (const chunk of chunks(candidates, INSERT_CHUNK)) {
      const rows = (await trx
        .insertInto('cdrRecord')
        .values(chunk.map((c) => c.row))
        .onConflict((oc) => oc.columns(['session', 'keyKind', 'keyIndex']).doNothing())
        .returning(['session', 'keyKind', 'keyIndex'])
        .execute()) as { session: string; keyKind: string; keyIndex: number }[];
      for (const r of rows) inserted.add(keyOf(r.session, r.keyKind, r.keyIndex));
    }
    const fresh = candidates.filter((c) => inserted.has(c.key));

    const outcomes = posts.map((post) => ({ received: post.records.length, stored: 0, duplicates: 0 }));
    for (const c of fresh) {
      const outcome = outcomes[c.postIndex];
      if (outcome) outcome.stored += 1;
    }
    for (const outcome of outcomes) outcome.duplicates = outcome.received - outcome.stored;

    await this.#tallySessions(trx, posts, outcomes, fresh);
    await this.#applyModel(trx, posts, fresh);
    return outcomes;
  }

  async #tallySessions(trx: AnyTrx, posts: readonly PostInput[], outcomes: readonly PostOutcome[], fresh: readonly Candidate[]): Promise<void> {
    const tallies = new Map<string, SessionTally>();
    posts.forEach((post, i) => {
      let t = tallies.get(post.session);
      if (!t) {
        t = {
          session: post.session,
          callBridge: post.callBridge,
          source: post.source,
          firstSeenMs: post.receivedMs,
          lastSeenMs: post.receivedMs,
          posts: 0,
          records: 0,
          correlatedRecords: 0,
          duplicates: 0,
          declaredMissing: 0,
          minCorrelator: null,
          maxCorrelator: null,
        };
        tallies.set(post.session, t);
      }
      t.posts += 1;
      t.duplicates += outcomes[i]?.duplicates ?? 0;
      t.lastSeenMs = Math.max(t.lastSeenMs, post.receivedMs);
    });
    for (const c of fresh) {
      const t = tallies.get(c.row.session);
      if (!t) continue;
      t.records += 1;
      t.declaredMissing += c.row.numPrecedingMissing ?? 0;
      const ci = c.row.correlatorIndex;
      if (ci !== null) {
        t.correlatedRecords += 1;
        t.minCorrelator = t.minCorrelator === null ? ci : Math.min(t.minCorrelator, ci);
        t.maxCorrelator = t.maxCorrelator === null ? ci : Math.max(t.maxCorrelator, ci);
      }
    }
    for (const t of tallies.values()) {
      await trx
        .insertInto('cdrSession')
        .values(t)
        .onConflict((oc) =>
          oc.column('session').doUpdateSet({
            callBridge: sql`coalesce(excluded.call_bridge, cdr_session.call_bridge)`,
            source: sql`coalesce(excluded.source, cdr_session.source)`,
            lastSeenMs: sql`excluded.last_seen_ms`,
            posts: sql`cdr_session.posts + excluded.posts`,
            records: sql`cdr_session.records + excluded.records`,
            correlatedRecords: sql`cdr_session.correlated_records + excluded.correlated_records`,
            duplicates: sql`cdr_session.duplicates + excluded.duplicates`,
            declaredMissing: sql`cdr_session.declared_missing + excluded.declared_missing`,
            minCorrelator: sql`CASE WHEN cdr_session.min_correlator IS NULL OR excluded.min_correlator < cdr_session.min_correlator THEN excluded.min_correlator ELSE cdr_session.min_correlator END`,
            maxCorrelator: sql`CASE WHEN cdr_session.max_correlator IS NULL OR excluded.max_correlator > cdr_session.max_correlator THEN excluded.max_correlator ELSE cdr_session.max_correlator END`,
          }),
        )
        .execute();
    }
  }

  async #applyModel(trx: AnyTrx, posts: readonly PostInput[], fresh: readonly Candidate[]): Promise<void> {
    const work: { kind: string; id: string; record: ModelRecord }[] = [];
    for (const c of fresh) {
      const kind = objectKindOf(c.row.type);
      const id = c.row.objectId;
      if (kind === undefined || id === null) continue; // kept raw; not modelled
      const post = posts[c.postIndex];
      work.push({
        kind,
        id,
        record: {
          type: c.row.type,
          session: c.row.session,
          callBridge: post?.callBridge ?? null,
          timeMs: c.row.timeMs,
          order: c.row.keyIndex,
          body: c.record.body,
        },
      });
    }
    if (work.length === 0) return;

    const callWork = work.filter((w) => w.kind === 'call');
    if (callWork.length > 0) {
      const ids = [...new Set(callWork.map((w) => w.id))];
      const existing = new Map<string, CallRow>();
      for (const chunk of chunks(ids, 500)) {
        const rows = await trx.selectFrom('call').selectAll().where('id', 'in', chunk).execute();
        for (const r of rows) existing.set(r.id as string, callFromTable(r as never));
      }
      for (const w of callWork) existing.set(w.id, applyCallRecord(existing.get(w.id), w.id, w.record));
      await upsertById(trx, 'call', ids.map((id) => callToTable(existing.get(id) as CallRow)));
    }

    const legWork = work.filter((w) => w.kind === 'callLeg');
    if (legWork.length > 0) {
      const ids = [...new Set(legWork.map((w) => w.id))];
      const existing = new Map<string, CallLegRow>();
      for (const chunk of chunks(ids, 500)) {
        const rows = await trx.selectFrom('callLeg').selectAll().where('id', 'in', chunk).execute();
        for (const r of rows) existing.set(r.id as string, legFromTable(r as never));
      }
      const refold = new Set<string>();
      for (const w of legWork) {
        const current = existing.get(w.id);
        if (current && isOutOfOrder(current, w.record)) refold.add(w.id);
        existing.set(w.id, applyCallLegRecord(current, w.id, w.record));
      }
      if (refold.size > 0) {
        for (const [id, row] of await this.#refoldLegs(trx, [...refold])) existing.set(id, row);
      }
      await upsertById(trx, 'callLeg', ids.map((id) => legToTable(existing.get(id) as CallLegRow)));
    }

    const mediaWork = work.filter((w) => w.kind === 'recording' || w.kind === 'streaming');
    if (mediaWork.length > 0) {
      const ids = [...new Set(mediaWork.map((w) => w.id))];
      const existing = new Map<string, MediaSessionRow>();
      const rows = await trx.selectFrom('mediaSession').selectAll().where('id', 'in', ids).execute();
      for (const r of rows) existing.set(r.id as string, r as MediaSessionRow);
      for (const w of mediaWork) existing.set(w.id, applyMediaRecord(existing.get(w.id), w.id, w.record));
      await upsertById(trx, 'mediaSession', ids.map((id) => existing.get(id) as MediaSessionRow));
    }
  }

  /** Rebuilds legs from all their stored records (a record older than one already merged arrived). */
  async #refoldLegs(trx: AnyTrx, ids: readonly string[]): Promise<Map<string, CallLegRow>> {
    const rows = (await trx
      .selectFrom('cdrRecord')
      .select(['objectId', 'type', 'session', 'callBridge', 'timeMs', 'keyIndex', 'raw'])
      .where('objectId', 'in', ids)
      .where('type', 'in', [...CALL_LEG_RECORD_TYPES])
      .execute()) as { objectId: string; type: string; session: string; callBridge: string | null; timeMs: number; keyIndex: number; raw: string }[];
    const byLeg = new Map<string, ModelRecord[]>();
    for (const r of rows) {
      const list = byLeg.get(r.objectId) ?? [];
      list.push({ type: r.type, session: r.session, callBridge: r.callBridge, timeMs: r.timeMs, order: r.keyIndex, body: parseStoredRecord(r.raw) });
      byLeg.set(r.objectId, list);
    }
    const out = new Map<string, CallLegRow>();
    for (const [id, records] of byLeg) {
      const row = foldCallLeg(id, records);
      if (row) out.set(id, row);
    }
    return out;
  }
}
