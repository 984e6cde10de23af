import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { http } from '../support/http.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simConfigFrom } from '../../src/cli.ts';

forEachDialect('simulator control API', (dialect) => {
  let b: TestBridge;
  let off: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
    off = await startTestBridge(dialect, { sim: false });
  });
  after(async () => {
    await b.close();
    await off.close();
  });

  test('needs its own credentials; the CMS API user is not enough', async () => {
    const url = `${b.bridge.httpUrl ?? ''}/sim/v1/endpoints`;
    assert.equal((await http('GET', url)).status, 401);
    const apiUser = await http('GET', url, { auth: API_USER });
    assert.equal(apiUser.status, 401);
    assert.match(String(apiUser.headers['www-authenticate']), /^Basic /);
    assert.equal((await b.sim('GET', '/endpoints')).status, 200);
  });

  test('off unless enabled', async () => {
    const res = await http('GET', `${off.bridge.httpUrl ?? ''}/sim/v1/endpoints`, { auth: { user: 'sim', password: 'sim-password' } });
    assert.equal(res.status, 404);
  });

  test('endpoint behaviours: append, list, replace, clear; bad input is a 400 and changes nothing', async () => {
    assert.equal((await b.sim('POST', '/endpoints', { pattern: 'busy@*', outcome: 'busy' })).status, 200);
    assert.deepEqual((await b.sim('GET', '/endpoints')).json.endpoints, [{ pattern: 'busy@*', outcome: 'busy' }]);
    for (const bad of [{ pattern: 'x', outcome: 'explode' }, { pattern: '' }, { pattern: 'x', answerAfterMs: -1 }, { pattern: 'x', extra: 1 }]) {
      const res = await b.sim('POST', '/endpoints', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(typeof res.json.error, 'string');
    }
    assert.equal((await b.sim('GET', '/endpoints')).json.endpoints.length, 1);
    await b.sim('PUT', '/endpoints', { endpoints: [{ pattern: 'a*' }, { pattern: 'b*', outcome: 'reject' }] });
    assert.deepEqual((await b.sim('GET', '/endpoints')).json.endpoints.map((e: { pattern: string }) => e.pattern), ['a*', 'b*']);
    await b.sim('DELETE', '/endpoints');
    assert.deepEqual((await b.sim('GET', '/endpoints')).json.endpoints, []);
  });

  test('dial-in validation; unknown legs and calls are 404', async () => {
    assert.equal((await b.sim('POST', '/dialIns', { remoteParty: 'a@b' })).status, 400, 'uri or callId needed');
    assert.equal((await b.sim('POST', '/dialIns', { uri: 'x', callId: '1', remoteParty: 'a@b' })).status, 400, 'not both');
    assert.equal((await b.sim('POST', '/dialIns', { uri: 'x' })).status, 400, 'remoteParty needed');
    assert.equal((await b.sim('POST', '/dialIns', { callId: 'abc', remoteParty: 'a@b' })).status, 400);
    const missing = '00000000-0000-0000-0000-000000000000';
    assert.equal((await b.sim('POST', `/callLegs/${missing}/hangUp`)).status, 404);
    assert.equal((await b.sim('PUT', `/callLegs/${missing}/media`, {})).status, 404);
    assert.equal((await b.sim('POST', `/calls/${missing}/deactivate`)).status, 404);
    const leg = await b.sim('POST', '/dialIns', { uri: 'nowhere', remoteParty: 'a@b' });
    assert.equal(leg.json.reason, 'unknownDestination');
    assert.equal((await b.sim('PUT', `/callLegs/${missing}/media`, { rxAudio: { codec: 'mp3' } })).status, 400);
  });

  test('media and alarms reach the callLegEnd record', async () => {
    await b.create('/coSpaces', 'name=Media&uri=media.room');
    const leg = await b.sim('POST', '/dialIns', { uri: 'media.room', remoteParty: 'm@example.com' });
    const put = await b.sim('PUT', `/callLegs/${leg.json.callLeg}/media`, {
      rxAudio: { codec: 'g711u' },
      txVideo: null,
      encryptedMedia: true,
      alarms: ['highRoundTripTime'],
    });
    assert.equal(put.status, 200);
    const detail = (await b.get(`/callLegs/${leg.json.callLeg}`)).callLeg;
    assert.equal(detail.status.rxAudio.codec, 'g711u');
    assert.equal(detail.status.encryptedMedia, 'true');
    assert.equal(detail.alarms.highRoundTripTime, '');
    await b.sim('POST', `/callLegs/${leg.json.callLeg}/hangUp`);
    const end = b.cdr.records.find((r) => r.body.type === 'callLegEnd' && r.body.callLeg.id === leg.json.callLeg)?.body;
    assert.ok(end?.type === 'callLegEnd');
    assert.equal(end.callLeg.rxAudio?.codec, 'g711u');
    assert.equal(end.callLeg.txVideo, undefined);
    assert.equal(end.callLeg.encryptedMedia, true);
    assert.equal(end.callLeg.unencryptedMedia, undefined);
    assert.equal(end.callLeg.reasonDetails, 'SIP');
    assert.deepEqual(end.callLeg.alarms?.map((a) => a.type), ['highRoundTripTime']);
  });
});

test('--sim flags: off by default, own credentials required, --sim-config loads behaviours or explains why not', async () => {
  const problem = async (values: Parameters<typeof simConfigFrom>[0]): Promise<string> => {
    const result = await simConfigFrom(values);
    assert.equal(typeof result, 'string');
    return result as string;
  };
  assert.equal(await simConfigFrom({}), undefined);
  assert.match(await problem({ sim: true }), /own credentials/);
  assert.deepEqual(await simConfigFrom({ sim: true, 'sim-user': 'u', 'sim-password': 'p' }), { credentials: { user: 'u', password: 'p' } });
  const dir = mkdtempSync(join(tmpdir(), 'sb-sim-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ endpoints: [{ pattern: 'busy@*', outcome: 'busy' }] }));
  const loaded = await simConfigFrom({ 'sim-config': good, 'sim-user': 'u', 'sim-password': 'p' });
  assert.ok(typeof loaded === 'object');
  assert.deepEqual(loaded.endpoints, [{ pattern: 'busy@*', outcome: 'busy' }]);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ endpoints: [{ pattern: 'x', outcome: 'explode' }] }));
  assert.match(await problem({ 'sim-config': bad, 'sim-user': 'u', 'sim-password': 'p' }), /not valid: endpoints\.0\.outcome/);
  assert.match(await problem({ 'sim-config': join(dir, 'missing.json'), 'sim-user': 'u', 'sim-password': 'p' }), /cannot read/);
});
