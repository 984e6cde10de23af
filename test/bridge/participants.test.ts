import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { newGuid } from '../../src/shared/ids.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

forEachDialect('participants', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  let call = '';
  before(async () => {
    b = await startTestBridge(dialect, { clock });
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: newGuid(), fields: { domain: '*', priority: 0 } });
    call = await b.create('/calls', 'name=Roster');
  });
  after(async () => {
    await b.close();
  });

  test('POST /calls/<id>/participants dials out; Location /api/v1/participants/<id>; detail and its callLegs', async () => {
    const res = await b.api('POST', `/calls/${call}/participants`, 'remoteParty=room%40example.com&importance=5&nameLabelOverride=Board%20Room');
    assert.equal(res.status, 200);
    const location = String(res.headers['location']);
    assert.match(location, /^\/api\/v1\/participants\/[0-9a-f-]{36}$/);
    const id = location.split('/').at(-1) ?? '';
    await clock.advance(1000);
    const p = (await b.get(`/participants/${id}`)).participant;
    assert.equal(p.name, 'Board Room');
    assert.equal(p.call, call);
    assert.equal(p.uri, 'room@example.com');
    assert.equal(p.numCallLegs, '1');
    assert.equal(p.status.state, 'connected');
    assert.equal(p.configuration.importance, '5');
    const legs = await b.get(`/participants/${id}/callLegs`);
    assert.equal(legs.callLegs['@total'], '1');
    const legId = legs.callLegs.callLeg[0]['@id'];
    assert.equal((await b.get(`/callLegs?participantFilter=${id}`)).callLegs.callLeg[0]['@id'], legId);

    const list = await b.get('/participants');
    assert.equal(list.participants['@total'], '1');
    assert.equal(list.participants.participant[0]['@id'], id);
    assert.equal(list.participants.participant[0].callBridge, undefined, 'only this node\'s participants');
    assert.equal((await b.get(`/calls/${call}/participants`)).participants['@total'], '1');
    assert.equal((await b.get(`/participants?callBridgeFilter=${b.bridge.ctx.node.id}`)).participants['@total'], '1');
    assert.equal((await b.get(`/participants?callBridgeFilter=${newGuid()}`)).participants['@total'], '0');

    assert.equal((await b.api('PUT', `/participants/${id}`, 'importance=9&deactivated=true')).status, 200);
    assert.equal((await b.get(`/participants/${id}`)).participant.configuration.importance, '9');
    assert.equal((await b.get(`/callLegs/${legId}`)).callLeg.status.deactivated, 'true');
    const ro = await b.api('PUT', `/participants/${id}`, 'remoteParty=x%40y');
    assert.match(ro.text, /<parameterError parameter="remoteParty" error="unrecognisedParameter"\/>/);

    assert.equal((await b.api('DELETE', `/participants/${id}`)).status, 200);
    const end = b.cdr.posts.at(-1)?.records[0];
    assert.ok(end?.type === 'callLegEnd');
    assert.equal(end.callLeg.reason, 'apiInitiatedTeardown');
    assert.equal(end.callLeg.id, legId);
  });

  test('PUT /calls/<id>/participants/* sets properties on all (or selected) participants', async () => {
    const ids: string[] = [];
    for (const who of ['p1', 'p2', 'p3']) {
      const res = await b.api('POST', `/calls/${call}/participants`, `remoteParty=${who}%40example.com`);
      ids.push(String(res.headers['location']).split('/').at(-1) ?? '');
    }
    await clock.advance(1000);
    assert.equal((await b.api('PUT', `/calls/${call}/participants/*`, 'rxAudioMute=true')).status, 200);
    const legOf = async (pid: string): Promise<string> => (await b.get(`/participants/${pid}/callLegs`)).callLegs.callLeg[0]['@id'];
    for (const pid of ids) assert.equal((await b.get(`/callLegs/${await legOf(pid)}`)).callLeg.configuration.rxAudioMute, 'true');
    const first = ids[0] ?? '';
    assert.equal((await b.api('PUT', `/calls/${call}/participants/*`, `rxAudioMute=false&filterIds=${first}&mode=selected`)).status, 200);
    assert.equal((await b.get(`/callLegs/${await legOf(first)}`)).callLeg.configuration.rxAudioMute, 'false');
    assert.equal((await b.get(`/callLegs/${await legOf(ids[1] ?? '')}`)).callLeg.configuration.rxAudioMute, 'true');
    assert.equal((await b.api('PUT', `/calls/${call}/participants/*`, 'remoteParty=x')).status, 400);
    assert.equal((await b.api('PUT', `/calls/${newGuid()}/participants/*`, 'rxAudioMute=true')).status, 404);
  });

  test('failures: participantDoesNotExist; callBridge other than this node', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await b.api(method, `/participants/${newGuid()}`, method === 'PUT' ? 'importance=1' : undefined);
      assert.equal(res.status, 404);
      assert.match(res.text, /<failureDetails><participantDoesNotExist\/><\/failureDetails>/);
    }
    assert.match((await b.api('GET', `/participants/${newGuid()}/callLegs`)).text, /<participantDoesNotExist\/>/);
    const other = await b.api('POST', `/calls/${call}/participants`, `remoteParty=a%40b.c&callBridge=${newGuid()}`);
    assert.equal(other.status, 400);
    assert.match(other.text, /<callBridgeDoesNotExist\/>/);
    const here = await b.api('POST', `/calls/${call}/participants`, `remoteParty=a%40b.c&callBridge=${b.bridge.ctx.node.id}`);
    assert.equal(here.status, 200);
  });
});
