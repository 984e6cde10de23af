import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import type { ManagedBridge } from '../../src/scheduler/domain/bridge.ts';
import type { Meeting } from '../../src/scheduler/domain/meeting.ts';
import { SchedulerStorage } from '../../src/scheduler/storage/index.ts';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function bridge(id: string): ManagedBridge {
  return {
    id,
    name: null,
    address: `https://10.0.0.${id.length}:445`,
    username: 'admin',
    passwordEnc: 'v1:x',
    allowSelfSigned: false,
    domain: null,
    range: null,
    callProfile: null,
    callLegProfile: null,
    bulkParameterSet: null,
    bulkSync: null,
    provisionState: 'none',
    provisionError: null,
    missingSpaces: [],
    softwareVersion: null,
    cluster: [],
    alternate: null,
    createdMs: T0,
  };
}

forEachDialect('scheduler storage', (dialect) => {
  let database: TestDatabase;
  let storage: SchedulerStorage;
  let other: SchedulerStorage;
  beforeEach(async () => {
    database = await freshDatabase(dialect, 'sched');
    storage = await SchedulerStorage.open(database.url);
    // A second "scheduler process" on the same database.
    other = await SchedulerStorage.open(database.url);
  });
  afterEach(async () => {
    await storage.close();
    await other.close();
    await database.dispose();
  });

  test('bridges round-trip, including the alternate and the discovered cluster', async () => {
    const b = { ...bridge('b1'), cluster: [{ id: 'c1', name: 'Core1', address: 'https://10.0.0.1' }], alternate: { address: 'https://10.0.0.2', username: 'u', passwordEnc: 'v1:y', allowSelfSigned: true } };
    await storage.bridges.insert(b);
    assert.deepEqual(await storage.bridges.get('b1'), b);
    await storage.bridges.update({ ...b, range: { start: 1, end: 5 }, domain: 'example.com' });
    assert.deepEqual((await storage.bridges.get('b1'))?.range, { start: 1, end: 5 });
  });

  test('spaces: the lowest free one is claimed, one holder each, released spaces are reused', async () => {
    await storage.bridges.insert(bridge('b1'));
    await storage.bridges.setSpaces('b1', [1, 2, 3].map((n) => ({ number: n, coSpaceId: `cs${n}` })));
    const claims = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((h, i) => (i % 2 === 0 ? storage : other).bridges.claimLowestFree('b1', h)));
    const numbers = claims.map((c) => c?.number).filter((n) => n !== undefined).sort();
    assert.deepEqual(numbers, [1, 2, 3]);
    assert.equal(claims.filter((c) => c === undefined).length, 1);
    const holderOf2 = claims.find((c) => c?.number === 2)?.holder ?? '';
    assert.equal((await storage.bridges.claimLowestFree('b1', holderOf2))?.number, 2, 'claiming again returns the same space');
    await storage.bridges.release('b1', holderOf2);
    assert.equal((await storage.bridges.claimLowestFree('b1', 'm9'))?.number, 2);
    assert.equal(await storage.bridges.spacesInUse('b1'), 3);
  });

  test('setSpaces keeps holders of numbers that stay and drops the others', async () => {
    await storage.bridges.insert(bridge('b1'));
    await storage.bridges.setSpaces('b1', [1, 2, 3].map((n) => ({ number: n, coSpaceId: `cs${n}` })));
    await storage.bridges.claimLowestFree('b1', 'm1');
    await storage.bridges.setSpaces('b1', [1, 2].map((n) => ({ number: n, coSpaceId: `new${n}` })));
    const spaces = await storage.bridges.spaces('b1');
    assert.deepEqual(spaces.map((s) => [s.number, s.coSpaceId, s.holder]), [[1, 'new1', 'm1'], [2, 'new2', null]]);
  });

  test('two processes claiming due actions never get the same one; leases expire and are re-claimed', async () => {
    for (let i = 0; i < 40; i++) await storage.actions.schedule('start', `b${i}`, 1, T0 + (i % 4), T0);
    await storage.actions.schedule('start', 'later', 1, T0 + 60_000, T0);
    const [a, b] = await Promise.all([storage.actions.claimDue('A', T0 + 10, 30_000, 25), other.actions.claimDue('B', T0 + 10, 30_000, 25)]);
    // Racing claims may leave some rows for the next round (skipped while the other held their lock), never twice.
    const [a2, b2] = await Promise.all([storage.actions.claimDue('A', T0 + 10, 30_000, 25), other.actions.claimDue('B', T0 + 10, 30_000, 25)]);
    a.push(...a2);
    b.push(...b2);
    const ids = [...a, ...b].map((x) => x.id);
    assert.equal(ids.length, 40);
    assert.equal(new Set(ids).size, 40);
    assert.deepEqual(await storage.actions.claimDue('C', T0 + 20, 30_000, 100), [], 'leased actions are not due again');
    const first = a[0] ?? b[0];
    assert.ok(first);
    const owner = a.includes(first) ? 'A' : 'B';
    await (owner === 'A' ? storage : other).actions.complete(first.id, owner);
    const reclaimed = await storage.actions.claimDue('C', T0 + 40_000, 30_000, 100);
    assert.equal(reclaimed.length, 39, 'expired leases are claimed again; the completed one is not');
    assert.ok(reclaimed.every((r) => r.attempts === 2));
    assert.equal(await storage.actions.nextDue(), T0);
  });

  test('nextDue: the earliest pending due time, or the earliest strictly after an instant', async () => {
    assert.equal(await storage.actions.nextDue(), undefined);
    await storage.actions.schedule('start', 'a', 1, T0 + 500, T0);
    await storage.actions.schedule('end', 'a', 1, T0 + 90_000, T0);
    await storage.actions.schedule('start', 'b', 1, T0 - 100, T0);
    assert.equal(await storage.actions.nextDue(), T0 - 100);
    assert.equal(await storage.actions.nextDue(T0), T0 + 500);
    assert.equal(await storage.actions.nextDue(T0 + 500), T0 + 90_000);
    assert.equal(await storage.actions.nextDue(T0 + 90_000), undefined);
    await storage.actions.cancel('a', 1, 'start');
    assert.equal(await storage.actions.nextDue(T0), T0 + 90_000, 'only pending actions count');
  });

  test('getMany reads the meetings asked for, by booking and occurrence, across the 500-key chunks', async () => {
    const meeting = (bookingId: string, occurrence: number): Meeting => ({
      bookingId,
      occurrence,
      bridgeId: null,
      startMs: T0,
      endMs: T0 + 3_600_000,
      title: `${bookingId}/${occurrence}`,
      pin: null,
      participants: [],
      type: 'automatic',
      state: 'scheduled',
      spaceNumber: null,
      coSpaceId: null,
      callId: null,
      secret: null,
      endpoint: null,
      spaceOpened: false,
      callPosting: false,
      error: null,
      updatedMs: T0,
    });
    const ids = Array.from({ length: 600 }, (_, i) => `bk${i}`);
    await storage.db
      .insertInto('booking')
      .values(ids.map((id) => ({ id, organizer: 'o@example.com', series: '{}', sequence: 0, cancelled: 0, created_ms: T0, updated_ms: T0 })))
      .execute();
    for (const id of ids) await storage.meetings.insert(meeting(id, 1));
    for (const occurrence of [2, 3]) await storage.meetings.insert(meeting('bk7', occurrence));
    const keys = [...ids.map((bookingId) => ({ bookingId, occurrence: 1 })), { bookingId: 'bk7', occurrence: 3 }, { bookingId: 'missing', occurrence: 1 }, { bookingId: 'bk8', occurrence: 2 }];
    const got = await storage.meetings.getMany(keys);
    assert.equal(got.length, 601, 'every existing key once; missing ones left out');
    assert.deepEqual(got.filter((m) => m.bookingId === 'bk7').map((m) => m.occurrence).sort(), [1, 3], 'not occurrence 2, which was not asked for');
    assert.deepEqual(await storage.meetings.getMany([]), []);
  });

  test('dial-outs: set in several-row statements, in order, and read back for a run of occurrences', async () => {
    await storage.db.insertInto('booking').values({ id: 'bk', organizer: 'o@example.com', series: '{}', sequence: 0, cancelled: 0, created_ms: T0, updated_ms: T0 }).execute();
    for (const occurrence of [1, 2, 3, 4]) {
      await storage.meetings.insert({
        bookingId: 'bk', occurrence, bridgeId: null, startMs: T0, endMs: T0 + 60_000, title: 't', pin: null, participants: [], type: 'automatic', state: 'scheduled',
        spaceNumber: null, coSpaceId: null, callId: null, secret: null, endpoint: null, spaceOpened: false, callPosting: false, error: null, updatedMs: T0,
      });
    }
    // 1,200 rows: three statements; a repeated URI is kept once.
    const many = Array.from({ length: 1200 }, (_, i) => ({ uri: `room${1199 - i}@example.com` }));
    await storage.meetings.setDialOuts('bk', 2, [...many, { uri: 'room5@example.com' }], T0);
    await storage.meetings.setDialOuts('bk', 3, [{ uri: 'b@example.com', name: 'B' }, { uri: 'a@example.com' }], T0);
    await storage.meetings.setDialOuts('bk', 4, [{ uri: 'c@example.com' }], T0);
    const run = await storage.meetings.dialOutsOfOccurrences('bk', 2, 3);
    assert.equal(run.length, 1202);
    assert.deepEqual(run.slice(0, 2).map((d) => d.uri), ['room1199@example.com', 'room1198@example.com']);
    assert.deepEqual(run.slice(1200).map((d) => [d.occurrence, d.uri, d.name, d.state]), [[3, 'b@example.com', 'B', 'pending'], [3, 'a@example.com', null, 'pending']]);
    assert.deepEqual(await storage.meetings.dialOuts('bk', 2), run.slice(0, 1200));
    // Setting again replaces.
    await storage.meetings.setDialOuts('bk', 2, [{ uri: 'x@example.com' }], T0);
    assert.deepEqual((await storage.meetings.dialOutsOfOccurrences('bk', 1, 4)).map((d) => `${d.occurrence} ${d.uri}`), ['2 x@example.com', '3 b@example.com', '3 a@example.com', '4 c@example.com']);
  });

  test('firstWithSpace: the first meeting holding a space that has not ended, else the first holding one', async () => {
    await storage.db.insertInto('booking').values({ id: 'bk', organizer: 'o@example.com', series: '{}', sequence: 0, cancelled: 0, created_ms: T0, updated_ms: T0 }).execute();
    for (const occurrence of [1, 2, 3]) {
      const startMs = T0 + occurrence * 86_400_000;
      await storage.meetings.insert({
        bookingId: 'bk', occurrence, bridgeId: null, startMs, endMs: startMs + 3_600_000, title: 't', pin: null, participants: [], type: 'automatic', state: 'scheduled',
        spaceNumber: null, coSpaceId: null, callId: null, secret: null, endpoint: null, spaceOpened: false, callPosting: false, error: null, updatedMs: T0,
      });
    }
    assert.equal(await storage.meetings.firstWithSpace('bk', T0), undefined);
    await storage.meetings.update('bk', 1, { spaceNumber: 7 }, T0);
    await storage.meetings.update('bk', 3, { spaceNumber: 9 }, T0);
    assert.equal((await storage.meetings.firstWithSpace('bk', T0))?.occurrence, 1);
    assert.equal((await storage.meetings.firstWithSpace('bk', T0 + 2 * 86_400_000))?.spaceNumber, 9, 'occurrence 1 has ended');
    assert.equal((await storage.meetings.firstWithSpace('bk', T0 + 9 * 86_400_000))?.spaceNumber, 7, 'all ended: the first');
  });

  test('a claim takes at most its limit, the earliest due first, so other processes get the rest', async () => {
    for (let i = 0; i < 8; i++) await storage.actions.schedule('start', `m${i}`, 1, T0 + i, T0);
    const first = await storage.actions.claimDue('A', T0 + 100, 30_000, 3);
    assert.deepEqual(first.map((x) => x.bookingId), ['m0', 'm1', 'm2']);
    const second = await other.actions.claimDue('B', T0 + 100, 30_000, 3);
    assert.deepEqual(second.map((x) => x.bookingId), ['m3', 'm4', 'm5']);
    assert.deepEqual((await storage.actions.claimDue('A', T0 + 100, 30_000, 3)).map((x) => x.bookingId), ['m6', 'm7']);
  });

  test('a lost lease cannot complete, retry or renew; schedule moves a pending action instead of adding one', async () => {
    await storage.actions.schedule('end', 'bk', 1, T0, T0);
    await storage.actions.schedule('end', 'bk', 1, T0 + 5_000, T0);
    assert.equal((await storage.actions.pending('bk', 1)).length, 1);
    const [claimed] = await storage.actions.claimDue('A', T0 + 5_000, 1_000, 10);
    assert.ok(claimed);
    const [stolen] = await other.actions.claimDue('B', T0 + 7_000, 1_000, 10);
    assert.equal(stolen?.id, claimed.id);
    assert.equal(await storage.actions.renew(claimed.id, 'A', T0 + 99_000), false);
    await storage.actions.complete(claimed.id, 'A');
    assert.equal((await storage.actions.pending('bk', 1)).length, 1, 'A no longer owns it: still pending');
    await other.actions.retryAt(claimed.id, 'B', T0 + 20_000, 'bridge down');
    assert.deepEqual(await storage.actions.claimDue('A', T0 + 10_000, 1_000, 10), []);
    assert.equal((await storage.actions.claimDue('A', T0 + 20_000, 1_000, 10)).length, 1);
  });
});

forEachDialect('scheduler storage migrations', (dialect) => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase(dialect, 'schedmig');
  });
  after(async () => {
    await database.dispose();
  });
  test('opening twice migrates once (scheduler_migration table)', async () => {
    const s1 = await SchedulerStorage.open(database.url);
    await s1.close();
    const s2 = await SchedulerStorage.open(database.url);
    const rows = (await s2.db.selectFrom('scheduler_migration' as never).selectAll().execute()) as Array<{ name: string }>;
    assert.deepEqual(rows.map((r) => r.name).sort(), ['0001_initial', '0002_space_claim_indexes']);
    await s2.close();
  });
});
