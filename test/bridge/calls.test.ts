import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

forEachDialect('calls', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  before(async () => {
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
  });

  test('POST /calls coSpace=<id> instantiates the coSpace call with a Location; list and detail shapes', async () => {
    const space = await b.create('/coSpaces', 'name=Weekly%20Sync&uri=weekly.sync&cdrTag=tag7&meetingScheduler=Ann');
    const res = await b.api('POST', '/calls', `coSpace=${space}`);
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const location = String(res.headers['location']);
    assert.match(location, /^\/api\/v1\/calls\/[0-9a-f-]{36}$/);
    const id = location.split('/').at(-1) ?? '';
    const start = b.cdr.posts.at(-1)?.records;
    assert.equal(start?.length, 1);
    assert.ok(start[0]?.type === 'callStart');
    assert.deepEqual(
      { ...start[0].call, callCorrelator: 'x' },
      { id, name: 'Weekly Sync', ownerName: 'Ann', callType: 'coSpace', coSpace: space, callCorrelator: 'x', tenant: undefined, cdrTag: 'tag7' },
    );

    const list = await b.get(`/calls?coSpaceFilter=${space.toUpperCase()}`);
    assert.equal(list.calls['@total'], '1');
    const item = list.calls.call[0];
    assert.equal(item['@id'], id);
    assert.equal(item.name, 'Weekly Sync');
    assert.equal(item.coSpace, space);
    assert.equal(item.callCorrelator, start[0].call.callCorrelator);

    await clock.advance(42_000);
    const detail = (await b.get(`/calls/${id.toUpperCase()}`)).call;
    assert.equal(detail.callType, 'coSpace');
    assert.equal(detail.durationSeconds, '42');
    assert.equal(detail.numCallLegs, '0');
    assert.equal(detail.activeWhenEmpty, 'true', 'activeWhenEmpty defaults to true');
    assert.equal(detail.locked, 'false');
    assert.equal(detail.ownerName, 'Ann');

    // A second POST for the same space does not make a second instance.
    assert.equal(await b.create('/calls', `coSpace=${space}`), id);
  });

  test('callCorrelator is constant for a coSpace across calls; an ad hoc call gets a fresh one', async () => {
    const space = await b.create('/coSpaces', 'name=Corr&uri=corr.space');
    const first = await b.create('/calls', `coSpace=${space}`);
    const c1 = (await b.get(`/calls/${first}`)).call.callCorrelator;
    assert.equal((await b.api('DELETE', `/calls/${first}`)).status, 200);
    const second = await b.create('/calls', `coSpace=${space}`);
    assert.notEqual(second, first);
    assert.equal((await b.get(`/calls/${second}`)).call.callCorrelator, c1);
    assert.match(String(c1), GUID);

    const adHoc = await b.create('/calls', 'name=Huddle');
    const detail = (await b.get(`/calls/${adHoc}`)).call;
    assert.equal(detail.callType, 'adHoc');
    assert.equal(detail.coSpace, undefined);
    assert.match(String(detail.callCorrelator), GUID);
    assert.notEqual(detail.callCorrelator, c1);
    await b.api('DELETE', `/calls/${second}`);
    await b.api('DELETE', `/calls/${adHoc}`);
  });

  test('DELETE /calls/<id> ends every leg (callEnded) and the call in one post', async () => {
    const space = await b.create('/coSpaces', 'name=Ending&uri=ending');
    const call = await b.create('/calls', `coSpace=${space}`);
    await b.sim('POST', '/dialIns', { uri: 'ending@x', remoteParty: 'one@example.com' });
    await b.sim('POST', '/dialIns', { uri: 'ending@x', remoteParty: 'two@example.com' });
    await clock.advance(5000);
    assert.equal((await b.api('DELETE', `/calls/${call}`)).status, 200);
    const post = b.cdr.posts.at(-1);
    assert.deepEqual(post?.records.map((r) => r.type), ['callLegEnd', 'callLegEnd', 'callEnd']);
    for (const r of post.records) {
      if (r.type === 'callLegEnd') {
        assert.equal(r.callLeg.reason, 'callEnded');
        assert.equal(r.callLeg.remoteTeardown, false);
        assert.equal(r.callLeg.durationSeconds, 5);
      }
      if (r.type === 'callEnd') {
        assert.equal(r.call.callLegsCompleted, 2);
        assert.equal(r.call.callLegsMaxActive, 2);
        assert.equal(r.call.durationSeconds, 5);
      }
    }
    assert.equal((await b.get('/calllegs')).callLegs['@total'], '0');
    assert.equal((await b.api('DELETE', `/calls/${call}`)).status, 404);
  });

  test('recording and streaming: start records with the call, end records on PUT false and at call end', async () => {
    const space = await b.create('/coSpaces', 'name=Rec&uri=rec.space&streamUrl=rtmp%3A%2F%2Fstream.example.com%2Flive');
    const call = await b.create('/calls', `coSpace=${space}&recording=true&streaming=true`);
    const first = b.cdr.posts.at(-1)?.records ?? [];
    assert.deepEqual(first.map((r) => r.type), ['callStart', 'recordingStart', 'streamingStart']);
    const rec = first[1];
    assert.ok(rec?.type === 'recordingStart');
    assert.equal(rec.recording.call, call);
    const str = first[2];
    assert.ok(str?.type === 'streamingStart');
    assert.equal(str.streaming.streamerUri, 'rtmp://stream.example.com/live');
    const detail = (await b.get(`/calls/${call}`)).call;
    assert.equal(detail.recording, 'true');
    assert.equal(detail.recordingStatus, 'true');

    assert.equal((await b.api('PUT', `/calls/${call}`, 'recording=false')).status, 200);
    const stop = b.cdr.posts.at(-1)?.records ?? [];
    assert.deepEqual(stop, [{ type: 'recordingEnd', recording: { id: rec.recording.id } }]);
    await b.api('DELETE', `/calls/${call}`);
    assert.deepEqual(b.cdr.posts.at(-1)?.records.map((r) => r.type), ['streamingEnd', 'callEnd']);
  });

  test('PUT changes live settings; create-only parameters are refused', async () => {
    const call = await b.create('/calls', 'name=Settings&activeWhenEmpty=false');
    assert.equal((await b.api('PUT', `/calls/${call}`, 'locked=true&messageText=Hello&messagePosition=TOP&messageDuration=permanent&allowAllMuteSelf=on')).status, 200);
    const d = (await b.get(`/calls/${call}`)).call;
    assert.equal(d.locked, 'true');
    assert.equal(d.messageText, 'Hello');
    assert.equal(d.messagePosition, 'top');
    assert.equal(d.messageDuration, 'permanent');
    assert.equal(d.allowAllMuteSelf, 'true');
    assert.equal(d.activeWhenEmpty, 'false');
    const ro = await b.api('PUT', `/calls/${call}`, 'name=Other');
    assert.equal(ro.status, 400);
    assert.match(ro.text, /<parameterError parameter="name" error="readOnlyParameter"\/>/);
    const bad = await b.api('PUT', `/calls/${call}`, 'messageDuration=forever');
    assert.match(bad.text, /<parameterError parameter="messageDuration" error="invalidValue"\/>/);
    assert.equal((await b.get(`/calls/${call}`)).call.messageDuration, 'permanent', 'a refused PUT changes nothing');
    await b.api('DELETE', `/calls/${call}`);
  });

  test('failures: callDoesNotExist, missing coSpace/name, unknown coSpace', async () => {
    const missing = '00000000-0000-0000-0000-000000000000';
    for (const [method, path] of [
      ['GET', `/calls/${missing}`],
      ['PUT', `/calls/${missing}`],
      ['DELETE', `/calls/${missing}`],
      ['GET', `/calls/${missing}/callLegs`],
      ['POST', `/calls/${missing}/callLegs`],
      ['GET', `/calls/${missing}/participants`],
    ] as const) {
      const res = await b.api(method, path, method === 'POST' ? 'remoteParty=a@b.c' : method === 'PUT' ? 'locked=true' : undefined);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(res.text, /<failureDetails><callDoesNotExist\/><\/failureDetails>/);
    }
    const none = await b.api('POST', '/calls', 'locked=true');
    assert.equal(none.status, 400);
    assert.match(none.text, /<parameterError parameter="coSpace" error="missingParameter"\/>/);
    const unknown = await b.api('POST', '/calls', `coSpace=${missing}`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /<coSpaceDoesNotExist\/>/);
  });

  test('deleting a coSpace ends its call', async () => {
    const space = await b.create('/coSpaces', 'name=Doomed&uri=doomed');
    const call = await b.create('/calls', `coSpace=${space}`);
    await b.sim('POST', '/dialIns', { uri: 'doomed', remoteParty: 'x@example.com' });
    assert.equal((await b.api('DELETE', `/coSpaces/${space}`)).status, 200);
    assert.equal((await b.api('GET', `/calls/${call}`)).status, 404);
    assert.deepEqual(b.cdr.posts.at(-1)?.records.map((r) => r.type), ['callLegEnd', 'callEnd']);
  });
});

forEachDialect('calls list paging and filters', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
    for (let i = 1; i <= 23; i++) await b.create('/calls', `name=Meeting%20${i}`);
    await b.create('/calls', 'name=Sales%20Review');
  });
  after(async () => {
    await b.close();
  });

  test('cap 10 per page; total counts every match; offset walks in creation order', async () => {
    const first = await b.get('/calls');
    assert.equal(first.calls['@total'], '24');
    assert.equal(first.calls.call.length, 10);
    assert.equal((await b.get('/calls?limit=50')).calls.call.length, 10);
    const names: string[] = [];
    for (let offset = 0; offset < 24; ) {
      const page = (await b.get(`/CALLS?OFFSET=${offset}&limit=7`)).calls.call as Array<{ name: string }>;
      names.push(...page.map((c) => c.name));
      offset += page.length;
    }
    assert.equal(names[0], 'Meeting 1');
    assert.equal(names[23], 'Sales Review');
    assert.match((await b.api('GET', '/calls?offset=500')).text, /<calls total="24"\/>/);
    assert.equal((await b.api('GET', '/calls?limit=-1')).status, 400);
  });

  test('filter is a case-insensitive substring of the name; tenantFilter exact', async () => {
    assert.equal((await b.get('/calls?filter=sALES')).calls['@total'], '1');
    assert.equal((await b.get('/calls?filter=meeting%202')).calls['@total'], '5'); // 2, 20..23
    assert.equal((await b.get('/calls?tenantFilter=00000000-0000-0000-0000-000000000001')).calls['@total'], '0');
  });
});
