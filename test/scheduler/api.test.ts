import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { bridgeCapabilities, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge } from '../support/scheduler.ts';

forEachDialect('scheduler API', (dialect) => {
  let s: TestScheduler;
  let b: TracedBridge;
  let bridgeDb: TestDatabase;
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 8, 0, 0));
  before(async () => {
    s = await startTestScheduler(dialect, clock);
    bridgeDb = await freshDatabase(dialect, 'bridge');
    b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core1');
  });
  after(async () => {
    await s.close();
    await b.close();
    await bridgeDb.dispose();
  });

  test('Basic auth is required; the OpenAPI description is served', async () => {
    const res = await http('GET', `${s.scheduler.url}/api/v1/bookings`);
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.text).error.code, 'unauthorized');
    const wrong = await http('GET', `${s.scheduler.url}/api/v1/bookings`, { auth: { user: 'planner', password: 'nope' } });
    assert.equal(wrong.status, 401);
    const doc = await http('GET', `${s.scheduler.url}/api/v1/openapi.json`);
    assert.equal(doc.status, 200);
    const openapi = JSON.parse(doc.text);
    assert.equal(openapi.openapi, '3.1.0');
    assert.ok(openapi.paths['/bookings/{id}/occurrences/{n}/extend']);
  });

  test('invalid bodies are 400 with field-level issues, and nothing is stored', async () => {
    for (const body of [
      {},
      { title: '', organizer: 'x', start: 'soon', end: 'later', timeZone: 'Mars/Base' },
      { title: 'T', organizer: 'a@example.com', start: '2026-01-05T10:00', end: '2026-01-05T09:00', timeZone: 'Europe/Oslo' },
      { title: 'T', organizer: 'a@example.com', start: '2026-01-05T10:00', end: '2026-01-05T11:00', timeZone: 'Europe/Oslo', participants: [{ uri: 'x y', mode: 'dialOut' }] },
      { title: 'T', organizer: 'a@example.com', start: '2026-01-05T10:00', end: '2026-01-05T11:00', timeZone: 'Europe/Oslo', extra: 1 },
    ]) {
      const res = await s.api('POST', '/bookings', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.code, 'validationFailed');
      assert.ok(Array.isArray(res.json.error.details) && res.json.error.details.length > 0);
    }
    const bad = await http('POST', `${s.scheduler.url}/api/v1/bookings`, { auth: { user: 'planner', password: 'scheduler-secret' }, body: '{not json', contentType: 'application/json' });
    assert.equal(bad.status, 400);
    assert.deepEqual((await s.api('GET', '/bookings')).json, []);
  });

  test('a booking with no ready bridge is refused (409) with the reason', async () => {
    const res = await s.api('POST', '/bookings', { title: 'T', organizer: 'a@example.com', start: '2026-01-05T10:00', end: '2026-01-05T11:00', timeZone: 'Europe/Oslo' });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.code, 'bridgeNotConfigured');
  });

  test('unknown objects are 404; bad bridge bodies 400; unreachable bridges 502', async () => {
    assert.equal((await s.api('GET', '/bookings/nope')).status, 404);
    assert.equal((await s.api('GET', '/bridges/nope')).status, 404);
    assert.equal((await s.api('POST', '/bridges', { address: 'x' })).status, 400);
    const down = await s.api('POST', '/bridges', { address: 'http://127.0.0.1:1', username: 'admin', password: 'pw' });
    assert.equal(down.status, 502);
    assert.equal(down.json.error.code, 'bridgeUnreachable');
    assert.deepEqual((await s.api('GET', '/bridges')).json, []);
  });

  test('adding our bridge runs the add sequence; the password is never shown; the same cluster twice is 409', async (t) => {
    const missing = await bridgeCapabilities(b.bridge.url);
    if (missing.includes('/callProfiles') || missing.includes('/callLegProfiles')) {
      t.skip(`the bridge does not serve ${missing.join(', ')} yet (profiles are landing from another branch)`);
      return;
    }
    b.trace.length = 0;
    const res = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(res.status, 201, res.text);
    assert.ok(!res.text.includes(API_USER.password));
    assert.equal(res.json.cluster.length, 1);
    assert.equal(res.json.warnings.length, 2);
    assert.deepEqual(
      b.trace.map((l) => `${l.method} ${l.path.replace(/[0-9a-f-]{36}/, '<id>')}`),
      ['GET /api/v1/system/status', 'GET /api/v1/callBridges', 'GET /api/v1/callBridges/<id>', 'POST /api/v1/callProfiles', 'POST /api/v1/callLegProfiles'],
    );
    assert.deepEqual(b.trace[3]?.fields, { participantLimit: '1000', messageBoardEnabled: 'false' });
    const again = await s.api('POST', '/bridges', { address: b.bridge.url.replace('http://', 'http://'), username: 'admin', password: 'x' });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'bridgeAlreadyManaged');
  });
});
