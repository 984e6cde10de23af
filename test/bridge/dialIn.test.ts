import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { newGuid } from '../../src/shared/ids.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

forEachDialect('dial-in', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  before(async () => {
    b = await startTestBridge(dialect, { clock });
  });
  after(async () => {
    await b.close();
  });

  function lastEnd(): { reason: string; remoteTeardown: boolean } | undefined {
    const r = [...b.cdr.records].reverse().find((x) => x.body.type === 'callLegEnd')?.body;
    return r?.type === 'callLegEnd' ? r.callLeg : undefined;
  }

  test('by uri or callId; the first leg instantiates the call, which ends after its last leg leaves', async () => {
    const space = await b.create('/coSpaces', 'name=Dial%20Me&uri=dial.me&callId=424242');
    const a = await b.sim('POST', '/dialIns', { uri: 'sip:Dial.Me@bridge.example.com', remoteParty: 'a@example.com', displayName: 'Alice' });
    assert.equal(a.json.state, 'connected');
    assert.match(String(a.json.call), /^[0-9a-f-]{36}$/);
    const c = await b.sim('POST', '/dialIns', { callId: '424242', remoteParty: 'c@example.com', type: 'acano' });
    assert.equal(c.json.call, a.json.call);
    const calls = await b.get(`/calls?coSpaceFilter=${space}`);
    assert.equal(calls.calls['@total'], '1');
    const detail = (await b.get(`/calls/${a.json.call}`)).call;
    assert.equal(detail.numCallLegs, '2');
    assert.equal(detail.activeWhenEmpty, 'false');
    const legA = (await b.get(`/callLegs/${a.json.callLeg}`)).callLeg;
    assert.equal(legA.name, 'Alice');
    assert.equal(legA.direction, 'incoming');
    assert.equal(legA.localAddress, 'sip:Dial.Me@bridge.example.com');
    assert.equal((await b.get(`/callLegs/${c.json.callLeg}`)).callLeg.type, 'acano');
    await clock.advance(3000);
    await b.sim('POST', `/callLegs/${a.json.callLeg}/hangUp`);
    assert.equal((await b.api('GET', `/calls/${a.json.call}`)).status, 200, 'one leg is left');
    await b.sim('POST', `/callLegs/${c.json.callLeg}/hangUp`);
    assert.equal((await b.api('GET', `/calls/${a.json.call}`)).status, 404);
    assert.deepEqual(b.cdr.posts.at(-1)?.records.map((r) => r.type), ['callLegEnd', 'callEnd']);
  });

  test('a call made by POST /calls stays after its last leg leaves (activeWhenEmpty default true)', async () => {
    const space = await b.create('/coSpaces', 'name=Stays&uri=stays');
    const call = await b.create('/calls', `coSpace=${space}`);
    const a = await b.sim('POST', '/dialIns', { uri: 'stays', remoteParty: 'a@example.com', hangUpAfterMs: 2000 });
    assert.equal(a.json.call, call);
    await clock.advance(2000);
    assert.equal(lastEnd()?.reason, 'remoteTeardown');
    assert.equal((await b.get(`/calls/${call}`)).call.numCallLegs, '0');
    await b.api('DELETE', `/calls/${call}`);
  });

  test('unknown destination and unknown call id', async () => {
    const u = await b.sim('POST', '/dialIns', { uri: 'no.such.space@x', remoteParty: 'a@example.com' });
    assert.equal(u.json.state, 'ended');
    assert.equal(u.json.reason, 'unknownDestination');
    assert.equal(lastEnd()?.remoteTeardown, false);
    const i = await b.sim('POST', '/dialIns', { callId: '999999999', remoteParty: 'a@example.com' });
    assert.equal(i.json.reason, 'ivrUnknownCall');
  });

  test('passcode: right within three attempts joins; otherwise incorrectPasscode', async () => {
    await b.create('/coSpaces', 'name=Secret&uri=secret.room&passcode=2468');
    assert.equal((await b.sim('POST', '/dialIns', { uri: 'secret.room', remoteParty: 'a@example.com' })).json.reason, 'incorrectPasscode');
    assert.equal((await b.sim('POST', '/dialIns', { uri: 'secret.room', remoteParty: 'a@example.com', passcode: '1111' })).json.reason, 'incorrectPasscode');
    const third = await b.sim('POST', '/dialIns', { uri: 'secret.room', remoteParty: 'a@example.com', passcodes: ['1', '2', '2468'] });
    assert.equal(third.json.state, 'connected');
    const fourth = await b.sim('POST', '/dialIns', { uri: 'secret.room', remoteParty: 'b@example.com', passcodes: ['1', '2', '3', '2468'] });
    assert.equal(fourth.json.reason, 'incorrectPasscode');
    await b.api('DELETE', `/calls/${third.json.call}`);
  });

  test('nonMemberAccess=false keeps guests out; members get in', async () => {
    const space = await b.create('/coSpaces', 'name=Members&uri=members.only&nonMemberAccess=false');
    await b.bridge.ctx.storage.db
      .insertInto('co_space_user')
      .values({ id: newGuid(), co_space: space, user_jid: 'Member@Example.com', fields: '{}' })
      .execute();
    const guest = await b.sim('POST', '/dialIns', { uri: 'members.only', remoteParty: 'guest@example.com' });
    assert.equal(guest.json.reason, 'unknownDestination');
    const member = await b.sim('POST', '/dialIns', { uri: 'members.only', remoteParty: 'sip:member@example.com' });
    assert.equal(member.json.state, 'connected');
    await b.api('DELETE', `/calls/${member.json.call}`);
  });

  test('call profile participantLimit and tenant participantLimit', async () => {
    const profile = newGuid();
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'callProfiles', id: profile, fields: { participantLimit: 2 } });
    await b.create('/coSpaces', `name=Small&uri=small.room&callProfile=${profile}`);
    const first = await b.sim('POST', '/dialIns', { uri: 'small.room', remoteParty: '1@example.com' });
    await b.sim('POST', '/dialIns', { uri: 'small.room', remoteParty: '2@example.com' });
    const third = await b.sim('POST', '/dialIns', { uri: 'small.room', remoteParty: '3@example.com' });
    assert.equal(third.json.reason, 'participantLimitReached');
    assert.equal((await b.get(`/calls/${first.json.call}`)).call.numCallLegs, '2');
    await b.api('DELETE', `/calls/${first.json.call}`);

    const tenant = newGuid();
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'tenants', id: tenant, fields: { name: 'T', participantLimit: 1 } });
    await b.create('/coSpaces', `name=T1&uri=tenant.one&tenant=${tenant}`);
    await b.create('/coSpaces', `name=T2&uri=tenant.two&tenant=${tenant}`);
    const t1 = await b.sim('POST', '/dialIns', { uri: 'tenant.one', remoteParty: '1@example.com' });
    assert.equal(t1.json.state, 'connected');
    const t2 = await b.sim('POST', '/dialIns', { uri: 'tenant.two', remoteParty: '2@example.com' });
    assert.equal(t2.json.reason, 'tenantParticipantLimitReached');
    const calls = await b.get(`/calls?tenantFilter=${tenant}`);
    assert.equal(calls.calls['@total'], '1', 'a refused first leg does not instantiate a call');
    assert.equal(b.cdr.records.filter((r) => r.body.type === 'callStart' && r.body.call.coSpace !== undefined && r.body.call.name === 'T2').length, 0);
    assert.equal(calls.calls.call[0].tenant, tenant);
    assert.equal((await b.get(`/callLegs?tenantFilter=${tenant}`)).callLegs['@total'], '1');
    await b.api('DELETE', `/calls/${t1.json.call}`);
  });
});
