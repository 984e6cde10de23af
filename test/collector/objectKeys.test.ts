/**
 * The GUID index of calls, legs and media sessions (`store/objectKeys.ts`): the newest objects are
 * found from the rows and written to `object_key` in batches. With a batch of a few objects, the
 * traffic below crosses many batches; everything must read and merge exactly as with the default
 * batch, after a restart, from a second process on the same database, and after retention.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { CollectorStorage } from '../../src/collector/storage/index.ts';
import type { PostInput } from '../../src/collector/storage/ingestStore.ts';
import { at, body, type RecordSpec } from '../support/cdrXml.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { commitEach, parsedPosts } from '../support/ingest.ts';

const T0 = Date.UTC(2026, 4, 4, 8);
const CALLS = 24;
const BATCH = 5;

/** A GUID-like call id (not in order). */
const callId = (i: number): string => `call-${i}-${(i * 7919).toString(16)}`;

/** Call i: start, two legs (start, update, end), end, an hour apart; odd calls' legs arrive before their call. */
function traffic(): RecordSpec[] {
  const out: RecordSpec[] = [];
  let ci = 0;
  for (let i = 0; i < CALLS; i++) {
    const call = callId(i);
    const t = i * 3600;
    const legs: RecordSpec[] = [];
    for (const k of [0, 1]) {
      const leg = `leg-${i}-${k}`;
      legs.push({ type: 'callLegStart', time: at(T0, t + 1 + k), body: body.legStart(leg, { remoteParty: `p${i}-${k}@example.com` }) });
      legs.push({ type: 'callLegUpdate', time: at(T0, t + 3 + k), body: body.legUpdate(leg, { state: 'connected', call }) });
      legs.push({ type: 'callLegEnd', time: at(T0, t + 60 + k), body: body.legEnd(leg, { durationSeconds: 57, reason: 'remoteTeardown' }) });
    }
    const start: RecordSpec = { type: 'callStart', time: at(T0, t), body: body.callStart(call, { name: `space ${i}`, coSpace: `space-${i % 3}` }) };
    const end: RecordSpec = { type: 'callEnd', time: at(T0, t + 62), body: body.callEnd(call, 62, 2) };
    const ordered = i % 2 === 1 ? [...legs, start, end] : [start, ...legs, end];
    for (const r of ordered) out.push({ ...r, correlatorIndex: ci++ });
  }
  return out;
}

const posts = (session: string, list: readonly RecordSpec[], size: number): PostInput[] => parsedPosts(session, list, size, T0);
const commitAll = commitEach;

/** Every call and leg as read by GUID through the query API's lookups. */
async function byGuid(storage: CollectorStorage, calls: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < calls; i++) {
    const call = await storage.query.getCall(callId(i));
    out.push(call ? [call.id, call.hasStart, call.hasEnd, call.durationSeconds, call.coSpace].join(' ') : `call ${i} missing`);
    const legs = call ? await storage.query.legsOfCalls([call.id]) : [];
    for (const leg of legs) out.push([leg.id, leg.callId, leg.state, leg.hasStart, leg.hasEnd, leg.durationSeconds, leg.reason].join(' '));
    for (const k of [0, 1]) {
      const leg = await storage.query.getCallLeg(`leg-${i}-${k}`);
      out.push(leg ? `${leg.id} ${leg.remoteParty} ${leg.durationSeconds}` : `leg ${i}-${k} missing`);
    }
  }
  return out;
}

interface KeyState {
  indexed: number;
  /** Objects up to 'indexed' without their key, or with another seq. */
  unindexed: number;
  /** Keys of objects above 'indexed', or of objects that are gone. */
  stray: number;
  keys: number;
  /** GUIDs stored in more than one row of a table. */
  doubled: number;
}

async function keyState(storage: CollectorStorage): Promise<KeyState> {
  const db = storage.db;
  const one = async (query: ReturnType<typeof sql<{ n: number }>>): Promise<number> => (await query.execute(db)).rows[0]?.n ?? -1;
  const objects = sql`SELECT 'c' AS kind, id, seq FROM call UNION ALL SELECT 'l', id, seq FROM call_leg UNION ALL SELECT 'm', id, seq FROM media_session`;
  const indexed = await one(sql<{ n: number }>`SELECT value AS n FROM collector_sequence WHERE name = 'indexed'`);
  return {
    indexed,
    unindexed: await one(sql<{ n: number }>`SELECT count(*) AS n FROM (${objects}) o WHERE o.seq <= ${indexed}
      AND NOT EXISTS (SELECT 1 FROM object_key k WHERE k.kind = o.kind AND k.id = o.id AND k.seq = o.seq)`),
    stray: await one(sql<{ n: number }>`SELECT count(*) AS n FROM object_key k WHERE k.seq > ${indexed}
      OR NOT EXISTS (SELECT 1 FROM (${objects}) o WHERE o.kind = k.kind AND o.id = k.id AND o.seq = k.seq)`),
    keys: await one(sql<{ n: number }>`SELECT count(*) AS n FROM object_key`),
    doubled: await one(sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT kind, id FROM (${objects}) o GROUP BY kind, id HAVING count(*) > 1) d`),
  };
}

forEachDialect('collector object keys', (dialect) => {
  it('finds and merges objects across many index batches, after a restart and from a second process', async () => {
    const reference = await freshDatabase(dialect, 'keys-ref');
    const batched = await freshDatabase(dialect, 'keys');
    const one = await CollectorStorage.open(reference.url);
    let a = await CollectorStorage.open(batched.url, { indexBatch: BATCH });
    const b = await CollectorStorage.open(batched.url, { indexBatch: BATCH });
    try {
      const list = traffic();
      const half = (list.length / 2) | 0;
      await commitAll(one, posts('s1', list, 3));
      const expected = await byGuid(one, CALLS);
      assert.ok(!expected.some((line) => line.includes('missing')));
      assert.equal(expected.filter((line) => line.includes(' true true 62 ')).length, CALLS, 'every call has its start and end');
      assert.equal((await keyState(one)).keys, 0, 'below the default batch, every GUID is still in the tail');

      // Two processes take turns on one database; each must see the other's newest objects.
      const mine = posts('s1', list.slice(0, half), 3);
      for (let i = 0; i < mine.length; i++) await (i % 2 === 0 ? a : b).ingest.commit([mine[i] as PostInput]);
      // A restart holds nothing in memory: the rest merges into what is stored.
      await a.close();
      a = await CollectorStorage.open(batched.url, { indexBatch: BATCH });
      await commitAll(a, posts('s1', list.slice(half), 4));

      assert.deepEqual(await byGuid(a, CALLS), expected);
      assert.deepEqual(await byGuid(b, CALLS), expected);
      const state = await keyState(a);
      assert.ok(state.indexed > 2 * 3 * BATCH, `the GUIDs went to object_key in several batches (indexed up to ${state.indexed})`);
      assert.deepEqual({ ...state, indexed: 0, keys: 0 }, { indexed: 0, unindexed: 0, stray: 0, keys: 0, doubled: 0 });
      assert.ok(state.keys > 3 * BATCH, `${state.keys} of ${3 * CALLS} objects are in object_key`);

      // Re-posting everything changes nothing but the duplicate counter.
      const outcomes = await Promise.all(posts('s1', list, 5).map((p) => b.ingest.commit([p])));
      assert.equal(outcomes.flat().reduce((n, o) => n + o.stored, 0), 0);
      assert.deepEqual(await byGuid(a, CALLS), expected);
      const records = await a.query.recordsOfObjects([callId(3), 'leg-3-0', 'leg-3-1']);
      assert.equal(records.length, 8, 'the records of a call and its legs, found by GUID');
    } finally {
      await Promise.all([one.close(), a.close(), b.close()]);
      await Promise.all([reference.dispose(), batched.dispose()]);
    }
  });

  it('drops the keys of objects retention removes; a GUID seen again afterwards is a new object', async () => {
    const database = await freshDatabase(dialect, 'keys-retention');
    const a = await CollectorStorage.open(database.url, { indexBatch: BATCH });
    const b = await CollectorStorage.open(database.url, { indexBatch: BATCH });
    try {
      await commitAll(a, posts('s1', traffic(), 3));
      // A call that never ended (so retention drops it by its begin) with a leg that ends after the
      // cutoff (kept); posted last, so its GUID is in the tail that b holds in memory.
      const stuck: RecordSpec[] = [
        { type: 'callStart', time: at(T0, 1), correlatorIndex: 50_000, body: body.callStart('stuck-call') },
        { type: 'callLegStart', time: at(T0, 2), correlatorIndex: 50_001, body: body.legStart('stuck-leg') },
        { type: 'callLegUpdate', time: at(T0, 3), correlatorIndex: 50_002, body: body.legUpdate('stuck-leg', { state: 'connected', call: 'stuck-call' }) },
        { type: 'callLegEnd', time: at(T0, CALLS * 3600), correlatorIndex: 50_003, body: body.legEnd('stuck-leg', { durationSeconds: CALLS * 3600 - 2, reason: 'timeout' }) },
      ];
      await commitAll(a, posts('s1', stuck, 4));
      assert.equal((await b.query.getCallLeg('leg-2-0'))?.durationSeconds, 57);
      assert.equal((await b.query.legsOfCalls(['stuck-call'])).length, 1);
      const unindexed = await sql<{ n: number }>`SELECT count(*) AS n FROM object_key WHERE id = 'stuck-call'`.execute(a.db);
      assert.equal(Number(unindexed.rows[0]?.n), 0, 'the stuck call is in the tail, not yet in object_key');
      const cutoff = T0 + (CALLS / 2) * 3600 * 1000;
      const dropped = await a.reports.deleteOlderThan(cutoff);
      assert.equal(dropped.calls, CALLS / 2 + 1, "the first half and the stuck call");
      const state = await keyState(a);
      assert.deepEqual({ unindexed: state.unindexed, stray: state.stray, doubled: state.doubled }, { unindexed: 0, stray: 0, doubled: 0 });
      assert.equal(await b.query.getCallLeg('leg-2-0'), undefined, 'the other process no longer finds a dropped leg');
      assert.equal((await b.query.getCallLeg(`leg-${CALLS - 1}-1`))?.durationSeconds, 57);
      assert.equal((await b.query.getCallLeg('stuck-leg'))?.callId, 'stuck-call', 'the leg outlives its call');
      // b rereads its tail after the sweep ('pruned'), so the dropped call is not found, nor its leg through it.
      assert.equal(await b.query.getCall('stuck-call'), undefined);
      assert.deepEqual(await b.query.legsOfCalls(['stuck-call']), []);

      // The bridge reuses a dropped leg's id: a new row, found by its GUID, its old records gone.
      const late = posts('s1', [{ type: 'callLegStart', time: at(T0, CALLS * 3600), correlatorIndex: 100_000, body: body.legStart('leg-2-0', { remoteParty: 'again@example.com' }) }], 1);
      await commitAll(b, late);
      assert.equal((await a.query.getCallLeg('leg-2-0'))?.remoteParty, 'again@example.com');
      assert.equal((await a.query.recordsOfObjects(['leg-2-0'])).length, 1);
      assert.equal((await keyState(a)).doubled, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await database.dispose();
    }
  });
});
