/**
 * A database written before migration 0002 (object keys) reads the same after it and 0003 (tables
 * keyed by seq, GUIDs in object_key): calls, legs, recordings and timelines equal those of a
 * collector that stored the same records from scratch.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { openDatabase, migrateToLatest, type Database } from '../../src/shared/database.ts';
import { initial } from '../../src/collector/storage/migrations/0001_initial.ts';
import { parsePlainCdrPost } from '../../src/collector/ingest/parse.ts';
import { applyCallRecord, type CallRow } from '../../src/collector/domain/call.ts';
import { applyCallLegRecord, type CallLegRow } from '../../src/collector/domain/callLeg.ts';
import { applyMediaRecord, type MediaSessionRow } from '../../src/collector/domain/media.ts';
import { objectIdOf, objectKindOf } from '../../src/collector/domain/record.ts';
import { callToTable, legToTable } from '../../src/collector/storage/rows.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml, type RecordSpec } from '../support/cdrXml.ts';
import { CamelCasePlugin, sql } from 'kysely';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const S = 'sess-migrate';

const XML = recordsXml(
  S,
  (
    [
      { type: 'callStart', time: at(T0, 0), body: body.callStart('m-call', { name: 'Weekly', coSpace: 'space-weekly', callCorrelator: 'corr-weekly', tenant: 't1' }) },
      { type: 'callLegStart', time: at(T0, 1), body: body.legStart('m-leg1', { remoteParty: 'dana@example.com', displayName: 'Dana' }) },
      { type: 'callLegUpdate', time: at(T0, 2), body: body.legUpdate('m-leg1', { state: 'connected', call: 'm-call' }) },
      { type: 'callLegStart', time: at(T0, 3), body: body.legStart('m-leg2', { remoteParty: 'erin@example.com' }) },
      { type: 'callLegUpdate', time: at(T0, 4), body: body.legUpdate('m-leg2', { state: 'connected', call: 'm-call' }) },
      { type: 'recordingStart', time: at(T0, 5), body: '<recording id="m-rec"><path>/rec/weekly</path><call>m-call</call></recording>' },
      // A leg whose call never arrives: found by the call's id.
      { type: 'callLegStart', time: at(T0, 6), body: body.legStart('m-stray', { remoteParty: 'frank@example.com' }) },
      { type: 'callLegUpdate', time: at(T0, 7), body: body.legUpdate('m-stray', { state: 'connected', call: 'm-gone' }) },
      { type: 'recordingEnd', time: at(T0, 60), body: '<recording id="m-rec"/>' },
      { type: 'callLegEnd', time: at(T0, 61), body: body.legEnd('m-leg2', { durationSeconds: 58, reason: 'remoteTeardown' }) },
      { type: 'callLegEnd', time: at(T0, 62), body: body.legEnd('m-leg1', { durationSeconds: 61, reason: 'callDeactivated', remoteTeardown: false }) },
      { type: 'callEnd', time: at(T0, 62), body: body.callEnd('m-call', 62, 2) },
    ] satisfies Omit<RecordSpec, 'correlatorIndex' | 'recordIndex'>[]
  ).map((r, i) => ({ ...r, correlatorIndex: i, recordIndex: i + 1 })),
  'bridge-m',
);

/** Stores the post the way the collector did before 0002 (GUID references only), into a 0001 schema. */
async function writeBeforeObjectKeys(database: Database<any>, receivedMs: number): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const db = database.db.withPlugin(new CamelCasePlugin());
  const post = parsePlainCdrPost(XML);
  assert.ok(post);
  const calls = new Map<string, CallRow>();
  const legs = new Map<string, CallLegRow>();
  const media = new Map<string, MediaSessionRow>();
  for (const r of post.records) {
    const objectId = objectIdOf(r.body);
    const timeMs = r.timeMs ?? T0;
    await db
      .insertInto('cdrRecord')
      .values({ session: S, keyKind: 'c', keyIndex: r.correlatorIndex, correlatorIndex: r.correlatorIndex, recordIndex: r.recordIndex, numPrecedingMissing: null, type: r.type, timeMs, callBridge: 'bridge-m', source: null, objectId, raw: r.raw, receivedMs })
      .execute();
    const kind = objectKindOf(r.type);
    if (kind === undefined || objectId === null) continue;
    const record = { type: r.type, session: S, callBridge: 'bridge-m', timeMs, order: r.correlatorIndex ?? 0, body: r.body };
    if (kind === 'call') calls.set(objectId, applyCallRecord(calls.get(objectId), objectId, record));
    else if (kind === 'callLeg') legs.set(objectId, applyCallLegRecord(legs.get(objectId), objectId, record));
    else media.set(objectId, applyMediaRecord(media.get(objectId), objectId, record));
  }
  // Columns added by later migrations (0005: session_ended) are left out of the 0001 schema.
  const { seq: _c, sessionEnded: _ce, ...oldCall } = callToTable(calls.get('m-call') as CallRow, 0);
  await db.insertInto('call').values(oldCall).execute();
  for (const leg of legs.values()) {
    const { seq: _l, callSeq: _s, sessionEnded: _le, ...oldLeg } = legToTable(leg, 0, null);
    await db.insertInto('callLeg').values(oldLeg).execute();
  }
  for (const m of media.values()) await db.insertInto('mediaSession').values(m).execute();
  await db
    .insertInto('cdrSession')
    .values({ session: S, callBridge: 'bridge-m', source: null, firstSeenMs: receivedMs, lastSeenMs: receivedMs, posts: 1, records: post.records.length, correlatedRecords: post.records.length, duplicates: 0, declaredMissing: 0, minCorrelator: 0, maxCorrelator: post.records.length - 1 })
    .execute();
}

async function snapshot(c: TestCollector): Promise<unknown> {
  return {
    call: await c.get('/calls/m-call'),
    stray: await c.get('/callLegs/m-stray'),
    strayByCall: await c.get('/callLegs?call=m-gone'),
    legsByCall: await c.get('/callLegs?call=m-call'),
    meetings: await c.get(`/meetings?from=${new Date(T0 - 60_000).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`),
    recordings: await c.get('/recordings'),
  };
}

forEachDialect('collector migration 0002: object keys', (dialect) => {
  let migrated: TestDatabase;
  let fresh: TestCollector;
  before(async () => {
    fresh = await startTestCollector(dialect);
    assert.equal((await fresh.post(XML)).status, 200);
    migrated = await freshDatabase(dialect, 'collector');
    const database = await openDatabase(migrated.url);
    await migrateToLatest(database, 'collector', { '0001_initial': initial(dialect) });
    await writeBeforeObjectKeys(database, fresh.clock.now());
    await database.close();
  });
  after(async () => {
    await fresh.close();
    await migrated.dispose();
  });

  it('numbers existing objects and reads them as a collector that stored them fresh', async () => {
    const old = await startTestCollector(dialect, { database: migrated });
    try {
      const expected = await snapshot(fresh);
      assert.equal(JSON.stringify(await snapshot(old), null, 1), JSON.stringify(expected, null, 1));
      const check = await openDatabase(migrated.url);
      try {
        const keys = await sql<{ kind: string; id: string; seq: number }>`SELECT kind, id, seq FROM object_key ORDER BY kind, id`.execute(check.db);
        assert.deepEqual(keys.rows.map((r) => `${r.kind} ${r.id}`), ['c m-call', 'l m-leg1', 'l m-leg2', 'l m-stray', 'm m-rec'], 'every existing object is indexed');
        const marks = await sql<{ name: string; value: number }>`SELECT name, value FROM collector_sequence ORDER BY name`.execute(check.db);
        assert.deepEqual(marks.rows.map((r) => [r.name, r.value]), [['indexed', 5], ['object', 5], ['pruned', 0]]);
        assert.deepEqual(keys.rows.map((r) => r.seq).sort(), [1, 2, 3, 4, 5]);
      } finally {
        await check.close();
      }
      assert.equal((expected as { call: { callLegs: unknown[]; timeline: unknown[] } }).call.callLegs.length, 2);
      assert.equal((expected as { call: { timeline: unknown[] } }).call.timeline.length, 10, 'the call, its legs and its recording');
      // A restart of the bridge after the upgrade (migration 0005): the old session's open leg is closed
      // at its last record; its real end, arriving later, still wins (below).
      const restart = recordsXml('sess-migrate-2', [{ type: 'callStart', time: at(T0, 3600), correlatorIndex: 0, body: body.callStart('m-call-2') }], 'bridge-m');
      assert.equal((await old.post(restart)).status, 200);
      const closed = (await old.get('/callLegs/m-stray')).callLeg;
      assert.deepEqual([closed.reason, closed.sessionEnded, closed.endTime], ['sessionEnded', true, new Date(T0 + 62_000).toISOString()]);
      // New records after the migration continue the numbering and merge into the old rows.
      const end = recordsXml(S, [{ type: 'callLegEnd', time: at(T0, 70), correlatorIndex: 12, recordIndex: 13, body: body.legEnd('m-stray', { durationSeconds: 64, reason: 'remoteTeardown' }) }], 'bridge-m');
      assert.equal((await old.post(end)).status, 200);
      const stray = await old.get('/callLegs/m-stray');
      assert.deepEqual([stray.callLeg.reason, stray.callLeg.sessionEnded], ['remoteTeardown', false]);
      assert.deepEqual(stray.records.map((r: { type: string }) => r.type), ['callLegStart', 'callLegUpdate', 'callLegEnd']);
    } finally {
      await old.close();
    }
  });
});
