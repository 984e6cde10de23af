/**
 * End to end through the wire protocols only: our call bridge (simulator-driven) pushes its CDRs to
 * a real collector configured as a cdrReceiver; the collector stores and merges them. Then the
 * collector is made to refuse for a while (wrong ingest token in the URI) and the bridge's re-sends
 * after the fix arrive once each.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';

forEachDialect('call bridge → collector over CDR push', (dialect) => {
  let b: TestBridge;
  let c: TestCollector;
  const clock = new FakeClock(Date.UTC(2015, 6, 23, 7, 32, 55));
  before(async () => {
    c = await startTestCollector(dialect);
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
    await c.close();
  });

  test('the guide flow driven on the bridge arrives merged at the collector', async () => {
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(`${c.url}/cdr?system_id=cms1`)}`);
    await b.create('/coSpaces', 'name=test564_1&uri=access1&secondaryUri=access2');
    let stored = 0;
    const storedAtLeast = async (n: number): Promise<void> => {
      for (let i = 0; i < 400 && stored < n; i++) {
        stored = (await c.get('/status')).records;
        if (stored < n) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(stored >= n, `${n} records stored (have ${stored})`);
    };

    const a = await b.sim('POST', '/dialIns', { uri: 'access1@127.0.0.1', remoteParty: 'sipclient1@example.com' });
    await storedAtLeast(3);
    const legB = await b.sim('POST', '/dialIns', { uri: 'access2@127.0.0.1', remoteParty: 'sipclient2@example.com', media: { rxAudio: { codec: 'g722' } } });
    await storedAtLeast(5);
    await clock.advance(10_000);
    assert.equal((await b.sim('POST', `/callLegs/${legB.json.callLeg}/hangUp`)).status, 200);
    assert.equal((await b.sim('POST', `/calls/${a.json.call}/deactivate`)).status, 200);
    await storedAtLeast(8);

    const callId = String(a.json.call);
    const detail = await c.get(`/calls/${callId}`);
    assert.equal(detail.call.name, 'test564_1');
    assert.equal(detail.call.callType, 'coSpace');
    assert.equal(detail.call.callLegsCompleted, 2);
    assert.equal(detail.call.durationSeconds, 10);
    assert.equal(detail.callLegs.length, 2);
    const b2 = detail.callLegs.find((l: { remoteParty: string }) => l.remoteParty === 'sipclient2@example.com');
    assert.equal(b2.reason, 'remoteTeardown');
    assert.equal(b2.remoteTeardown, true);
    assert.equal(b2.rxAudioCodec, 'g722');
    assert.equal(b2.state, 'connected');
    const a2 = detail.callLegs.find((l: { remoteParty: string }) => l.remoteParty === 'sipclient1@example.com');
    assert.equal(a2.reason, 'callDeactivated');
    assert.deepEqual(
      detail.timeline.map((t: { correlatorIndex: number }) => t.correlatorIndex),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const { sessions } = await c.get('/sessions');
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].records, 8);
    assert.equal(sessions[0].gaps, 0);
    assert.equal(sessions[0].source, 'system_id=cms1');
  });
});
