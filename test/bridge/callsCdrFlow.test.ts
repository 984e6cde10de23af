/**
 * The CDR guide's example flow (cdr.md §6), driven through the simulator: two SIP clients join a
 * coSpace call, one leaves (remote teardown), then the call is deactivated. The records the engine
 * emits must match the guide's six posts: types, order, grouping, ids tying together, counters and
 * durations (exact with the fake clock).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

forEachDialect('CDR guide example flow', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  before(async () => {
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
  });

  test('six posts: callLegStart | callStart+callLegUpdate | callLegStart | callLegUpdate | callLegEnd | callLegEnd+callEnd', async () => {
    const space = await b.create('/coSpaces', 'name=test564_1&uri=access1&secondaryUri=access2');
    const t0 = clock.now();

    const a = await b.sim('POST', '/dialIns', { uri: 'access1@127.0.0.1', remoteParty: 'sipclient1@example.com' });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    assert.equal(a.json.state, 'connected');
    const bLeg = await b.sim('POST', '/dialIns', {
      uri: 'access2@127.0.0.1',
      remoteParty: 'sipclient2@example.com',
      media: {
        rxAudio: { codec: 'g722', packetStatistics: { packetLossBursts: { duration: 0, density: 0 }, packetGap: { duration: 9.701, density: 0 } } },
        txAudio: { codec: 'g722_1c' },
        rxVideo: { codec: 'h264', maxSizeWidth: 768, maxSizeHeight: 448 },
        txVideo: { codec: 'h264', maxSizeWidth: 1280, maxSizeHeight: 720 },
      },
    });
    assert.equal(bLeg.json.call, a.json.call, 'both legs in one call');

    await clock.advance(10_000);
    assert.equal((await b.sim('POST', `/callLegs/${bLeg.json.callLeg}/hangUp`)).status, 200);
    assert.equal((await b.sim('POST', `/calls/${a.json.call}/deactivate`)).status, 200);

    const posts = b.cdr.posts;
    assert.deepEqual(
      posts.map((p) => p.records.map((r) => r.type)),
      [['callLegStart'], ['callStart', 'callLegUpdate'], ['callLegStart'], ['callLegUpdate'], ['callLegEnd'], ['callLegEnd', 'callEnd']],
    );
    assert.deepEqual(
      b.cdr.records.map((r) => r.correlatorIndex),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      posts.map((p) => p.atMs - t0),
      [0, 0, 0, 0, 10_000, 10_000],
    );

    const [p1, p2, p3, p4, p5, p6] = posts.map((p) => p.records);
    const legA = p1?.[0];
    assert.ok(legA?.type === 'callLegStart');
    assert.equal(legA.callLeg.id, a.json.callLeg);
    assert.equal(legA.callLeg.remoteParty, 'sipclient1@example.com');
    assert.equal(legA.callLeg.localAddress, 'access1@127.0.0.1');
    assert.equal(legA.callLeg.type, 'sip');
    assert.equal(legA.callLeg.direction, 'incoming');
    assert.equal(legA.callLeg.call, undefined, 'an incoming leg learns its call in the update');
    assert.ok(legA.callLeg.groupId);
    assert.ok(legA.callLeg.sipCallId);

    const callStart = p2?.[0];
    assert.ok(callStart?.type === 'callStart');
    assert.equal(callStart.call.id, a.json.call);
    assert.equal(callStart.call.name, 'test564_1');
    assert.equal(callStart.call.callType, 'coSpace');
    assert.equal(callStart.call.coSpace, space);
    const updateA = p2?.[1];
    assert.ok(updateA?.type === 'callLegUpdate');
    assert.equal(updateA.callLeg.id, legA.callLeg.id);
    assert.equal(updateA.callLeg.state, 'connected');
    assert.equal(updateA.callLeg.call, callStart.call.id);
    assert.equal(updateA.callLeg.groupId, legA.callLeg.groupId);
    assert.equal(updateA.callLeg.sipCallId, legA.callLeg.sipCallId);

    const startB = p3?.[0];
    assert.ok(startB?.type === 'callLegStart');
    assert.equal(startB.callLeg.id, bLeg.json.callLeg);
    assert.equal(startB.callLeg.localAddress, 'access2@127.0.0.1');
    const updateB = p4?.[0];
    assert.ok(updateB?.type === 'callLegUpdate');
    assert.equal(updateB.callLeg.state, 'connected');
    assert.equal(updateB.callLeg.call, callStart.call.id);

    const endB = p5?.[0];
    assert.ok(endB?.type === 'callLegEnd');
    assert.equal(endB.callLeg.id, startB.callLeg.id);
    assert.equal(endB.callLeg.reason, 'remoteTeardown');
    assert.equal(endB.callLeg.remoteTeardown, true);
    assert.equal(endB.callLeg.durationSeconds, 10);
    assert.deepEqual(endB.callLeg.mediaUsagePercentages, { mainVideoViewer: 100, mainVideoContributor: 100 });
    assert.equal(endB.callLeg.unencryptedMedia, true);
    assert.equal(endB.callLeg.rxAudio?.codec, 'g722');
    assert.deepEqual(endB.callLeg.rxAudio.packetStatistics, { packetLossBursts: { duration: 0, density: 0 }, packetGap: { duration: 9.701, density: 0 } });
    assert.equal(endB.callLeg.txAudio?.codec, 'g722_1c');
    assert.deepEqual(endB.callLeg.rxVideo, { codec: 'h264', maxSizeWidth: 768, maxSizeHeight: 448 });
    assert.equal(endB.callLeg.txVideo?.maxSizeWidth, 1280);
    assert.equal(endB.callLeg.sipCallId, startB.callLeg.sipCallId);

    const endA = p6?.[0];
    assert.ok(endA?.type === 'callLegEnd');
    assert.equal(endA.callLeg.id, legA.callLeg.id);
    assert.equal(endA.callLeg.reason, 'callDeactivated');
    assert.equal(endA.callLeg.remoteTeardown, false);
    assert.equal(endA.callLeg.durationSeconds, 10);
    const callEnd = p6?.[1];
    assert.ok(callEnd?.type === 'callEnd');
    assert.equal(callEnd.call.id, callStart.call.id);
    assert.equal(callEnd.call.callLegsCompleted, 2);
    assert.equal(callEnd.call.callLegsMaxActive, 2);
    assert.equal(callEnd.call.durationSeconds, 10);

    // The call is gone and the bridge's counters follow.
    assert.equal((await b.api('GET', `/calls/${a.json.call}`)).status, 404);
    const status = (await b.get('/system/status')).status;
    assert.equal(status.callLegsActive, '0');
    assert.equal(status.callLegsMaxActive, '2');
    assert.equal(status.callLegsCompleted, '2');
    assert.equal(status.cdrCorrelatorIndex, '8');
  });
});
