/** Out-of-order arrival and distributed calls: what is stored never depends on the order records came in. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { forEachDialect } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml, type RecordSpec } from '../support/cdrXml.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const S = 'sess-order';

/** One call with two legs; leg 2 goes through the IVR and changes display name on its updates. */
function callRecords(): RecordSpec[] {
  const specs: Omit<RecordSpec, 'correlatorIndex' | 'recordIndex'>[] = [
    { type: 'callLegStart', time: at(T0, 0), body: body.legStart('o-leg1', { remoteParty: 'alice@example.com', displayName: 'Alice' }) },
    { type: 'callStart', time: at(T0, 1), body: body.callStart('o-call', { name: 'Board', coSpace: 'space-board', callCorrelator: 'corr-board', tenant: 'tenant-a', cdrTag: 'tag-1' }) },
    { type: 'callLegUpdate', time: at(T0, 1), body: body.legUpdate('o-leg1', { state: 'connected', call: 'o-call' }) },
    { type: 'callLegStart', time: at(T0, 2), body: body.legStart('o-leg2', { remoteParty: 'bob@example.com', displayName: 'Bob (guest)' }) },
    { type: 'callLegUpdate', time: at(T0, 3), body: body.legUpdate('o-leg2', { ivr: true, displayName: 'Bob in IVR' }) },
    { type: 'callLegUpdate', time: at(T0, 5), body: body.legUpdate('o-leg2', { state: 'connected', call: 'o-call', displayName: 'Bob Builder' }) },
    { type: 'recordingStart', time: at(T0, 6), body: '<recording id="o-rec"><path>/rec/board</path><call>o-call</call></recording>' },
    { type: 'callLegEnd', time: at(T0, 65), body: body.legEnd('o-leg2', { durationSeconds: 63, reason: 'remoteTeardown' }) },
    { type: 'recordingEnd', time: at(T0, 66), body: '<recording id="o-rec"/>' },
    { type: 'callLegEnd', time: at(T0, 70), body: body.legEnd('o-leg1', { durationSeconds: 70, reason: 'callDeactivated', remoteTeardown: false }) },
    { type: 'callEnd', time: at(T0, 70), body: body.callEnd('o-call', 69, 2) },
  ];
  return specs.map((s, i) => ({ ...s, correlatorIndex: i, recordIndex: i + 1 }));
}

async function snapshot(c: TestCollector): Promise<unknown> {
  const call = await c.get('/calls/o-call');
  return { call: call.call, callLegs: call.callLegs, recordings: call.recordings, timeline: call.timeline };
}

forEachDialect('collector model: out-of-order arrival', (dialect) => {
  let inOrder: TestCollector;
  let shuffled: TestCollector;
  before(async () => {
    inOrder = await startTestCollector(dialect);
    shuffled = await startTestCollector(dialect);
  });
  after(async () => {
    await inOrder.close();
    await shuffled.close();
  });

  it('stitches legs before their call, updates before start, end without start, to the same result as in order', async () => {
    const records = callRecords();
    for (const r of records) assert.equal((await inOrder.post(recordsXml(S, [r], 'bridge-1'))).status, 200);

    // Reverse order: every end before its start, updates before starts, the call last.
    const reversed = [...records].reverse();
    // First only the end of leg 2: an end without a start is stored as it is.
    assert.equal((await shuffled.post(recordsXml(S, [reversed[3] as RecordSpec], 'bridge-1'))).status, 200);
    const lone = await shuffled.get('/callLegs/o-leg2');
    assert.equal(lone.callLeg.hasStart, false);
    assert.equal(lone.callLeg.hasEnd, true);
    assert.equal(lone.callLeg.reason, 'remoteTeardown');
    assert.equal(lone.callLeg.beginTime, new Date(T0 + 2000).toISOString(), 'begin = end - duration');
    // Then the rest in reverse, two per post.
    const rest = reversed.filter((_r, i) => i !== 3);
    for (let i = 0; i < rest.length; i += 2) assert.equal((await shuffled.post(recordsXml(S, rest.slice(i, i + 2), 'bridge-1'))).status, 200);

    const expected = await snapshot(inOrder);
    assert.deepEqual(await snapshot(shuffled), expected);
    const leg2 = (expected as { callLegs: { id: string; displayName: string; inIvr: boolean; state: string; updateCount: number; call: string }[] }).callLegs.find((l) => l.id === 'o-leg2');
    assert.ok(leg2);
    assert.equal(leg2.displayName, 'Bob Builder', 'the newest update wins whatever the arrival order');
    assert.equal(leg2.inIvr, false);
    assert.equal(leg2.state, 'connected');
    assert.equal(leg2.updateCount, 2);
    assert.equal(leg2.call, 'o-call');
    const rec = (expected as { recordings: { id: string; path: string; endTime: string }[] }).recordings[0];
    assert.ok(rec);
    assert.equal(rec.path, '/rec/board');
    assert.equal(rec.endTime, new Date(T0 + 66000).toISOString());
  });

  it('refers to objects by their integer keys: every record to its object, every leg to its call, whatever the order', async () => {
    for (const c of [inOrder, shuffled]) {
      const { rows } = await sql<{ what: string; n: number }>`
        SELECT 'leg records' AS what, count(*) AS n FROM cdr_record r JOIN call_leg l ON l.id = r.object_id
          WHERE r.type IN ('callLegStart', 'callLegUpdate', 'callLegEnd') AND r.object_seq = l.seq
        UNION ALL SELECT 'call records', count(*) FROM cdr_record r JOIN call k ON k.id = r.object_id
          WHERE r.type IN ('callStart', 'callEnd') AND r.object_seq = k.seq
        UNION ALL SELECT 'recording records', count(*) FROM cdr_record r JOIN media_session m ON m.id = r.object_id
          WHERE r.type IN ('recordingStart', 'recordingEnd') AND r.object_seq = m.seq
        UNION ALL SELECT 'legs of the call', count(*) FROM call_leg l JOIN call k ON k.id = l.call_id WHERE l.call_seq = k.seq
        UNION ALL SELECT 'records without a key', count(*) FROM cdr_record WHERE object_seq IS NULL
        UNION ALL SELECT 'distinct seqs', count(DISTINCT seq) FROM (SELECT seq FROM call UNION ALL SELECT seq FROM call_leg UNION ALL SELECT seq FROM media_session) s`.execute(c.collector.storage.db);
      // All 7 leg records (3 + 4), 2 call records and 2 recording records point at their object; both
      // legs are stitched to the call (in the reversed order they arrived before it); 4 objects, 4 numbers.
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.what, r.n])), {
        'leg records': 7,
        'call records': 2,
        'recording records': 2,
        'legs of the call': 2,
        'records without a key': 0,
        'distinct seqs': 4,
      });
    }
  });

  it('stitches a leg that named its call before the call arrived, in a later post', async () => {
    const c = inOrder;
    const specs: Omit<RecordSpec, 'correlatorIndex' | 'recordIndex'>[] = [
      { type: 'callLegStart', time: at(T0, 100), body: body.legStart('x-leg', { remoteParty: 'carol@example.com' }) },
      { type: 'callLegUpdate', time: at(T0, 101), body: body.legUpdate('x-leg', { state: 'connected', call: 'x-call' }) },
      { type: 'callStart', time: at(T0, 99), body: body.callStart('x-call', { name: 'Late', coSpace: 'space-late' }) },
    ];
    const records = specs.map((r, i) => ({ ...r, correlatorIndex: 100 + i, recordIndex: 101 + i }));
    assert.equal((await c.post(recordsXml('sess-late', records.slice(0, 2), 'bridge-1'))).status, 200);
    const { rows: waiting } = await sql<{ callSeq: number | null }>`SELECT call_seq FROM call_leg WHERE id = 'x-leg'`.execute(c.collector.storage.db);
    assert.deepEqual(waiting, [{ callSeq: null }], 'no call yet');
    assert.deepEqual((await c.get('/callLegs?call=x-call')).callLegs.map((l: { id: string }) => l.id), ['x-leg'], 'found by the call id meanwhile');
    assert.equal((await c.post(recordsXml('sess-late', records.slice(2), 'bridge-1'))).status, 200);
    const { rows } = await sql<{ stitched: number }>`
      SELECT count(*) AS stitched FROM call_leg l JOIN call k ON k.seq = l.call_seq WHERE l.id = 'x-leg' AND k.id = 'x-call'`.execute(c.collector.storage.db);
    assert.equal(Number(rows[0]?.stitched), 1);
    const call = await c.get('/calls/x-call');
    assert.deepEqual(call.callLegs.map((l: { id: string }) => l.id), ['x-leg']);
    for (const shown of [call.call, call.callLegs[0], (await c.get('/callLegs/x-leg')).callLeg]) {
      assert.deepEqual(Object.keys(shown).filter((k) => /seq/i.test(k)), [], 'the storage keys stay inside');
    }
    assert.deepEqual(call.timeline.map((r: { type: string }) => r.type), ['callStart', 'callLegStart', 'callLegUpdate']);
  });

  it('filters calls and call legs by time, coSpace, party, reason, bridge, tenant and cdrTag', async () => {
    const c = shuffled;
    const ids = async (path: string): Promise<string[]> => {
      const res = await c.get(path);
      return (res.calls ?? res.callLegs).map((x: { id: string }) => x.id).sort();
    };
    assert.deepEqual(await ids('/calls?coSpace=space-board'), ['o-call']);
    assert.deepEqual(await ids('/calls?coSpace=other'), []);
    assert.deepEqual(await ids('/calls?tenant=tenant-a&cdrTag=tag-1&callBridge=bridge-1'), ['o-call']);
    assert.deepEqual(await ids('/calls?remoteParty=bob@example.com'), ['o-call']);
    assert.deepEqual(await ids('/calls?reason=callDeactivated'), ['o-call']);
    assert.deepEqual(await ids('/calls?reason=remoteBusy'), []);
    assert.deepEqual(await ids(`/calls?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 2000).toISOString()}`), ['o-call']);
    assert.deepEqual(await ids(`/calls?from=${T0 + 2000}`), []);
    assert.deepEqual(await ids('/callLegs?coSpace=space-board'), ['o-leg1', 'o-leg2']);
    assert.deepEqual(await ids('/callLegs?remoteParty=alice@example.com'), ['o-leg1']);
    assert.deepEqual(await ids('/callLegs?reason=remoteTeardown'), ['o-leg2']);
    assert.deepEqual(await ids('/callLegs?tenant=tenant-a&call=o-call'), ['o-leg1', 'o-leg2']);
    assert.deepEqual(await ids(`/callLegs?to=${new Date(T0 + 1000).toISOString()}`), ['o-leg1']);
    const page = await c.get('/callLegs?limit=1&offset=1');
    assert.equal(page.total, 2);
    assert.deepEqual(page.callLegs.map((l: { id: string }) => l.id), ['o-leg2']);
  });
});

forEachDialect('collector model: distributed calls become one meeting', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
  });
  after(() => c.close());

  it('groups calls of two call bridges by callCorrelator, with all participants', async () => {
    const part = (bridge: string, session: string, call: string, leg: string, party: string) =>
      recordsXml(
        session,
        [
          { type: 'callStart', time: at(T0, 0), correlatorIndex: 0, body: body.callStart(call, { name: 'All hands', coSpace: 'space-all', callCorrelator: 'corr-all' }) },
          { type: 'callLegStart', time: at(T0, 1), correlatorIndex: 1, body: body.legStart(leg, { remoteParty: party, call }) },
          { type: 'callLegEnd', time: at(T0, 61), correlatorIndex: 2, body: body.legEnd(leg, { durationSeconds: 60 }) },
          { type: 'callEnd', time: at(T0, 62), correlatorIndex: 3, body: body.callEnd(call, 62) },
        ],
        bridge,
      );
    assert.equal((await c.post(part('bridge-a', 'sess-a', 'call-a', 'leg-a', 'a@example.com'))).status, 200);
    assert.equal((await c.post(part('bridge-b', 'sess-b', 'call-b', 'leg-b', 'b@example.com'))).status, 200);
    const m = await c.get('/meetings/corr-all');
    assert.deepEqual(m.callBridges.sort(), ['bridge-a', 'bridge-b']);
    assert.deepEqual(m.calls.map((x: { id: string }) => x.id).sort(), ['call-a', 'call-b']);
    assert.deepEqual(m.participants.map((p: { remoteParty: string }) => p.remoteParty).sort(), ['a@example.com', 'b@example.com']);
    const list = await c.get('/meetings?coSpace=space-all');
    assert.equal(list.meetings.length, 1);
    assert.equal(list.meetings[0].calls, 2);
    assert.equal(list.meetings[0].callBridges, 2);
  });
});
