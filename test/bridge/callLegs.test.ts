import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { newGuid } from '../../src/shared/ids.ts';
import type { CdrRecordBody } from '../../src/bridge/cdr/recordBodies.ts';
import { forEachDialect } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

function legRecords(b: TestBridge, legId: string): CdrRecordBody[] {
  return b.cdr.records
    .map((r) => r.body)
    .filter((r) => ('callLeg' in r ? r.callLeg.id === legId : false));
}

function endOf(b: TestBridge, legId: string): Extract<CdrRecordBody, { type: 'callLegEnd' }>['callLeg'] | undefined {
  const end = legRecords(b, legId).find((r) => r.type === 'callLegEnd');
  return end?.type === 'callLegEnd' ? end.callLeg : undefined;
}

forEachDialect('callLegs: dial-out outcomes', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  let call = '';
  before(async () => {
    b = await startTestBridge(dialect, { clock });
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: newGuid(), fields: { domain: 'example.com', priority: 10 } });
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: newGuid(), fields: { domain: '*.corp.test', priority: 5 } });
    const put = await b.sim('PUT', '/endpoints', {
      endpoints: [
        { pattern: 'busy@*', outcome: 'busy' },
        { pattern: 'reject@*', outcome: 'reject', answerAfterMs: 3000 },
        { pattern: 'away@*', outcome: 'noAnswer' },
        { pattern: '*@nowhere.corp.test', outcome: 'dnsFailure' },
        { pattern: 'short@*', outcome: 'answer', answerAfterMs: 500, hangUpAfterMs: 4000 },
        { pattern: 'flaky@*', outcome: 'mediaFailure', failAfterMs: 2000 },
        { pattern: 'press1@*', confirmation: 'confirm', confirmAfterMs: 1500 },
        { pattern: 'nokey@*', confirmation: 'reject' },
        { pattern: 'silent@*', confirmation: 'ignore' },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    call = await b.create('/calls', 'name=Dial%20Out');
  });
  after(async () => {
    await b.close();
  });

  async function dial(remoteParty: string, extra = ''): Promise<string> {
    return b.create(`/calls/${call}/callLegs`, `remoteParty=${encodeURIComponent(remoteParty)}${extra}`);
  }

  test('default endpoint: initial → ringing → connected after ~1 s, and stays', async () => {
    const leg = await dial('alice@example.com');
    assert.equal((await b.get(`/callLegs/${leg}`)).callLeg.status.state, 'initial');
    const start = legRecords(b, leg)[0];
    assert.ok(start?.type === 'callLegStart');
    assert.equal(start.callLeg.direction, 'outgoing');
    assert.equal(start.callLeg.call, call);
    assert.equal(start.callLeg.confirmationStatus, 'notRequired');
    await clock.advance(100);
    assert.equal((await b.get(`/callLegs/${leg}`)).callLeg.status.state, 'ringing');
    await clock.advance(900);
    const detail = (await b.get(`/callLegs/${leg}`)).callLeg;
    assert.equal(detail.status.state, 'connected');
    assert.equal(detail.status.rxAudio.codec, 'opus');
    const update = legRecords(b, leg)[1];
    assert.ok(update?.type === 'callLegUpdate');
    assert.equal(update.callLeg.state, 'connected');
    assert.equal(update.callLeg.call, call);
    await clock.advance(3_600_000);
    assert.equal((await b.get(`/callLegs/${leg}`)).callLeg.status.state, 'connected');
    assert.equal((await b.get(`/calls/${call}`)).call.numCallLegs, '1');
    assert.equal((await b.api('DELETE', `/callLegs/${leg}`)).status, 200);
    const end = endOf(b, leg);
    assert.equal(end?.reason, 'apiInitiatedTeardown');
    assert.equal(end.remoteTeardown, false);
    assert.equal(end.durationSeconds, 3601);
    assert.equal(end.activatedDuration, 3600);
  });

  const failures: Array<[string, string, boolean, number]> = [
    ['busy@example.com', 'remoteBusy', true, 100],
    ['reject@example.com', 'remoteRejected', true, 3000],
    ['away@example.com', 'ringingTimeout', false, 30_100],
    ['bob@nowhere.corp.test', 'dnsFailure', false, 100],
    ['carol@unrouted.org', 'unknownDestination', false, 100],
    ['12345', 'unknownDestination', false, 100],
  ];
  for (const [uri, reason, remote, atMs] of failures) {
    test(`${uri} ends with ${reason} (remoteTeardown ${remote}) after ${atMs} ms`, async () => {
      const leg = await dial(uri);
      await clock.advance(atMs - 1);
      assert.equal((await b.api('GET', `/callLegs/${leg}`)).status, 200, 'still there just before');
      await clock.advance(1);
      const res = await b.api('GET', `/callLegs/${leg}`);
      assert.equal(res.status, 404);
      assert.match(res.text, /<callLegDoesNotExist\/>/);
      const end = endOf(b, leg);
      assert.equal(end?.reason, reason);
      assert.equal(end.remoteTeardown, remote);
      assert.equal(end.rxAudio, undefined, 'no media on a leg that never connected');
      assert.equal(legRecords(b, leg).filter((r) => r.type === 'callLegUpdate').length, 0);
    });
  }

  test('hang up after N ms: remoteTeardown; media failure: error', async () => {
    const short = await dial('short@example.com');
    const flaky = await dial('flaky@example.com');
    await clock.advance(4499);
    assert.equal((await b.get(`/callLegs/${short}`)).callLeg.status.state, 'connected');
    await clock.advance(1);
    const end = endOf(b, short);
    assert.equal(end?.reason, 'remoteTeardown');
    assert.equal(end.remoteTeardown, true);
    assert.equal(end.durationSeconds, 4);
    assert.equal(end.mediaUsagePercentages?.mainVideoViewer, 88.9);
    const failed = endOf(b, flaky);
    assert.equal(failed?.reason, 'error');
    assert.equal(failed.remoteTeardown, false);
    assert.equal(failed.durationSeconds, 3);
  });

  test('DTMF confirmation: confirmed, rejected, timed out', async () => {
    const yes = await dial('press1@example.com', '&confirmation=true');
    const no = await dial('nokey@example.com', '&confirmation=true');
    const silent = await dial('silent@example.com', '&confirmation=true');
    const start = legRecords(b, yes)[0];
    assert.ok(start?.type === 'callLegStart');
    assert.equal(start.callLeg.confirmationStatus, 'required');
    await clock.advance(2000);
    assert.equal((await b.get(`/callLegs/${yes}`)).callLeg.status.state, 'ringing', 'waits for the key press');
    await clock.advance(500);
    assert.equal((await b.get(`/callLegs/${yes}`)).callLeg.status.state, 'connected');
    const update = legRecords(b, yes).find((r) => r.type === 'callLegUpdate');
    assert.ok(update?.type === 'callLegUpdate');
    assert.equal(update.callLeg.confirmationStatus, 'confirmed');
    await clock.advance(500);
    const rejected = endOf(b, no);
    assert.equal(rejected?.reason, 'remoteRejected');
    assert.equal(rejected.confirmationStatus, 'rejected');
    await clock.advance(60_000);
    const timedOut = endOf(b, silent);
    assert.equal(timedOut?.reason, 'confirmationTimeOut');
    assert.equal(timedOut.remoteTeardown, false);
    await b.api('DELETE', `/callLegs/${yes}`);
  });

  test('dial plan priority and failureAction=continue', async () => {
    const low = newGuid();
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: low, fields: { domain: 'fallback.test', priority: 1 } });
    await b.bridge.ctx.storage.configObjects.insert({
      kind: 'outboundDialPlanRules',
      id: newGuid(),
      fields: { domain: '*', priority: 100, failureAction: 'continue', sipProxy: 'broken.proxy' },
    });
    await b.sim('POST', '/endpoints', { pattern: 'x@fallback.test', outcome: 'dnsFailure' });
    const leg = await dial('x@fallback.test');
    await clock.advance(100);
    assert.equal((await b.api('GET', `/callLegs/${leg}`)).status, 200, 'the first rule failed, the next one is tried');
    await clock.advance(100);
    assert.equal(endOf(b, leg)?.reason, 'dnsFailure');
  });
});

forEachDialect('callLegs: settings, lists, counters', (dialect) => {
  let b: TestBridge;
  const clock = new FakeClock();
  let call = '';
  let profile = '';
  before(async () => {
    b = await startTestBridge(dialect, { clock });
    await b.bridge.ctx.storage.configObjects.insert({ kind: 'outboundDialPlanRules', id: newGuid(), fields: { domain: '*', priority: 0 } });
    profile = newGuid();
    await b.bridge.ctx.storage.configObjects.insert({
      kind: 'callLegProfiles',
      id: profile,
      fields: { name: 'TMS', defaultLayout: 'telepresence', muteSelfAllowed: true, rxAudioMute: false },
    });
    call = await b.create('/calls', 'name=Settings');
  });
  after(async () => {
    await b.close();
  });

  test('call leg profile and per-leg overrides show in GET /callLegs/<id>', async () => {
    const leg = await b.create(`/calls/${call}/calllegs`, `remoteParty=desk.ex90%40tkratzke.local&callLegProfile=${profile}&rxAudioMute=true&ownerId=tms-42&chosenLayout=speakerOnly&bandwidth=2000000`);
    await clock.advance(1000);
    const detail = (await b.get(`/callLegs/${leg}`)).callLeg;
    assert.equal(detail.remoteParty, 'desk.ex90@tkratzke.local');
    assert.equal(detail.direction, 'outgoing');
    assert.equal(detail.type, 'sip');
    assert.equal(detail.call, call);
    assert.equal(detail.configuration.ownerId, 'tms-42');
    assert.equal(detail.configuration.chosenLayout, 'speakerOnly');
    assert.equal(detail.configuration.defaultLayout, 'telepresence');
    assert.equal(detail.configuration.muteSelfAllowed, 'true');
    assert.equal(detail.configuration.rxAudioMute, 'true', 'override beats the profile');
    assert.equal(detail.status.layout, 'speakerOnly');
  });

  test('PUT changes live settings and emits callLegUpdate for ownerId / deactivated; some parameters are POST-only', async () => {
    const leg = await b.create(`/calls/${call}/callLegs`, 'remoteParty=put.me%40example.com');
    await clock.advance(1000);
    const before1 = b.cdr.records.length;
    assert.equal((await b.api('PUT', `/callLegs/${leg}`, 'rxAudioMute=on&chosenLayout=allEqual')).status, 200);
    assert.equal(b.cdr.records.length, before1, 'mute and layout changes make no CDR');
    let detail = (await b.get(`/callLegs/${leg}`)).callLeg;
    assert.equal(detail.configuration.rxAudioMute, 'true');
    assert.equal(detail.status.layout, 'allEqual');
    assert.equal((await b.api('PUT', `/callLegs/${leg}`, 'ownerId=new-owner&deactivated=true')).status, 200);
    const update = b.cdr.posts.at(-1)?.records[0];
    assert.ok(update?.type === 'callLegUpdate');
    assert.equal(update.callLeg.ownerId, 'new-owner');
    assert.equal(update.callLeg.deactivated, true);
    detail = (await b.get(`/callLegs/${leg}`)).callLeg;
    assert.equal(detail.status.deactivated, 'true');
    assert.equal((await b.api('PUT', `/callLegs/${leg}`, 'rxAudioMute=')).status, 200);
    assert.equal((await b.get(`/callLegs/${leg}`)).callLeg.configuration.rxAudioMute, undefined, 'empty value removes the override');
    for (const name of ['remoteParty', 'bandwidth', 'confirmation']) {
      const res = await b.api('PUT', `/callLegs/${leg}`, `${name}=${name === 'remoteParty' ? 'x%40y' : name === 'bandwidth' ? '1000' : 'true'}`);
      assert.equal(res.status, 400, name);
      assert.match(res.text, new RegExp(`<parameterError parameter="${name}" error="readOnlyParameter"/>`));
    }
    await clock.advance(10_000);
    await b.api('DELETE', `/callLegs/${leg}`);
    assert.equal(endOf(b, leg)?.activatedDuration, 0, 'deactivated time is not activated time');
  });

  test('POST failures: missing remoteParty, bad values, unknown profile; callLegDoesNotExist', async () => {
    const missing = await b.api('POST', `/calls/${call}/callLegs`, 'ownerId=x');
    assert.match(missing.text, /<parameterError parameter="remoteParty" error="missingParameter"\/>/);
    const layout = await b.api('POST', `/calls/${call}/callLegs`, 'remoteParty=a%40b.c&chosenLayout=sideways');
    assert.match(layout.text, /<parameterError parameter="chosenLayout" error="invalidValue"\/>/);
    const prof = await b.api('POST', `/calls/${call}/callLegs`, `remoteParty=a%40b.c&callLegProfile=${newGuid()}`);
    assert.equal(prof.status, 400);
    assert.match(prof.text, /<callLegProfileDoesNotExist\/>/);
    const label = await b.api('POST', `/calls/${call}/callLegs`, `remoteParty=a%40b.c&nameLabelOverride=${encodeURIComponent('é'.repeat(26))}`);
    assert.match(label.text, /<parameterError parameter="nameLabelOverride" error="valueTooLong"\/>/);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await b.api(method, `/callLegs/${newGuid()}`, method === 'PUT' ? 'rxAudioMute=true' : undefined);
      assert.equal(res.status, 404);
      assert.match(res.text, /<failureDetails><callLegDoesNotExist\/><\/failureDetails>/);
    }
  });

  test('lists: cap 10, total, filters (filter, ownerIdSet, alarms, activeLayoutFilter), case-insensitive paths', async () => {
    const other = await b.create('/calls', 'name=Many');
    const legs: string[] = [];
    for (let i = 0; i < 14; i++) legs.push(await b.create(`/calls/${other}/CALLLEGS`, `remoteParty=user${i}%40many.example&${i % 2 === 0 ? 'ownerId=o' : 'chosenLayout=stacked'}`));
    await clock.advance(1000);
    const list = await b.get(`/calls/${other}/callLegs`);
    assert.equal(list.callLegs['@total'], '14');
    assert.equal(list.callLegs.callLeg.length, 10);
    assert.equal(list.callLegs.callLeg[0].remoteParty, 'user0@many.example');
    assert.equal(list.callLegs.callLeg[0].call, other);
    assert.equal((await b.get(`/calls/${other}/callLegs?offset=10`)).callLegs.callLeg.length, 4);
    assert.equal((await b.get('/callLegs?filter=USER1')).callLegs['@total'], '5'); // user1, user10..13
    assert.equal((await b.get('/callLegs?ownerIdSet=true&filter=many')).callLegs['@total'], '7');
    assert.equal((await b.get('/callLegs?ownerIdSet=false&filter=many')).callLegs['@total'], '7');
    assert.equal((await b.get('/callLegs?activeLayoutFilter=stacked')).callLegs['@total'], '7');
    assert.equal((await b.api('GET', '/callLegs?ownerIdSet=maybe')).status, 400);
    assert.equal((await b.api('GET', '/callLegs?alarms=fire')).status, 400);
    await b.sim('PUT', `/callLegs/${legs[3]}/media`, { alarms: ['packetLoss'] });
    const alarmed = await b.get('/callLegs?alarms=packetLoss|highRoundTripTime');
    assert.equal(alarmed.callLegs['@total'], '1');
    assert.equal(alarmed.callLegs.callLeg[0]['@id'], legs[3]);
    assert.equal(alarmed.callLegs.callLeg[0].alarms.packetLoss, '');
    assert.equal((await b.get('/callLegs?alarms=all')).callLegs['@total'], '1');
    assert.equal((await b.get('/callLegs?alarms=excessiveJitter')).callLegs['@total'], '0');
    await clock.advance(1000);
    await b.sim('PUT', `/callLegs/${legs[3]}/media`, { alarms: [] });
    await clock.advance(2000);
    const alarmLeg = legs[3] ?? '';
    await b.api('DELETE', `/callLegs/${alarmLeg}`);
    const end = endOf(b, alarmLeg);
    assert.deepEqual(end?.alarms, [{ type: 'packetLoss', durationPercentage: 25 }]);
    await b.api('DELETE', `/calls/${other}`);
  });

  test('/system/status counters follow the truth', async () => {
    const before1 = (await b.get('/system/status')).status;
    const active0 = Number(before1.callLegsActive);
    const completed0 = Number(before1.callLegsCompleted);
    const c = await b.create('/calls', 'name=Counters');
    const l1 = await b.create(`/calls/${c}/callLegs`, 'remoteParty=a%40count.example');
    await b.create(`/calls/${c}/callLegs`, 'remoteParty=b%40count.example');
    let status = (await b.get('/system/status')).status;
    assert.equal(Number(status.callLegsActive), active0 + 2);
    assert.ok(Number(status.callLegsMaxActive) >= active0 + 2);
    assert.equal(Number(status.cdrCorrelatorIndex), b.cdr.nextCorrelatorIndex);
    await b.api('DELETE', `/callLegs/${l1}`);
    status = (await b.get('/system/status')).status;
    assert.equal(Number(status.callLegsActive), active0 + 1);
    assert.equal(Number(status.callLegsCompleted), completed0 + 1);
    await b.api('DELETE', `/calls/${c}`);
    status = (await b.get('/system/status')).status;
    assert.equal(Number(status.callLegsActive), active0);
    assert.equal(Number(status.callLegsCompleted), completed0 + 2);
  });
});
