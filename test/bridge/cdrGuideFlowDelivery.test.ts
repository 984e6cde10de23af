/**
 * The CDR guide's example flow (cdr.md §6) end to end: driven through the simulator, delivered by the
 * real CDR pipeline, read at a real HTTP receiver. The receiver must hold exactly the guide's eight
 * records in its order (callLegStart | callStart, callLegUpdate | callLegStart | callLegUpdate |
 * callLegEnd | callLegEnd, callEnd), one session, correlatorIndex 0–7 and recordIndex 1–8. Records the
 * guide sends together are never split across posts; records of consecutive groups may share a post
 * when they were pending together (one batch in flight per receiver, as CMS does).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { TestCdrReceiver } from '../support/cdrReceiver.ts';

const GUIDE_GROUPS = [['callLegStart'], ['callStart', 'callLegUpdate'], ['callLegStart'], ['callLegUpdate'], ['callLegEnd'], ['callLegEnd', 'callEnd']];

forEachDialect('CDR guide example flow at a real receiver', (dialect) => {
  let b: TestBridge;
  let receiver: TestCdrReceiver;
  const clock = new FakeClock(Date.UTC(2015, 6, 23, 7, 32, 55));
  before(async () => {
    receiver = await TestCdrReceiver.start();
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
    await receiver.close();
  });

  test('the receiver gets the guide\'s records, grouped and indexed as the guide shows', async () => {
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(receiver.url('/cdr?system_id=cms1'))}`);
    await b.create('/coSpaces', 'name=test564_1&uri=access1&secondaryUri=access2');
    const delivered = (n: number): Promise<void> => receiver.until(() => receiver.accepted.length >= n, `${n} records delivered`);

    const a = await b.sim('POST', '/dialIns', { uri: 'access1@127.0.0.1', remoteParty: 'sipclient1@example.com' });
    await delivered(3);
    const legB = await b.sim('POST', '/dialIns', {
      uri: 'access2@127.0.0.1',
      remoteParty: 'sipclient2@example.com',
      media: { rxAudio: { codec: 'g722' }, txAudio: { codec: 'g722_1c' }, rxVideo: { codec: 'h264', maxSizeWidth: 768, maxSizeHeight: 448 } },
    });
    await delivered(5);
    await clock.advance(10_000);
    assert.equal((await b.sim('POST', `/callLegs/${legB.json.callLeg}/hangUp`)).status, 200);
    await delivered(6);
    assert.equal((await b.sim('POST', `/calls/${a.json.call}/deactivate`)).status, 200);
    await delivered(8);

    const posts = receiver.posts.filter((p) => p.answered && p.status === 200);
    const records = posts.flatMap((p) => p.records);
    assert.deepEqual(records.map((r) => r.type), GUIDE_GROUPS.flat());
    assert.deepEqual(records.map((r) => r.correlatorIndex), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(records.map((r) => r.recordIndex), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(new Set(records.map((r) => r.session)).size, 1, 'one session');
    assert.equal(records[0]?.callBridge, undefined, 'no callBridge attribute on a single node');
    assert.equal(records[0]?.time, '2015-07-23T07:32:55Z');
    assert.equal(records[7]?.time, '2015-07-23T07:33:05Z');
    for (const post of posts) {
      assert.equal(post.url, '/cdr?system_id=cms1', 'the query string is passed through untouched');
      assert.match(String(post.contentType), /^text\/xml/);
    }

    // Post boundaries fall only on the guide's group boundaries.
    const groupEnds = new Set<number>();
    let count = 0;
    for (const group of GUIDE_GROUPS) groupEnds.add((count += group.length));
    let seen = 0;
    for (const post of posts) {
      seen += post.records.length;
      assert.ok(groupEnds.has(seen), `a post ends inside a guide group (after record ${seen})`);
    }
    assert.ok(posts.length >= 4 && posts.length <= 6, `${posts.length} posts`);

    // The content ties together as in the guide.
    const body = posts.map((p) => p.body).join('');
    assert.match(body, /<callType>coSpace<\/callType>/);
    assert.match(body, /<reason>remoteTeardown<\/reason><remoteTeardown>true<\/remoteTeardown>/);
    assert.match(body, /<reason>callDeactivated<\/reason><remoteTeardown>false<\/remoteTeardown>/);
    assert.match(body, /<callLegsCompleted>2<\/callLegsCompleted><callLegsMaxActive>2<\/callLegsMaxActive><durationSeconds>10<\/durationSeconds>/);
    assert.match(body, /<rxAudio><codec>g722<\/codec>/);
  });
});
