import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';
import { driveUntil, TestCdrReceiver } from '../support/cdrReceiver.ts';
import { GUIDE_FLOW } from '../support/cdrRecords.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

forEachDialect('cdrReceivers API', (dialect) => {
  let b: TestBridge;
  let clock: FakeClock;
  let receiver: TestCdrReceiver;
  before(async () => {
    clock = new FakeClock();
    b = await startTestBridge(dialect, { clock });
    receiver = await TestCdrReceiver.start();
  });
  after(async () => {
    await b.close();
    await receiver.close();
  });

  async function clear(): Promise<void> {
    const list = await b.get('/system/cdrReceivers');
    for (const r of list.cdrReceivers.cdrReceiver ?? []) await b.api('DELETE', `/system/cdrReceivers/${r['@id']}`);
  }

  test('empty list carries maximum="4"', async () => {
    const res = await b.api('GET', '/system/cdrReceivers');
    assert.equal(res.status, 200);
    assert.match(res.text, /<cdrReceivers total="0" maximum="4"\/>/);
  });

  test('POST with uri or url creates; Location is /api/v1/system/cdrReceivers/<id>; GET one and list', async () => {
    const res = await b.api('POST', '/system/cdrReceivers', `uri=${encodeURIComponent('https://cdr.example.com/cdr/1/?token=93ec22bf')}`);
    assert.equal(res.status, 200);
    const location = String(res.headers['location']);
    assert.match(location, /^\/api\/v1\/system\/cdrReceivers\/[0-9a-f-]{36}$/);
    const id = location.split('/').at(-1) ?? '';
    assert.match(id, GUID);
    const viaUrl = await b.create('/system/cdrReceivers', `url=${encodeURIComponent('http://reciever.example.com:8444/cdr')}`);
    const one = await b.get(`/system/cdrReceivers/${id}`);
    assert.equal(one.cdrReceiver['@id'], id);
    assert.equal(one.cdrReceiver.uri, 'https://cdr.example.com/cdr/1/?token=93ec22bf');
    const list = await b.get('/system/cdrReceivers');
    assert.equal(list.cdrReceivers['@total'], '2');
    assert.equal(list.cdrReceivers['@maximum'], '4');
    assert.deepEqual(
      list.cdrReceivers.cdrReceiver.map((r: { '@id': string }) => r['@id']),
      [id, viaUrl],
    );
    await clear();
  });

  test('a fifth receiver is refused with tooManyCdrReceivers and nothing is added', async () => {
    for (let i = 0; i < 4; i++) await b.create('/system/cdrReceivers', `uri=http://127.0.0.1:9/r${i}`);
    const res = await b.api('POST', '/system/cdrReceivers', 'uri=http://127.0.0.1:9/r5');
    assert.equal(res.status, 400);
    assert.match(res.text, /<failureDetails><tooManyCdrReceivers\/><\/failureDetails>/);
    assert.equal((await b.get('/system/cdrReceivers')).cdrReceivers['@total'], '4');
    assert.equal((await b.api('PUT', '/system/cdrReceiver', 'uri=http://127.0.0.1:9/legacy')).status, 400, 'the legacy receiver takes a slot too');
    await clear();
  });

  test('bad URIs are parameterError and change nothing', async () => {
    const id = await b.create('/system/cdrReceivers', 'uri=http://127.0.0.1:9/keep');
    for (const uri of ['ftp://x/y', 'not a uri', 'http://', 'http:///path', 'mailto:a@b', 'http://host/pa th', 'http://user:pw@host/']) {
      const post = await b.api('POST', '/system/cdrReceivers', `uri=${encodeURIComponent(uri)}`);
      assert.equal(post.status, 400, uri);
      assert.match(post.text, /<parameterError parameter="uri" error="invalidValue"\/>/, uri);
      assert.equal((await b.api('PUT', `/system/cdrReceivers/${id}`, `uri=${encodeURIComponent(uri)}`)).status, 400, uri);
    }
    assert.match((await b.api('POST', '/system/cdrReceivers', 'address=http://x/')).text, /parameterError parameter="address" error="unrecognisedParameter"/);
    assert.equal((await b.get(`/system/cdrReceivers/${id}`)).cdrReceiver.uri, 'http://127.0.0.1:9/keep');
    assert.equal((await b.get('/system/cdrReceivers')).cdrReceivers['@total'], '1');
    await clear();
  });

  test('PUT changes the uri; PUT with an empty uri keeps the object without one; DELETE removes; unknown ids are 404', async () => {
    const id = await b.create('/system/cdrReceivers', 'uri=http://127.0.0.1:9/a');
    assert.equal((await b.api('PUT', `/system/cdrReceivers/${id}`, 'uri=http://127.0.0.1:9/b')).status, 200);
    assert.equal((await b.get(`/system/cdrReceivers/${id}`)).cdrReceiver.uri, 'http://127.0.0.1:9/b');
    assert.equal((await b.api('PUT', `/system/cdrReceivers/${id}`, 'url=')).status, 200);
    const kept = await b.api('GET', `/system/cdrReceivers/${id}`);
    assert.match(kept.text, new RegExp(`<cdrReceiver id="${id}"/>`));
    assert.equal((await b.get('/system/cdrReceivers')).cdrReceivers['@total'], '1');
    assert.equal((await b.api('DELETE', `/system/cdrReceivers/${id}`)).status, 200);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await b.api(method, `/system/cdrReceivers/${id}`, method === 'PUT' ? 'uri=http://x/' : undefined);
      assert.equal(res.status, 404, method);
      assert.match(res.text, /<cdrReceiverDoesNotExist\/>/, method);
    }
    // PUT on the collection creates one without a uri ("configure the url separately later").
    const put = await b.api('PUT', '/system/cdrReceivers', '');
    assert.equal(put.status, 200);
    assert.match(String(put.headers['location']), /^\/api\/v1\/system\/cdrReceivers\//);
    await clear();
  });

  test('legacy /system/cdrReceiver: PUT sets it, an empty uri removes it, a later uri gets a new id', async () => {
    assert.match((await b.api('GET', '/system/cdrReceiver')).text, /<cdrReceiver\/>/);
    assert.equal((await b.api('PUT', '/system/cdrReceiver', 'uri=http://127.0.0.1:9/legacy')).status, 200);
    const first = await b.get('/system/cdrReceiver');
    assert.equal(first.cdrReceiver.uri, 'http://127.0.0.1:9/legacy');
    const firstId = String(first.cdrReceiver['@id']);
    assert.equal((await b.get('/system/cdrReceivers')).cdrReceivers['@total'], '1');
    await b.api('PUT', '/system/cdrReceiver', 'uri=http://127.0.0.1:9/legacy2');
    assert.equal((await b.get('/system/cdrReceiver')).cdrReceiver['@id'], firstId);
    await b.api('PUT', '/system/cdrReceiver', 'uri=');
    assert.equal((await b.get('/system/cdrReceivers')).cdrReceivers['@total'], '0');
    await b.api('PUT', '/system/cdrReceiver', 'url=http://127.0.0.1:9/again');
    assert.notEqual((await b.get('/system/cdrReceiver')).cdrReceiver['@id'], firstId);
    await clear();
  });

  test('records emitted by the bridge reach a receiver configured through the API; status shows the next correlatorIndex', async () => {
    const status0 = await b.get('/system/status');
    const start = Number(status0.status.cdrCorrelatorIndex);
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(receiver.url('/cdr?system_id=cms1'))}`);
    for (const post of GUIDE_FLOW) b.bridge.ctx.cdr.emit(clock.now(), post);
    await receiver.until(() => receiver.accepted.length === 8, 'the guide flow delivered');
    assert.deepEqual(receiver.accepted.map((r) => r.correlatorIndex), Array.from({ length: 8 }, (_, i) => start + i));
    assert.equal(receiver.posts[0]?.url, '/cdr?system_id=cms1');
    assert.equal(receiver.accepted[0]?.callBridge, undefined);
    assert.equal(Number((await b.get('/system/status')).status.cdrCorrelatorIndex), start + 8);
    await clear();
  });

  test('clustered (more than one call bridge): posts carry callBridge = this bridge id', async () => {
    const other = await b.create('/callBridges', 'name=other-node&address=https://10.0.0.2');
    await clock.advance(60_000); // let the pipeline re-read /callBridges
    const posted = receiver.posts.length;
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(receiver.url())}`);
    b.bridge.ctx.cdr.emit(clock.now(), GUIDE_FLOW[0] ?? []);
    await receiver.until(() => receiver.posts.length > posted, 'clustered post');
    assert.equal(receiver.posts.at(-1)?.records[0]?.callBridge, b.bridge.ctx.node.id);
    await b.api('DELETE', `/callBridges/${other}`);
    await clear();
  });

  test('GET /system/alarms: cdrConnectionFailure while a receiver fails, gone once it delivers', async () => {
    assert.match((await b.api('GET', '/system/alarms')).text, /<alarms total="0"\/>/);
    receiver.answer = (n) => (n === receiver.requests - 1 && failing ? { kind: 'status', status: 500 } : { kind: 'status', status: 200 });
    let failing = true;
    await b.create('/system/cdrReceivers', `uri=${encodeURIComponent(receiver.url())}`);
    b.bridge.ctx.cdr.emit(clock.now(), GUIDE_FLOW[0] ?? []);
    await driveUntil(clock, () => b.bridge.ctx.cdrPipeline.alarms().length === 1, 'alarm', 100);
    await clock.advance(7_000);
    const alarms = await b.get('/system/alarms');
    assert.equal(alarms.alarms['@total'], '1');
    const [alarm] = alarms.alarms.alarm;
    assert.match(String(alarm['@id']), GUID);
    assert.equal(alarm.type, 'cdrConnectionFailure');
    assert.ok(Number(alarm.activeTimeSeconds) >= 7);
    assert.equal(alarm.failureReason, 'internalServerError');
    failing = false;
    await driveUntil(clock, () => b.bridge.ctx.cdrPipeline.alarms().length === 0, 'alarm cleared');
    assert.match((await b.api('GET', '/system/alarms')).text, /<alarms total="0"\/>/);
    receiver.answer = () => ({ kind: 'status', status: 200 });
    await clear();
  });
});
