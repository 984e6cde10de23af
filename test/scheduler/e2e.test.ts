/**
 * End to end: our scheduler manages OUR bridge (a real one on port 0) over the CMS API, and the bridge's
 * own API trace must show the seed trace's sequences (docs: /work/shared/spec/scheduling-flow.md).
 * Gated on the bridge serving profiles, bulk sync and calls (they land from other branches).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import type { EndpointBehaviour } from '../../src/bridge/engine/endpoints.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { driveClock, bridgeCapabilities, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge, type TraceLine } from '../support/scheduler.ts';

const T = (h: number, m = 0): number => Date.UTC(2026, 0, 5, h, m, 0); // Europe/London = UTC in January
const KEY = randomBytes(32);
const ENDPOINTS: EndpointBehaviour[] = [{ pattern: 'busy*', outcome: 'busy' }];

function shape(lines: readonly TraceLine[]): string[] {
  return lines.map((l) => `${l.method} ${l.path.split('?')[0]?.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')}`);
}

forEachDialect('scheduler end to end', (dialect) => {
  let clock: FakeClock;
  let s: TestScheduler;
  let b: TracedBridge;
  let bridgeDb: TestDatabase;
  let missing: string[] = [];

  /** A fresh bridge and scheduler for one test, closed when it ends (pass or fail). */
  async function world(t: TestContext): Promise<boolean> {
    clock = new FakeClock(T(8));
    bridgeDb = await freshDatabase(dialect, 'bridge');
    b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core1', ENDPOINTS);
    s = await startTestScheduler(dialect, clock, { key: KEY });
    missing = await bridgeCapabilities(b.bridge.url);
    if (missing.length === 0) {
      const rule = await http('POST', `${b.bridge.url}/api/v1/outboundDialPlanRules`, { auth: API_USER, body: 'domain=example.com&priority=1' });
      if (rule.status !== 200) missing.push('/outboundDialPlanRules');
    }
    t.after(async () => {
      await s.close();
      await b.close();
      await bridgeDb.dispose();
    });
    if (missing.length > 0) t.skip(`bridge lacks ${missing.join(', ')}`);
    return missing.length === 0;
  }

  const drive = <R>(pending: Promise<R>): Promise<R> => driveClock(clock, pending);

  async function addAndProvision(): Promise<string> {
    b.trace.length = 0;
    const added = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const id = added.json.id as string;
    // The bridge's bulk sync and our polling both run on the fake clock: move it while the PATCH is pending.
    const configured = await drive(s.api('PATCH', `/bridges/${id}`, { name: 'Core1', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 5 } }));
    assert.equal(configured.status, 200, configured.text);
    assert.equal(configured.json.provisioning.state, 'provisioned', configured.text);
    assert.deepEqual(configured.json.warnings, []);
    assert.equal(configured.json.spaces.total, 5);
    assert.deepEqual(configured.json.spaces.missing, []);
    return id;
  }

  async function book(title: string, start: string, end: string, dialOuts: string[], pin = '1234'): Promise<string> {
    const res = await s.api('POST', '/bookings', {
      title,
      organizer: 'organizer@example.com',
      start: `2026-01-05T${start}`,
      end: `2026-01-05T${end}`,
      timeZone: 'Europe/London',
      pin,
      participants: dialOuts.map((uri) => ({ uri, mode: 'dialOut' })),
    });
    assert.equal(res.status, 201, res.text);
    return res.json.id as string;
  }

  /** The meeting-related requests the bridge received since `from` (monitor polls of call legs left out). */
  function since(from: number): string[] {
    return shape(b.trace.slice(from)).filter((l) => !/^GET \/api\/v1\/calls\/<id>\/callLegs$/i.test(l));
  }

  async function at(instant: number): Promise<void> {
    await clock.advanceTo(instant);
    await s.scheduler.runner.runDue();
  }

  test('two overlapping meetings: spaces 1 and 2, legs dialled, reset and delete at the end — the seed trace', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    const provisioning = shape(b.trace).slice(5);
    assert.equal(provisioning[0], 'POST /api/v1/cospaceBulkParameterSets');
    assert.equal(provisioning[1], 'POST /api/v1/cospaceBulkSyncs');
    assert.equal(provisioning[2], 'GET /api/v1/cospaceBulkSyncs/<id>');
    const statusAt = provisioning.indexOf('GET /api/v1/system/status');
    assert.ok(statusAt > 2 && provisioning.slice(2, statusAt).every((l) => l === 'GET /api/v1/cospaceBulkSyncs/<id>'));
    assert.ok(provisioning.slice(statusAt + 1).every((l) => l === 'GET /api/v1/coSpaces'));
    const bulk = b.trace.find((l) => l.method === 'POST' && l.path.startsWith('/api/v1/cospaceBulkParameterSets'));
    assert.equal(bulk?.fields?.['coSpaceNameMapping'], 'TMS_Scheduled_Meeting_$index$');
    assert.equal(bulk.fields['coSpaceUriMapping'], '$index$');
    assert.equal(bulk.fields['nonMemberAccess'], 'false');

    const first = await book('Board meeting', '10:00', '11:00', ['alice@example.com', 'bob@example.com']);
    const second = await book('Design review', '10:30', '12:00', ['carol@example.com']);

    let mark = b.trace.length;
    await at(T(10));
    const START = [
      'GET /api/v1/system/status',
      'GET /api/v1/participants',
      'GET /api/v1/coSpaces',
      'PUT /api/v1/cospaces/<id>',
      'POST /api/v1/calls',
      'GET /api/v1/system/status',
      'GET /api/v1/coSpaces',
      'GET /api/v1/calls',
      'GET /api/v1/calllegs',
    ];
    assert.deepEqual(since(mark), [...START, 'POST /api/v1/calls/<id>/calllegs', 'POST /api/v1/calls/<id>/calllegs']);
    const put = b.trace[mark + 3];
    assert.deepEqual(put?.fields && { ...put.fields, secret: 'x' }, { nonMemberAccess: 'true', passcode: '********', name: 'Board meeting', secret: 'x' });
    assert.deepEqual(b.trace.slice(mark + 9, mark + 11).map((l) => l.fields?.['remoteParty']), ['alice@example.com', 'bob@example.com']);
    const one = (await s.api('GET', `/bookings/${first}`)).json.occurrences[0];
    assert.equal(one.state, 'live');
    assert.equal(one.space.number, 1);
    assert.ok(one.call);

    mark = b.trace.length;
    await at(T(10, 30));
    assert.deepEqual(since(mark), [...START, 'POST /api/v1/calls/<id>/calllegs']);
    const two = (await s.api('GET', `/bookings/${second}`)).json.occurrences[0];
    assert.equal(two.state, 'live');
    assert.equal(two.space.number, 2, 'the lowest free space');
    assert.equal(two.participants[0].connected, true);

    const END = ['GET /api/v1/system/status', 'GET /api/v1/coSpaces', 'GET /api/v1/calls', 'GET /api/v1/coSpaces', 'PUT /api/v1/cospaces/<id>', 'DELETE /api/v1/calls/<id>'];
    mark = b.trace.length;
    await at(T(11));
    assert.deepEqual(since(mark), END);
    const reset = b.trace.slice(mark).find((l) => l.method === 'PUT');
    assert.deepEqual(reset?.fields, { nonMemberAccess: 'false', passcode: '', name: 'TMS_Scheduled_Meeting_1', regenerateSecret: 'true' });
    assert.ok(b.trace.slice(mark).find((l) => l.method === 'DELETE')?.path.endsWith(one.call as string));
    assert.equal((await s.api('GET', `/bookings/${first}`)).json.occurrences[0].state, 'ended');

    mark = b.trace.length;
    await at(T(12));
    assert.deepEqual(since(mark), END);
    assert.equal(b.trace.slice(mark).find((l) => l.method === 'PUT')?.fields?.['name'], 'TMS_Scheduled_Meeting_2');
    const calls = await http('GET', `${b.bridge.url}/api/v1/calls`, { auth: API_USER });
    assert.match(calls.text, /total="0"/);
    const bridgeView = (await s.api('GET', '/bridges')).json[0];
    assert.equal(bridgeView.spaces.inUse, 0);

    const audit = (await s.api('GET', `/bookings/${first}/occurrences/1/audit`)).json as Array<{ method?: string; fields?: Record<string, string> }>;
    assert.ok(audit.length >= START.length + END.length);
    assert.ok(!JSON.stringify(audit).includes('1234'), 'the PIN never appears in the audit log');
  });

  test('a booking that needs a sixth concurrent space, or a participant twice, is refused (409)', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    for (let i = 0; i < 5; i++) await book(`M${i}`, '10:00', '11:00', [`p${i}@example.com`]);
    const res = await s.api('POST', '/bookings', { title: 'Sixth', organizer: 'o@example.com', start: '2026-01-05T10:30', end: '2026-01-05T11:30', timeZone: 'Europe/London' });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'bookingConflict');
    assert.equal(res.json.error.details[0].reason, 'capacityExceeded');
    const twice = await s.api('POST', '/bookings', { title: 'Twice', organizer: 'o@example.com', start: '2026-01-05T11:00', end: '2026-01-05T12:00', timeZone: 'Europe/London', participants: [{ uri: 'p1@example.com', mode: 'dialOut' }] });
    assert.equal(twice.status, 201, 'back to back is fine');
    const overlap = await s.api('POST', '/bookings', { title: 'Overlap', organizer: 'o@example.com', start: '2026-01-05T11:30', end: '2026-01-05T12:30', timeZone: 'Europe/London', participants: [{ uri: 'P1@example.com', mode: 'dialOut' }] });
    assert.equal(overlap.status, 409);
    assert.equal(overlap.json.error.details[0].reason, 'participantDoubleBooked');
  });

  test('extend re-PUTs the space and moves the end; refused when the space is needed; end early', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    const id = await book('Extend me', '10:00', '11:00', []);
    for (let i = 0; i < 5; i++) await book(`Later${i}`, '11:00', '12:00', []);
    await at(T(10));
    const mark = b.trace.length;
    const ok = await s.api('POST', `/bookings/${id}/occurrences/1/extend`, { minutes: 15 });
    assert.equal(ok.status, 409, 'five meetings from 11:00 need every space');
    assert.equal(ok.json.error.code, 'spaceNeeded');
    await s.api('DELETE', `/bookings/${(await s.api('GET', '/bookings')).json[1].id as string}`);
    const extended = await s.api('POST', `/bookings/${id}/occurrences/1/extend`, { minutes: 15 });
    assert.equal(extended.status, 200, extended.text);
    assert.equal(extended.json.end, new Date(T(11, 15)).toISOString());
    assert.deepEqual(since(mark).filter((l) => l.startsWith('PUT')), ['PUT /api/v1/cospaces/<id>']);
    await at(T(11));
    assert.equal((await s.api('GET', `/bookings/${id}/occurrences/1`)).json.state, 'live', 'still running after the old end');
    const ended = await s.api('POST', `/bookings/${id}/occurrences/1/end`);
    assert.equal(ended.status, 202);
    await s.scheduler.runner.runDue();
    assert.equal((await s.api('GET', `/bookings/${id}/occurrences/1`)).json.state, 'ended');
  });

  test('dial-out busy: re-dialled on each monitor pass up to the limit, then marked failed', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    const id = await book('Busy line', '10:00', '11:00', ['alice@example.com', 'busy.desk@example.com']);
    await at(T(10));
    for (let step = 1; step <= 4; step++) await at(T(10) + step * 30_000);
    const dials = b.trace.filter((l) => l.method === 'POST' && /calllegs$/i.test(l.path)).map((l) => l.fields?.['remoteParty']);
    assert.deepEqual(dials.filter((r) => r === 'busy.desk@example.com').length, 3, 'first dial + 2 re-dials');
    assert.deepEqual(dials.filter((r) => r === 'alice@example.com').length, 1, 'a connected participant is not re-dialled');
    const view = (await s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    const busy = view.participants.find((p: { uri: string }) => p.uri === 'busy.desk@example.com');
    assert.equal(busy.dialState, 'failed');
    assert.equal(busy.dialAttempts, 3);
    assert.equal(busy.connected, false);
    assert.equal(view.participants.find((p: { uri: string }) => p.uri === 'alice@example.com').connected, true);
    const notes = (await s.api('GET', `/bookings/${id}/occurrences/1/audit`)).json.filter((e: { kind: string }) => e.kind === 'note');
    assert.ok(notes.some((n: { error: string }) => /re-dialling/.test(n.error)));
    assert.ok(notes.some((n: { error: string }) => /giving up/.test(n.error)));
  });

  test('restart between POST /calls and recording its answer: the call on the space is adopted, nothing posted or dialled twice', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    const id = await book('Crash test', '10:00', '11:00', ['alice@example.com', 'bob@example.com']);
    await at(T(10));
    const live = (await s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    // The crash window as the database saw it: POST /calls was marked as being sent, its answer and
    // everything after it never recorded; bob's dial-out was marked as being sent, not its answer.
    const storage = s.scheduler.storage;
    await storage.meetings.update(id, 1, { state: 'starting', callId: null, callPosting: true }, clock.now());
    await storage.meetings.updateDialOut(id, 1, 'bob@example.com', { state: 'dialling', callLegId: null }, clock.now());
    await storage.actions.cancel(id, 1);
    await storage.actions.schedule('start', id, 1, clock.now(), clock.now());
    // A new scheduler process on the same database.
    await s.scheduler.close();
    const again = await startTestScheduler(dialect, clock, { database: s.database, key: KEY });
    t.after(() => again.close());
    const mark = b.trace.length;
    await clock.advance(1_000);
    await again.scheduler.runner.runDue();
    const after = since(mark);
    assert.ok(!after.includes('POST /api/v1/calls'), after.join('\n'));
    assert.ok(!after.some((l) => /calllegs$/i.test(l) && l.startsWith('POST')), 'nobody dialled twice');
    assert.ok(after.includes('GET /api/v1/calls'), 'looked for the call on the bridge');
    const resumed = (await again.api('GET', `/bookings/${id}/occurrences/1`)).json;
    assert.equal(resumed.state, 'live');
    assert.equal(resumed.call, live.call);
    assert.equal(resumed.participants.find((p: { uri: string }) => p.uri === 'bob@example.com').dialState, 'dialled');
    const calls = await http('GET', `${b.bridge.url}/api/v1/calls`, { auth: API_USER });
    assert.match(calls.text, /total="1"/);
  });

  test('a start that fails for good after its space was claimed still closes the space (its PUT may have gone out unrecorded)', async (t) => {
    if (!(await world(t))) return;
    await addAndProvision();
    const id = await book('Never recorded', '10:00', '10:30', []);
    await at(T(10));
    const opened = (await s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    assert.equal(opened.state, 'live');
    // The crash window as the database saw it: the space claimed and the opening PUT sent, its answer
    // never recorded; no call. The restarted start then cannot run any more (the meeting is over).
    const storage = s.scheduler.storage;
    await http('DELETE', `${b.bridge.url}/api/v1/calls/${opened.call as string}`, { auth: API_USER });
    await storage.meetings.update(id, 1, { state: 'starting', spaceOpened: false, callPosting: false, callId: null }, clock.now());
    await storage.actions.cancel(id, 1);
    await storage.actions.schedule('start', id, 1, T(10, 30), clock.now());
    const mark = b.trace.length;
    await at(T(10, 30));
    await at(T(10, 30) + 1_000);
    assert.ok(since(mark).includes('PUT /api/v1/cospaces/<id>'), since(mark).join('\n'));
    const space = await http('GET', `${b.bridge.url}/api/v1/coSpaces/${opened.space.coSpace as string}`, { auth: API_USER });
    assert.match(space.text, /<name>TMS_Scheduled_Meeting_1<\/name>/);
    assert.match(space.text, /<nonMemberAccess>false<\/nonMemberAccess>/);
    const view = (await s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    assert.equal(view.state, 'ended');
  });

  test('primary down at start: a meeting not yet started fails over to the alternate; every attempt is recorded', async (t) => {
    if (!(await world(t))) return;
    // A second call bridge of the same cluster (same database), discovered through /callBridges.
    const core2 = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core2', ENDPOINTS);
    t.after(() => core2.close());
    await addAndProvision();
    const bridgeId = (await s.api('GET', '/bridges')).json[0].id as string;
    const refreshed = await s.api('POST', '/bridges', { address: core2.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(refreshed.status, 409, 'a discovered call bridge cannot be added again');
    const withAlternate = await s.api('PATCH', `/bridges/${bridgeId}`, { alternate: { address: core2.bridge.url, username: API_USER.user, password: API_USER.password } });
    assert.equal(withAlternate.status, 200, withAlternate.text);
    assert.equal(withAlternate.json.alternate.address, core2.bridge.url);
    const id = await book('Failover', '10:00', '11:00', ['alice@example.com']);
    await b.close();
    const mark = core2.trace.length;
    await at(T(10));
    const view = (await s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    assert.equal(view.state, 'live', JSON.stringify(view));
    assert.equal(view.endpoint, 'alternate');
    assert.equal(view.space.number, 1);
    assert.deepEqual(
      shape(core2.trace.slice(mark)).filter((l) => !/callLegs$/.test(l)).slice(0, 5),
      ['GET /api/v1/system/status', 'GET /api/v1/participants', 'GET /api/v1/coSpaces', 'PUT /api/v1/cospaces/<id>', 'POST /api/v1/calls'],
    );
    const audit = (await s.api('GET', `/bookings/${id}/occurrences/1/audit`)).json as Array<{ kind: string; status?: number; error?: string; path?: string }>;
    assert.ok(audit.some((e) => e.kind === 'cms' && e.status === undefined && e.path === '/api/v1/system/status'), 'the failed attempt on the primary is recorded');
    assert.ok(audit.some((e) => e.kind === 'note' && /fails over to the alternate/.test(e.error ?? '')));
    await at(T(11));
    assert.equal((await s.api('GET', `/bookings/${id}/occurrences/1`)).json.state, 'ended', 'ended on the alternate it ran on');
  });
});
