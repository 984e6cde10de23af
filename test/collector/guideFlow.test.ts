/** The guide's example flow (cdr.md §6) fed post by post into a real collector, on both dialects. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { fixture, GUIDE, guidePosts, startTestCollector, type TestCollector } from '../support/collector.ts';

forEachDialect('collector: the guide example flow', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect);
    for (const post of guidePosts()) {
      const res = await c.post(post, '/cdr?system_id=cms1');
      assert.equal(res.status, 200, res.text);
    }
  });
  after(() => c.close());

  it('stores one call with both legs merged from start, update and end', async () => {
    const body = await c.get(`/calls/${GUIDE.call}`);
    assert.equal(body.call.id, GUIDE.call);
    assert.equal(body.call.name, 'test564_1');
    assert.equal(body.call.callType, 'coSpace');
    assert.equal(body.call.coSpace, GUIDE.coSpace);
    assert.equal(body.call.callCorrelator, GUIDE.callCorrelator);
    assert.equal(body.call.callBridge, GUIDE.callBridge);
    assert.equal(body.call.startTime, '2015-07-23T07:32:55.000Z');
    assert.equal(body.call.endTime, '2015-07-23T07:33:05.000Z');
    assert.equal(body.call.callLegsCompleted, 2);
    assert.equal(body.call.callLegsMaxActive, 2);
    assert.equal(body.call.durationSeconds, 10);
    assert.deepEqual(body.callLegs.map((l: { id: string }) => l.id).sort(), [GUIDE.legA, GUIDE.legB].sort());

    const b = body.callLegs.find((l: { id: string }) => l.id === GUIDE.legB);
    assert.equal(b.remoteParty, 'sipclient2@example.com');
    assert.equal(b.localAddress, 'access2@127.0.0.1');
    assert.equal(b.type, 'sip');
    assert.equal(b.direction, 'incoming');
    assert.equal(b.call, GUIDE.call);
    assert.equal(b.state, 'connected');
    assert.equal(b.updateCount, 1);
    assert.equal(b.reason, 'remoteTeardown');
    assert.equal(b.remoteTeardown, true);
    assert.equal(b.durationSeconds, 10);
    assert.equal(b.unencryptedMedia, true);
    assert.equal(b.encryptedMedia, null);
    assert.equal(b.mainVideoViewerPct, 100);
    assert.equal(b.mainVideoContributorPct, 100);
    assert.equal(b.rxAudioCodec, 'g722');
    assert.equal(b.txAudioCodec, 'g722_1c');
    assert.equal(b.rxVideoCodec, 'h264');
    assert.equal(b.rxVideoWidth, 768);
    assert.equal(b.rxVideoHeight, 448);
    assert.equal(b.txVideoWidth, 1280);
    assert.equal(b.txVideoHeight, 720);
    assert.equal(b.rxAudioGapDuration, 9.701);
    assert.equal(b.rxVideoGapDuration, 8.597);
    assert.equal(b.rxAudioLossDensity, 0);
    assert.equal(b.groupId, '3420c93f-f33c-4c9e-be95-d0d1bfb207f0');
    assert.equal(b.sipCallId, 'a939937c-8b5e-4376-92de-97635983d7ef');
    assert.equal(b.hasStart, true);
    assert.equal(b.hasEnd, true);

    const a = body.callLegs.find((l: { id: string }) => l.id === GUIDE.legA);
    assert.equal(a.reason, 'callDeactivated');
    assert.equal(a.remoteTeardown, false);
    assert.equal(a.rxAudioCodec, 'g711u');
    assert.equal(a.txVideoWidth, 1024);
    assert.equal(a.connectedTime, '2015-07-23T07:32:55.000Z');

    assert.deepEqual(
      body.timeline.map((t: { type: string; correlatorIndex: number }) => `${t.correlatorIndex}:${t.type}`),
      ['0:callLegStart', '1:callStart', '2:callLegUpdate', '3:callLegStart', '4:callLegUpdate', '5:callLegEnd', '6:callLegEnd', '7:callEnd'],
    );
  });

  it('keeps every record with its XML and the receiver URI query as source', async () => {
    const { records } = await c.get(`/records?session=${GUIDE.session}`);
    assert.equal(records.length, 8);
    assert.deepEqual(records.map((r: { recordIndex: number }) => r.recordIndex), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(records.every((r: { source: string }) => r.source === 'system_id=cms1'));
    const one = await c.get(`/sessions/${GUIDE.session}/records/5`);
    assert.equal(one.record.type, 'callLegEnd');
    // Exactly the bytes the bridge sent for that record, pretty-printing included.
    assert.match(one.record.xml, /^<record type="callLegEnd" time="2015-07-23T07:33:05Z" recordIndex="6"\s+correlatorIndex="5">/);
    assert.match(one.record.xml, /<\/record>$/);
    assert.ok(fixture('post5.xml').includes(one.record.xml));
    assert.ok(fixture('post6.xml').includes(records[7].xml));
  });

  it('shows the session with no gaps and no duplicates', async () => {
    const s = await c.get(`/sessions/${GUIDE.session}`);
    assert.equal(s.records, 8);
    assert.equal(s.posts, 6);
    assert.equal(s.duplicates, 0);
    assert.deepEqual(s.gaps, []);
    assert.equal(s.minCorrelatorIndex, 0);
    assert.equal(s.maxCorrelatorIndex, 7);
    assert.equal(s.callBridge, GUIDE.callBridge);
  });

  it('re-posting everything changes nothing but the duplicate counter', async () => {
    const before = { call: await c.get(`/calls/${GUIDE.call}`), records: await c.get(`/records?session=${GUIDE.session}`) };
    for (const post of guidePosts()) {
      const res = await c.post(post, '/cdr?system_id=cms1');
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).stored, 0);
    }
    const afterCall = await c.get(`/calls/${GUIDE.call}`);
    const afterRecords = await c.get(`/records?session=${GUIDE.session}`);
    assert.deepEqual(afterCall, before.call);
    assert.deepEqual(afterRecords, before.records);
    const s = await c.get(`/sessions/${GUIDE.session}`);
    assert.equal(s.records, 8);
    assert.equal(s.duplicates, 8);
  });

  it('groups the call into a meeting with its participants', async () => {
    const m = await c.get(`/meetings/${GUIDE.callCorrelator}`);
    assert.equal(m.name, 'test564_1');
    assert.equal(m.calls.length, 1);
    assert.deepEqual(m.participants.map((p: { remoteParty: string }) => p.remoteParty).sort(), ['sipclient1@example.com', 'sipclient2@example.com']);
  });

  it('quarantines the post as the guide printed it (typographic quotes, stray <record>) and keeps nothing else of it', async () => {
    for (const name of ['post5-as-printed.xml', 'post5-stray-record-tag.xml']) {
      const res = await c.post(fixture(name).replace(/recordIndex="6"/, 'recordIndex="60"').replace(/correlatorIndex="5"/, 'correlatorIndex="50"'));
      assert.equal(res.status, 200, name);
      assert.equal(JSON.parse(res.text).code, 'malformedXml');
    }
    const { records } = await c.get(`/records?session=${GUIDE.session}`);
    assert.equal(records.length, 8);
  });
});
