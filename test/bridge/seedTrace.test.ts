/**
 * Replays every request of the seed's API trace (TMS 15.3 driving CMS 2.0: add bridge, provision five
 * spaces, start a meeting with a dial-out, extend it, end it) against a fresh two-node cluster and
 * checks what the trace shows: status codes, empty bodies, Location shapes and the XML element
 * structure of every answer. Source: ../shared/seeds/000_ecec4cd0d6ec4e81.txt, restated in
 * ../shared/spec/scheduling-flow.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBridge, type RunningBridge } from '../../src/bridge/server.ts';
import { FakeClock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { http, parseXml, xmlShape, type HttpAnswer } from '../support/http.ts';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Element names in document order (attributes ignored): the structure the trace shows. */
function elementNames(text: string): string[] {
  return [...text.matchAll(/<([A-Za-z][\w]*)[\s/>]/g)].map((m) => m[1] ?? '');
}

/** `expected` appears in `actual` in the same order (the trace elides parts with "[ ... ]"). */
function assertSubsequence(actual: readonly string[], expected: readonly string[], what: string): void {
  let i = 0;
  for (const name of actual) if (name === expected[i]) i++;
  assert.equal(i, expected.length, `${what}: expected ${expected.join(' ')} in order within ${actual.join(' ')}`);
}

function assertEmpty200(res: HttpAnswer, what: string): void {
  assert.equal(res.status, 200, `${what}: ${res.text}`);
  assert.equal(res.text, '', `${what} answers with an empty body`);
}

function assertLocation(res: HttpAnswer, collection: string, what: string): string {
  assertEmpty200(res, what);
  const location = String(res.headers['location']);
  assert.match(location, new RegExp(`^/api/v1/${collection}/${GUID}$`), `${what} Location`);
  return location.slice(location.lastIndexOf('/') + 1);
}

const STATUS_ELEMENTS = ['status', 'softwareVersion', 'uptimeSeconds', 'cdrTime', 'activated', 'clusterEnabled', 'callLegsActive', 'callLegsMaxActive'];

forEachDialect('seed trace replay', (dialect) => {
  let database: TestDatabase;
  let core1: TestBridge;
  let core2: RunningBridge;
  const clock = new FakeClock(Date.UTC(2016, 6, 26, 14, 8, 19));

  before(async () => {
    database = await freshDatabase(dialect, 'trace');
    core1 = await startTestBridge(dialect, { database, clock, name: 'CallBridge-Core1' });
    core2 = await startBridge({
      database: database.url,
      dataDir: mkdtempSync(join(tmpdir(), 'sb-core2-')),
      credentials: API_USER,
      listen: { host: '127.0.0.1', port: 0 },
      name: 'CallBridge-Core2',
      clock,
      logger: silentLogger(),
      apiTrace: false,
    });
  });
  after(async () => {
    await core2.close();
    await core1.close();
    await database.dispose();
  });

  test('add bridge, provision five spaces, start, extend and end a meeting', async () => {
    const api = core1.api.bind(core1);
    // Configured on the trace's bridge beforehand: calls to the lab's domain go out over SIP.
    assertLocation(await api('POST', '/outboundDialPlanRules', 'domain=tkratzke.local&priority=10'), 'outboundDialPlanRules', 'setup');

    // ---- Adding the bridge (trace 8889–8894)
    let res = await api('GET', '/system/status');
    assert.equal(res.status, 200);
    assertSubsequence(elementNames(res.text), STATUS_ELEMENTS, 'GET /system/status');
    assert.equal(parseXml(res.text).status.clusterEnabled, 'true', 'two call bridges: a cluster');

    res = await api('GET', '/callBridges');
    assert.equal(res.status, 200);
    assert.equal(xmlShape(res.text), 'callBridges[@total](callBridge[@id](name())callBridge[@id](name()))');
    const bridges = parseXml(res.text).callBridges.callBridge as Array<{ '@id': string; name: string }>;
    assert.deepEqual(bridges.map((b) => b.name), ['CallBridge-Core1', 'CallBridge-Core2']);
    for (const bridge of bridges) {
      res = await api('GET', `/callBridges/${bridge['@id']}`);
      assert.equal(res.status, 200);
      assert.deepEqual(elementNames(res.text), ['callBridge', 'name', 'address', 'sipDomain']);
      assert.match(String(parseXml(res.text).callBridge.address), /^https?:\/\/127\.0\.0\.1:\d+$/);
    }

    const callProfile = assertLocation(await api('POST', '/callProfiles', 'participantLimit=1000&messageBoardEnabled=false'), 'callProfiles', 'POST /callProfiles');
    const callLegProfile = assertLocation(
      await api(
        'POST',
        '/callLegProfiles',
        'defaultLayout=telepresence&changeLayoutAllowed=true&presentationContributionAllowed=true&presentationViewingAllowed=true&muteSelfAllowed=true&videoMuteSelfAllowed=true',
      ),
      'callLegProfiles',
      'POST /callLegProfiles',
    );

    // ---- Provisioning the scheduled-meeting spaces (trace 8954–8957). The trace's log drops the
    // $index$ placeholder; scheduling-flow.md §2 explains the values evidently sent.
    const parameterSet = assertLocation(
      await api(
        'POST',
        '/cospaceBulkParameterSets',
        `startIndex=1&endIndex=5&coSpaceUriMapping=%24index%24&coSpaceNameMapping=TMS_Scheduled_Meeting_%24index%24&coSpaceCallIdMapping=%24index%24&callProfile=${callProfile}&callLegProfile=${callLegProfile}&nonMemberAccess=false`,
      ),
      'cospaceBulkParameterSets',
      'POST /cospaceBulkParameterSets',
    );
    const sync = assertLocation(await api('POST', '/cospaceBulkSyncs', `cospaceBulkParameterSet=${parameterSet}`), 'cospaceBulkSyncs', 'POST /cospaceBulkSyncs');
    await clock.advance(2000); // the trace polls two seconds later
    let syncXml = '';
    for (let attempt = 0; attempt < 50; attempt++) {
      res = await api('GET', `/cospaceBulkSyncs/${sync}`);
      syncXml = res.text;
      if (/<status>(complete|failed\w*)<\/status>/.test(syncXml)) break;
      await clock.advance(100);
    }
    assert.equal(res.status, 200);
    // CMS 2.0 answered these two elements; 2.8+ (the blueprint) adds removeAll after them.
    assertSubsequence(elementNames(syncXml), ['cospaceBulkSync', 'cospaceBulkParameterSet', 'status'], 'GET /cospaceBulkSyncs/<id>');
    assert.match(xmlShape(syncXml), /^cospaceBulkSync\[@id\]\(cospaceBulkParameterSet\(\)status\(\)/);
    assert.equal(parseXml(syncXml).cospaceBulkSync.status, 'complete');
    assert.equal((await api('GET', '/system/status')).status, 200);

    // ---- Starting the meeting (trace 9496–9506)
    assert.equal((await api('GET', '/system/status')).status, 200);
    res = await api('GET', '/participants');
    assert.equal(res.status, 200);
    assert.deepEqual(elementNames(res.text), ['participants']);
    assert.equal(parseXml(res.text).participants['@total'], '0');
    const unauthenticated = await http('GET', `${core1.bridge.httpUrl}/api/v1/coSpaces`);
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers['www-authenticate'], 'Basic realm="acano"');
    assert.equal(unauthenticated.text, '');
    res = await api('GET', '/coSpaces');
    assert.equal(res.status, 200);
    const spaces = parseXml(res.text).coSpaces.coSpace as Array<{ '@id': string; name: string; uri: string; callId: string }>;
    assert.equal(spaces.length, 5);
    assertSubsequence(elementNames(res.text), ['coSpaces', 'coSpace', 'name', 'autoGenerated', 'uri', 'callId', 'coSpace'], 'GET /coSpaces');
    assert.deepEqual(spaces.map((s) => s.name), [1, 2, 3, 4, 5].map((n) => `TMS_Scheduled_Meeting_${n}`));
    assert.deepEqual(spaces.map((s) => [s.uri, s.callId]), [1, 2, 3, 4, 5].map((n) => [String(n), String(n)]));
    const space = spaces[0]?.['@id'] ?? '';
    const spaceXml = parseXml((await api('GET', `/coSpaces/${space}`)).text).coSpace;
    assert.equal(spaceXml.nonMemberAccess, 'false');
    assert.equal(spaceXml.callProfile, callProfile);
    assert.equal(spaceXml.callLegProfile, callLegProfile);

    // The trace's body as logged: a leading "&", passcode masked there, real here.
    const title = 'Tim Kratzke Acano TMSXE Test Meeting';
    const openBody = `&nonMemberAccess=true&passcode=4321&name=${encodeURIComponent(title)}&secret=86db1bdd-5cf7-4ea8-b88d-479195f4701a`;
    assertEmpty200(await api('PUT', `/cospaces/${space}`, openBody), 'PUT /cospaces (open)');
    const call = assertLocation(await api('POST', '/calls', `coSpace=${space}`), 'calls', 'POST /calls');
    assert.equal((await api('GET', '/system/status')).status, 200);
    assert.equal((await api('GET', '/coSpaces')).status, 200);
    res = await api('GET', '/calls');
    assert.equal(res.status, 200);
    assert.equal(xmlShape(res.text), 'calls[@total](call[@id](name()coSpace()callCorrelator()))');
    const listed = parseXml(res.text).calls.call[0];
    assert.equal(listed['@id'], call);
    assert.equal(listed.name, title);
    assert.equal(listed.coSpace, space);
    assert.match(String(listed.callCorrelator), new RegExp(`^${GUID}$`));
    res = await api('GET', '/calllegs');
    assert.equal(res.status, 200);
    assert.equal(parseXml(res.text).callLegs['@total'], '0');
    const leg = assertLocation(await api('POST', `/calls/${call}/calllegs`, 'remoteParty=desk.ex90@tkratzke.local'), 'callLegs', 'POST /calls/<id>/calllegs');
    res = await api('GET', `/callLegs/${leg}`);
    assert.equal(res.status, 200);
    assert.equal(parseXml(res.text).callLeg.remoteParty, 'desk.ex90@tkratzke.local');

    // ---- Extending (trace 9711): the same PUT again.
    await clock.advance(25 * 60_000);
    assertEmpty200(await api('PUT', `/cospaces/${space}`, openBody), 'PUT /cospaces (extend)');

    // ---- Ending (trace 9874–9879)
    for (const path of ['/system/status', '/coSpaces', '/calls', '/coSpaces']) assert.equal((await api('GET', path)).status, 200, path);
    assertEmpty200(
      await api('PUT', `/cospaces/${space}`, 'nonMemberAccess=false&passcode=&name=TMS_Scheduled_Meeting_1&regenerateSecret=true'),
      'PUT /cospaces (reset)',
    );
    assertEmpty200(await api('DELETE', `/calls/${call}`), 'DELETE /calls/<id>');

    const reset = parseXml((await api('GET', `/coSpaces/${space}`)).text).coSpace;
    assert.equal(reset.name, 'TMS_Scheduled_Meeting_1');
    assert.equal(reset.nonMemberAccess, 'false');
    assert.equal(reset.passcode, undefined);
    assert.notEqual(reset.secret, '86db1bdd-5cf7-4ea8-b88d-479195f4701a', 'old join links stop working');
    assert.equal(parseXml((await api('GET', '/calls')).text).calls['@total'], '0');
    assert.equal((await api('GET', `/calls/${call}`)).status, 404);
  });
});
