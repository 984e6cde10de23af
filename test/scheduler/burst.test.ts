/**
 * Several meetings starting at the same moment on one real bridge: the requests that decide each start
 * time (PUT the space open, POST /calls) go before the rest of the bridge's work, each meeting still
 * sends the trace's sequence in the trace's order, and a start resumed after the space was opened posts
 * exactly one call.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import type { RunnerOptions } from '../../src/scheduler/runner/runner.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { driveClock, bridgeCapabilities, startTestScheduler, startTracedBridge, type TestScheduler, type TracedBridge, type TraceLine } from '../support/scheduler.ts';

const T = (h: number, m = 0, s = 0): number => Date.UTC(2026, 0, 5, h, m, s);
const KEY = randomBytes(32);

const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const shape = (l: { method?: string | undefined; path?: string | undefined }): string => `${l.method ?? ''} ${(l.path ?? '').split('?')[0]?.replace(ID, '<id>') ?? ''}`;

const PRE_START = ['GET /api/v1/system/status', 'GET /api/v1/participants', 'GET /api/v1/coSpaces'];
const OPEN_AND_CALL = ['PUT /api/v1/cospaces/<id>', 'POST /api/v1/calls'];
const AFTER_CALL = ['GET /api/v1/system/status', 'GET /api/v1/coSpaces', 'GET /api/v1/calls', 'GET /api/v1/calllegs'];
const DIAL = 'POST /api/v1/calls/<id>/calllegs';

interface World {
  clock: FakeClock;
  s: TestScheduler;
  b: TracedBridge;
}

forEachDialect('scheduler: a burst of starts on one bridge', (dialect) => {
  async function world(t: TestContext, runner: RunnerOptions = {}): Promise<World | undefined> {
    const clock = new FakeClock(T(8));
    const bridgeDb = await freshDatabase(dialect, 'bridge');
    const b = await startTracedBridge(bridgeDb, clock, 'CallBridge-Core1');
    const s = await startTestScheduler(dialect, clock, { key: KEY, runner });
    t.after(async () => {
      await s.close();
      await b.close();
      await bridgeDb.dispose();
    });
    const missing = await bridgeCapabilities(b.bridge.url);
    const rule = await http('POST', `${b.bridge.url}/api/v1/outboundDialPlanRules`, { auth: API_USER, body: 'domain=example.com&priority=1' });
    if (rule.status !== 200) missing.push('/outboundDialPlanRules');
    if (missing.length > 0) {
      t.skip(`bridge lacks ${missing.join(', ')}`);
      return undefined;
    }
    const added = await s.api('POST', '/bridges', { address: b.bridge.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const configured = await drive(clock, s.api('PATCH', `/bridges/${added.json.id as string}`, { name: 'Core1', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 5 } }));
    assert.equal(configured.status, 200, configured.text);
    assert.equal(configured.json.provisioning.state, 'provisioned', configured.text);
    return { clock, s, b };
  }

  const drive = driveClock;

  async function book(w: World, title: string, start: string, end: string, dialOuts: string[]): Promise<string> {
    const res = await w.s.api('POST', '/bookings', {
      title,
      organizer: 'organizer@example.com',
      start: `2026-01-05T${start}`,
      end: `2026-01-05T${end}`,
      timeZone: 'Europe/London',
      pin: '1234',
      participants: dialOuts.map((uri) => ({ uri, mode: 'dialOut' })),
    });
    assert.equal(res.status, 201, res.text);
    return res.json.id as string;
  }

  /** One meeting's CMS requests, in the order it sent them (its audit log). */
  async function sentBy(w: World, id: string): Promise<string[]> {
    const audit = (await w.s.api('GET', `/bookings/${id}/occurrences/1/audit`)).json as Array<{ kind: string; method?: string; path?: string }>;
    return audit.filter((e) => e.kind === 'cms').map(shape);
  }

  test('every POST /calls of the burst goes before any meeting’s checks and dial-outs; each meeting keeps the trace’s order', async (t) => {
    const w = await world(t);
    if (!w) return;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await book(w, `Standup ${i}`, '10:00', '11:00', [`a${i}@example.com`, `b${i}@example.com`]));
    const mark = w.b.trace.length;
    await w.clock.advanceTo(T(10));
    assert.equal(await w.s.scheduler.runner.runDue(), 3);
    const trace = w.b.trace.slice(mark).map(shape);
    assert.deepEqual(trace.slice(0, 3), PRE_START, 'one shared round of checks');
    const lastCall = trace.lastIndexOf('POST /api/v1/calls');
    const rest = trace.slice(lastCall + 1);
    assert.deepEqual(trace.slice(3, lastCall + 1).sort(), [...OPEN_AND_CALL, ...OPEN_AND_CALL, ...OPEN_AND_CALL].sort(), 'only PUTs and POST /calls until the last call');
    assert.equal(rest.length, 3 * (AFTER_CALL.length + 2));
    assert.equal(rest.filter((l) => l === DIAL).length, 6);

    const sequences = await Promise.all(ids.map((id) => sentBy(w, id)));
    const withChecks = sequences.filter((seq) => seq[0] === PRE_START[0]);
    assert.equal(withChecks.length, 1, 'one meeting sent the checks');
    for (const seq of sequences) {
      const own = seq[0] === PRE_START[0] ? seq.slice(PRE_START.length) : seq;
      assert.deepEqual(own, [...OPEN_AND_CALL, ...AFTER_CALL, DIAL, DIAL]);
    }
    for (const id of ids) assert.equal((await w.s.api('GET', `/bookings/${id}/occurrences/1`)).json.state, 'live');
  });

  test('startConcurrency 1: each meeting’s call is posted before the next meeting opens its space', async (t) => {
    const w = await world(t, { startConcurrency: 1 });
    if (!w) return;
    for (let i = 0; i < 3; i++) await book(w, `Review ${i}`, '10:00', '11:00', [`c${i}@example.com`]);
    const mark = w.b.trace.length;
    await w.clock.advanceTo(T(10));
    assert.equal(await w.s.scheduler.runner.runDue(), 3);
    const trace = w.b.trace.slice(mark).map(shape);
    assert.deepEqual(trace.slice(0, 9), [...PRE_START, ...OPEN_AND_CALL, ...OPEN_AND_CALL, ...OPEN_AND_CALL]);
    assert.deepEqual(trace.slice(9).filter((l) => l === DIAL).length, 3);
  });

  test('a monitor pass due together with a start waits for that start’s call', async (t) => {
    const w = await world(t, { monitorIntervalMs: 30_000 });
    if (!w) return;
    const early = await book(w, 'Early', '10:00', '11:00', ['early@example.com']);
    const joiner = await book(w, 'Joiner', '10:01', '11:00', []);
    await w.clock.advanceTo(T(10));
    assert.equal(await w.s.scheduler.runner.runDue(), 1);
    const call = (await w.s.api('GET', `/bookings/${early}/occurrences/1`)).json.call as string;
    assert.ok(call);
    // The joiner's start falls due at the same instant as the first meeting's monitor pass (10:00:30).
    await w.s.scheduler.storage.actions.schedule('start', joiner, 1, T(10, 0, 30), w.clock.now());
    const mark = w.b.trace.length;
    await w.clock.advanceTo(T(10, 0, 30));
    assert.equal(await w.s.scheduler.runner.runDue(), 2, 'the monitor pass and the start');
    const trace = w.b.trace.slice(mark).map((l) => (l.path.includes(call) ? 'monitor' : shape(l)));
    const monitorAt = trace.indexOf('monitor');
    const callAt = trace.indexOf('POST /api/v1/calls');
    assert.ok(monitorAt >= 0 && callAt >= 0, trace.join('\n'));
    assert.ok(monitorAt > callAt, `the monitor pass went after the start's POST /calls:\n${trace.join('\n')}`);
  });

  test('restart after the space was opened and before POST /calls was answered: the call is looked for, then posted once', async (t) => {
    const w = await world(t);
    if (!w) return;
    const id = await book(w, 'Crash after PUT', '10:00', '11:00', ['dana@example.com']);
    await w.clock.advanceTo(T(10));
    await w.s.scheduler.runner.runDue();
    const live = (await w.s.api('GET', `/bookings/${id}/occurrences/1`)).json;
    // The crash window as the database saw it: PUT answered and POST /calls about to be sent (one write),
    // nothing after it recorded; on the bridge the call never arrived.
    const deleted = await http('DELETE', `${w.b.bridge.url}/api/v1/calls/${live.call as string}`, { auth: API_USER });
    assert.equal(deleted.status, 200, deleted.text);
    const storage = w.s.scheduler.storage;
    await storage.meetings.update(id, 1, { state: 'starting', callId: null, spaceOpened: true, callPosting: true }, w.clock.now());
    await storage.meetings.updateDialOut(id, 1, 'dana@example.com', { state: 'pending', callLegId: null, attempts: 0 }, w.clock.now());
    await storage.actions.cancel(id, 1);
    await storage.actions.schedule('start', id, 1, w.clock.now(), w.clock.now());
    const again = await startTestScheduler(dialect, w.clock, { database: w.s.database, key: KEY });
    await w.s.scheduler.close();
    t.after(() => again.close());
    const mark = w.b.trace.length;
    await again.scheduler.runner.runDue();
    const after = w.b.trace.slice(mark).map((l: TraceLine) => shape(l));
    assert.deepEqual(after.slice(0, 2), ['GET /api/v1/calls', 'POST /api/v1/calls'], 'looked for the call on the space, then posted it');
    assert.equal(after.filter((l) => l === 'POST /api/v1/calls').length, 1);
    assert.ok(!after.some((l) => l.startsWith('PUT')), 'the open space is not opened again');
    assert.equal(after.filter((l) => l === DIAL).length, 1);
    const resumed = (await again.api('GET', `/bookings/${id}/occurrences/1`)).json;
    assert.equal(resumed.state, 'live');
    assert.notEqual(resumed.call, live.call);
    const calls = await http('GET', `${w.b.bridge.url}/api/v1/calls`, { auth: API_USER });
    assert.match(calls.text, /total="1"/);
  });
});
