/**
 * A bridge that restarts begins a new CDR session; the calls and legs its old session left open
 * (the bridge died with them: no callEnd / callLegEnd will ever come) are closed by the collector
 * when the new session's first post is stored from the same source (`store/sessionEnds.ts`), at the
 * old session's last record, with reason "sessionEnded". Both dialects, at the store.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { parseCdrPost } from '../../src/collector/ingest/parse.ts';
import { concurrencyReport } from '../../src/collector/reports/reports.ts';
import { CollectorStorage } from '../../src/collector/storage/index.ts';
import type { PostInput } from '../../src/collector/storage/ingestStore.ts';
import { at, body, recordsXml, type RecordSpec } from '../support/cdrXml.ts';
import { FakeClock } from '../../src/shared/clock.ts';
import { startTestBridge } from '../support/bridge.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';

const T0 = Date.UTC(2026, 3, 6, 8, 0, 0);
const HOUR = 3_600_000;

interface From {
  readonly callBridge?: string;
  readonly source?: string;
  readonly remoteAddress?: string;
}

function post(session: string, records: readonly RecordSpec[], from: From): PostInput {
  const parsed = parseCdrPost(recordsXml(session, records, from.callBridge));
  return { session, callBridge: parsed.callBridge, source: from.source ?? null, remoteAddress: from.remoteAddress ?? null, receivedMs: T0, records: parsed.records };
}

/**
 * A run of a bridge that dies: call `p-c` with legs `p-l1` (connected, open), `p-l2` (ended by a
 * callLegEnd) and `p-l3` (open); its last record (index 7, `p-l1` renamed) is at T0 + 300 s.
 * Index 2 (`p-l1` connected) is left out unless `withIndex2`.
 */
function oldRun(p: string, withIndex2 = true): RecordSpec[] {
  const all: RecordSpec[] = [
    { type: 'callStart', time: at(T0, 0), correlatorIndex: 0, body: body.callStart(`${p}-c`) },
    { type: 'callLegStart', time: at(T0, 1), correlatorIndex: 1, body: body.legStart(`${p}-l1`, { call: `${p}-c` }) },
    { type: 'callLegUpdate', time: at(T0, 2), correlatorIndex: 2, body: body.legUpdate(`${p}-l1`, { state: 'connected', call: `${p}-c` }) },
    { type: 'callLegStart', time: at(T0, 3), correlatorIndex: 3, body: body.legStart(`${p}-l2`, { call: `${p}-c` }) },
    { type: 'callLegEnd', time: at(T0, 60), correlatorIndex: 4, body: body.legEnd(`${p}-l2`, { durationSeconds: 57, reason: 'remoteTeardown' }) },
    { type: 'callLegStart', time: at(T0, 100), correlatorIndex: 5, body: body.legStart(`${p}-l3`, { call: `${p}-c` }) },
    { type: 'callLegUpdate', time: at(T0, 290), correlatorIndex: 6, body: body.legUpdate(`${p}-l3`, { state: 'connected', call: `${p}-c` }) },
    { type: 'callLegUpdate', time: at(T0, 300), correlatorIndex: 7, body: body.legUpdate(`${p}-l1`, { displayName: 'renamed' }) },
  ];
  return withIndex2 ? all : all.filter((r) => r.correlatorIndex !== 2);
}

/** The first post of the restarted bridge, an hour later (`offset` seconds after T0): a new call and leg. */
function newRun(p: string, offset = 3600): RecordSpec[] {
  return [
    { type: 'callStart', time: at(T0, offset), correlatorIndex: 0, body: body.callStart(`${p}-c`) },
    { type: 'callLegStart', time: at(T0, offset + 100), correlatorIndex: 1, body: body.legStart(`${p}-l4`, { call: `${p}-c` }) },
  ];
}

forEachDialect('calls and legs of a bridge run that ended', (dialect) => {
  let db: TestDatabase;
  let storage: CollectorStorage;
  beforeEach(async () => {
    db = await freshDatabase(dialect, 'session-end');
    storage = await CollectorStorage.open(db.url);
  });
  afterEach(async () => {
    await storage.close();
    await db.dispose();
  });

  const commit = async (...posts: PostInput[]): Promise<void> => {
    await storage.ingest.commit(posts);
  };
  const leg = async (id: string) => {
    const row = await storage.query.getCallLeg(id);
    assert.ok(row, `leg ${id}`);
    return row;
  };
  const call = async (id: string) => {
    const row = await storage.query.getCall(id);
    assert.ok(row, `call ${id}`);
    return row;
  };
  const isOpen = async (legId: string): Promise<boolean> => (await leg(legId)).endMs === null;
  const peaks = async (): Promise<[number[], number[]]> => {
    const report = await concurrencyReport(storage.reports, { from: T0, to: T0 + 3 * HOUR });
    return [report.map((h) => h['peakCallLegs'] as number), report.map((h) => h['peakCalls'] as number)];
  };

  it('a new session from the same source closes the open calls and legs of the older one at its last record', async () => {
    const cms1 = { source: 'system_id=cms1' };
    await commit(post('s1', oldRun('a'), cms1));
    assert.deepEqual(await peaks(), [[2, 2, 2], [1, 1, 1]], 'before the restart the open legs and call count to the end of the range');

    await commit(post('s2', newRun('b'), cms1));

    const l1 = await leg('a-l1');
    assert.equal(l1.endMs, T0 + 300_000);
    assert.equal(l1.reason, 'sessionEnded');
    assert.equal(l1.remoteTeardown, null);
    assert.equal(l1.durationSeconds, 299);
    assert.equal(l1.sessionEnded, true);
    assert.equal(l1.hasEnd, false);
    assert.equal(l1.displayName, 'renamed', 'the rest of the leg is kept');
    const l3 = await leg('a-l3');
    assert.deepEqual([l3.endMs, l3.durationSeconds, l3.reason, l3.sessionEnded], [T0 + 300_000, 200, 'sessionEnded', true]);
    const l2 = await leg('a-l2');
    assert.deepEqual([l2.endMs, l2.durationSeconds, l2.reason, l2.sessionEnded, l2.hasEnd], [T0 + 60_000, 57, 'remoteTeardown', false, true], 'a leg that ended is left alone');
    const c = await call('a-c');
    assert.deepEqual([c.endMs, c.durationSeconds, c.sessionEnded, c.hasEnd], [T0 + 300_000, 300, true, false]);
    assert.equal(await isOpen('b-l4'), true, "the new session's leg stays open");
    assert.equal((await call('b-c')).endMs, null);

    const s1 = await storage.query.getSession('s1');
    assert.deepEqual([s1?.endedMs, s1?.endedBy], [T0 + 300_000, 's2']);
    assert.deepEqual([(await storage.query.getSession('s2'))?.endedMs], [null]);
    assert.deepEqual(await peaks(), [[2, 1, 1], [1, 1, 1]], 'the old run no longer counts after its last record');
    const reasons = await storage.reports.disconnectReasons({ from: T0, to: T0 + 3 * HOUR });
    assert.deepEqual(
      reasons.map((r) => [r.reason, r.remoteTeardown, r.callLegs]),
      [
        ['sessionEnded', null, 2],
        ['remoteTeardown', true, 1],
      ],
    );
  });

  it('a new session from another source leaves them open; the source is callBridge and query string, else the address', async () => {
    const cases: { name: string; old: From; next: From; closes: boolean }[] = [
      { name: 'another query string', old: { source: 'system_id=x1' }, next: { source: 'system_id=x2' }, closes: false },
      { name: 'another call bridge, no query string', old: { callBridge: 'cb-1' }, next: { callBridge: 'cb-2' }, closes: false },
      { name: 'another call bridge, same query string', old: { callBridge: 'cb-3', source: 'site=a' }, next: { callBridge: 'cb-4', source: 'site=a' }, closes: false },
      { name: 'same call bridge, another query string', old: { callBridge: 'cb-5', source: 'r=1' }, next: { callBridge: 'cb-5', source: 'r=2' }, closes: false },
      { name: 'unlabelled, another address', old: { remoteAddress: '10.0.0.1' }, next: { remoteAddress: '10.0.0.2' }, closes: false },
      { name: 'unlabelled and labelled from one address', old: { remoteAddress: '10.0.0.3' }, next: { remoteAddress: '10.0.0.3', source: 'q=1' }, closes: false },
      { name: 'unlabelled, address unknown', old: {}, next: {}, closes: false },
      { name: 'same call bridge', old: { callBridge: 'cb-6' }, next: { callBridge: 'cb-6' }, closes: true },
      { name: 'same call bridge and query string', old: { callBridge: 'cb-7', source: 'r=7' }, next: { callBridge: 'cb-7', source: 'r=7' }, closes: true },
      { name: 'unlabelled, same address (IPv4-mapped or not)', old: { remoteAddress: '::ffff:10.0.0.9' }, next: { remoteAddress: '10.0.0.9' }, closes: true },
    ];
    for (const [i, k] of cases.entries()) {
      await commit(post(`old-${i}`, oldRun(`o${i}`), k.old));
      await commit(post(`new-${i}`, newRun(`n${i}`), k.next));
      assert.equal(await isOpen(`o${i}-l1`), !k.closes, k.name);
      assert.equal((await call(`o${i}-c`)).endMs === null, !k.closes, k.name);
    }
  });

  it('a real callLegEnd or callEnd that arrives later replaces the close', async () => {
    const from = { callBridge: 'cb-late' };
    await commit(post('s1', oldRun('a'), from));
    await commit(post('s2', newRun('b'), from));
    assert.equal((await leg('a-l1')).sessionEnded, true);
    await commit(
      post(
        's1',
        [
          { type: 'callLegEnd', time: at(T0, 305), correlatorIndex: 8, body: body.legEnd('a-l1', { durationSeconds: 304, reason: 'timeout', remoteTeardown: false }) },
          // An end without durationSeconds or remoteTeardown: nothing of the close stays.
          { type: 'callLegEnd', time: at(T0, 306), correlatorIndex: 9, body: '<callLeg id="a-l3"><reason>callDeactivated</reason></callLeg>' },
          { type: 'callEnd', time: at(T0, 307), correlatorIndex: 10, body: body.callEnd('a-c', 307, 3) },
        ],
        from,
      ),
    );
    const l1 = await leg('a-l1');
    assert.deepEqual([l1.endMs, l1.reason, l1.remoteTeardown, l1.durationSeconds, l1.hasEnd, l1.sessionEnded], [T0 + 305_000, 'timeout', false, 304, true, false]);
    const l3 = await leg('a-l3');
    assert.deepEqual([l3.endMs, l3.reason, l3.remoteTeardown, l3.durationSeconds, l3.hasEnd, l3.sessionEnded], [T0 + 306_000, 'callDeactivated', null, null, true, false]);
    const c = await call('a-c');
    assert.deepEqual([c.endMs, c.durationSeconds, c.callLegsCompleted, c.hasEnd, c.sessionEnded], [T0 + 307_000, 307, 3, true, false]);
  });

  it('re-sending the posts of both sessions changes nothing', async () => {
    const from = { source: 'system_id=again' };
    await commit(post('s1', oldRun('a'), from));
    await commit(post('s2', newRun('b'), from));
    const snapshot = async () => ({
      legs: await Promise.all(['a-l1', 'a-l2', 'a-l3', 'b-l4'].map(leg)),
      calls: await Promise.all(['a-c', 'b-c'].map(call)),
      sessions: await storage.query.listSessions(),
    });
    const before = await snapshot();
    assert.equal(before.legs[0]?.sessionEnded, true);
    for (let i = 0; i < 2; i++) {
      await commit(post('s2', newRun('b'), from));
      await commit(post('s1', oldRun('a'), from), post('s2', newRun('b'), from));
    }
    const after = await snapshot();
    assert.deepEqual(after.legs, before.legs);
    assert.deepEqual(after.calls, before.calls);
    assert.deepEqual(
      after.sessions.map((s) => [s.session, s.endedMs, s.endedBy]),
      before.sessions.map((s) => [s.session, s.endedMs, s.endedBy]),
    );
  });

  it('records of the ended session that arrive late are closed too, a leg rebuilt from its records included', async () => {
    const from = { source: 'system_id=late' };
    await commit(post('s1', oldRun('a', false), from));
    await commit(post('s2', newRun('b'), from));
    assert.equal((await leg('a-l1')).sessionEnded, true);
    await commit(
      post(
        's1',
        [
          // older than the newest record of a-l1: the leg is rebuilt from all its records
          { type: 'callLegUpdate', time: at(T0, 2), correlatorIndex: 2, body: body.legUpdate('a-l1', { state: 'connected', call: 'a-c' }) },
          // a leg whose start was not delivered before the restart
          { type: 'callLegStart', time: at(T0, 200), correlatorIndex: 8, body: body.legStart('a-l5', { call: 'a-c' }) },
        ],
        from,
      ),
    );
    const l1 = await leg('a-l1');
    assert.deepEqual([l1.connectedMs, l1.endMs, l1.reason, l1.sessionEnded], [T0 + 2000, T0 + 300_000, 'sessionEnded', true]);
    const l5 = await leg('a-l5');
    assert.deepEqual([l5.endMs, l5.durationSeconds, l5.sessionEnded], [T0 + 300_000, 100, true]);
  });

  it('a session re-sent from the past does not end the current one; the next new session ends both', async () => {
    const from = { callBridge: 'cb-past' };
    await commit(post('s1', oldRun('a'), from));
    const past = oldRun('p').map((r) => ({ ...r, time: new Date(Date.parse(r.time) - 10 * 86_400_000).toISOString() }));
    await commit(post('s0', past, from));
    assert.equal(await isOpen('a-l1'), true, 'the current session stays open');
    assert.equal(await isOpen('p-l1'), true);
    await commit(post('s2', newRun('b'), from));
    assert.equal((await leg('a-l1')).endMs, T0 + 300_000);
    assert.equal((await leg('p-l1')).endMs, T0 - 10 * 86_400_000 + 300_000);
  });

  it('two collector processes on one database: a new session stored by one closes what the other stored', async () => {
    const other = await CollectorStorage.open(db.url);
    try {
      const from = { remoteAddress: '192.0.2.7' };
      await other.ingest.commit([post('s1', oldRun('a'), from)]);
      await storage.ingest.commit([post('s2', newRun('b'), from)]);
      assert.equal((await other.query.getCallLeg('a-l1'))?.reason, 'sessionEnded');
      await other.ingest.commit([post('s2', newRun('b'), from)]);
      await other.ingest.commit([post('s3', newRun('c', 7200), from)]);
      assert.equal((await storage.query.getCallLeg('b-l4'))?.reason, 'sessionEnded', 'the second process ends the session the first one started');
      assert.equal((await storage.query.getCallLeg('a-l1'))?.endMs, T0 + 300_000);
    } finally {
      await other.close();
    }
  });
});

forEachDialect('a bridge restart seen through the receiver', (dialect) => {
  it('posts without callBridge or query string are told apart by their address; the API shows the close', async () => {
    const c = await startTestCollector(dialect);
    try {
      // Plain receiver URI, single node: the source is the address the posts come from (127.0.0.1).
      assert.equal((await c.post(recordsXml('h1', oldRun('h')))).status, 200);
      // Another CMS, labelled: not the same source.
      assert.equal((await c.post(recordsXml('k1', oldRun('k')), '/cdr?system_id=cms2')).status, 200);
      const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3 * HOUR).toISOString()}`;
      const before = await c.get(`/reports/concurrency?${range}`);
      assert.deepEqual(before.hours.map((h: { peakCallLegs: number }) => h.peakCallLegs), [4, 4, 4]);

      assert.equal((await c.post(recordsXml('h2', newRun('h2')))).status, 200);
      const leg = (await c.get('/callLegs/h-l1')).callLeg;
      assert.equal(leg.reason, 'sessionEnded');
      assert.equal(leg.sessionEnded, true);
      assert.equal(leg.endTime, new Date(T0 + 300_000).toISOString());
      const call = await c.get('/calls/h-c');
      assert.deepEqual([call.call.sessionEnded, call.call.endTime], [true, new Date(T0 + 300_000).toISOString()]);
      const session = await c.get('/sessions/h1');
      assert.deepEqual([session.endedBy, session.endedTime, session.remoteAddress], ['h2', new Date(T0 + 300_000).toISOString(), '127.0.0.1']);
      assert.equal((await c.get('/callLegs/k-l1')).callLeg.endTime, null, 'the other source keeps its open legs');
      const after = await c.get(`/reports/concurrency?${range}`);
      assert.deepEqual(after.hours.map((h: { peakCallLegs: number }) => h.peakCallLegs), [4, 3, 3]);
    } finally {
      await c.close();
    }
  });
});

forEachDialect('our call bridge killed and started again, feeding a collector', (dialect) => {
  it('the live call and leg of the killed run are closed when the next run posts', async () => {
    const c = await startTestCollector(dialect);
    const database = await freshDatabase(dialect, 'bridge-restart');
    const clock = new FakeClock(T0);
    try {
      const storedAtLeast = async (collector: TestCollector, n: number): Promise<void> => {
        let stored = 0;
        for (let i = 0; i < 400 && stored < n; i++) {
          stored = (await collector.get('/status')).records;
          if (stored < n) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.ok(stored >= n, `${n} records stored (have ${stored})`);
      };
      // A single node with a plain receiver URI: its posts carry no callBridge and no query string.
      const first = await startTestBridge(dialect, { clock, database, name: 'restart-node' });
      let callId: string;
      try {
        await first.create('/system/cdrReceivers', `uri=${encodeURIComponent(`${c.url}/cdr`)}`);
        await first.create('/coSpaces', 'name=restart&uri=restart1');
        const dialIn = await first.sim('POST', '/dialIns', { uri: 'restart1@127.0.0.1', remoteParty: 'alice@example.com' });
        callId = String(dialIn.json.call);
        await storedAtLeast(c, 3);
        await clock.advance(60_000);
      } finally {
        // Stopped with the call live: like a killed process, no callLegEnd or callEnd is ever sent.
        await first.close();
      }
      const live = await c.get(`/calls/${callId}`);
      assert.equal(live.call.endTime, null);
      const stored = Number((await c.get('/status')).records);

      await clock.advance(60_000);
      const second = await startTestBridge(dialect, { clock, database, name: 'restart-node' });
      try {
        await second.sim('POST', '/dialIns', { uri: 'restart1@127.0.0.1', remoteParty: 'bob@example.com' });
        await storedAtLeast(c, stored + 1);
      } finally {
        await second.close();
      }
      const { sessions } = await c.get('/sessions');
      assert.equal(sessions.length, 2);
      const after = await c.get(`/calls/${callId}`);
      assert.equal(after.call.sessionEnded, true);
      assert.notEqual(after.call.endTime, null);
      assert.ok(after.callLegs.length > 0);
      for (const leg of after.callLegs) assert.deepEqual([leg.reason, leg.sessionEnded], ['sessionEnded', true]);
      const oldRunSession = sessions.find((s: { session: string }) => s.session === after.call.session);
      assert.ok(oldRunSession?.endedBy, 'the old run is marked ended by the new one');
    } finally {
      await c.close();
      await database.dispose();
    }
  });
});
