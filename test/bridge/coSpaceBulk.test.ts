import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { FakeClock } from '../../src/shared/clock.ts';
import { newGuid } from '../../src/shared/ids.ts';
import { parseDatabaseUrl } from '../../src/shared/database.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

const GUID_PATH = (collection: string): RegExp => new RegExp(`^/api/v1/${collection}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

function fakeClock(b: TestBridge): FakeClock {
  if (!(b.clock instanceof FakeClock)) throw new Error('test bridges run on a FakeClock');
  return b.clock;
}

/** Lets queued syncs start (they start on the injected clock) and waits until none is left. */
async function runQueuedSyncs(b: TestBridge): Promise<void> {
  await fakeClock(b).advance(0);
  await b.bridge.ctx.jobs.idle();
}

async function syncStatus(b: TestBridge, id: string): Promise<string> {
  return String((await b.get(`/cospaceBulkSyncs/${id}`)).cospaceBulkSync.status);
}

/** POSTs a sync, runs it, returns [sync id, final status]. */
async function sync(b: TestBridge, setId: string, extra = ''): Promise<[string, string]> {
  const id = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}${extra}`);
  await runQueuedSyncs(b);
  return [id, await syncStatus(b, id)];
}

/** Every coSpace, all pages, as the API shows them: the state a failed sync must leave alone. */
async function allCoSpaces(b: TestBridge): Promise<string> {
  const pages: string[] = [];
  for (let offset = 0; ; offset += 20) {
    const res = await b.api('GET', `/coSpaces?offset=${offset}`);
    assert.equal(res.status, 200);
    pages.push(res.text);
    if (!res.text.includes('<coSpace ')) break;
  }
  return pages.join('\n');
}

async function coSpacesNamed(b: TestBridge, filter: string): Promise<Array<Record<string, string>>> {
  const out: Array<Record<string, string>> = [];
  for (let offset = 0; ; ) {
    const xml = await b.get(`/coSpaces?filter=${encodeURIComponent(filter)}&offset=${offset}`);
    const items = (xml.coSpaces.coSpace ?? []) as Array<Record<string, string>>;
    out.push(...items);
    offset += items.length;
    if (items.length === 0 || offset >= Number(xml.coSpaces['@total'])) break;
  }
  return out;
}

async function addProfile(b: TestBridge, kind: string): Promise<string> {
  const id = newGuid();
  await b.bridge.ctx.storage.configObjects.insert({ kind, id, fields: {} });
  return id;
}

forEachDialect('cospaceBulkParameterSets and cospaceBulkSyncs', (dialect) => {
  let b: TestBridge;
  before(async () => {
    b = await startTestBridge(dialect);
  });
  after(async () => {
    await b.close();
  });

  test('the TMS sequence: parameter set, sync, poll to complete, spaces exist with the set’s profiles', async () => {
    const callProfile = await addProfile(b, 'callProfiles');
    const callLegProfile = await addProfile(b, 'callLegProfiles');
    const res = await b.api(
      'POST',
      '/cospaceBulkParameterSets',
      `startIndex=1&endIndex=5&coSpaceUriMapping=&coSpaceNameMapping=TMS_Scheduled_Meeting_$index$&coSpaceCallIdMapping=&callProfile=${callProfile}&callLegProfile=${callLegProfile}&nonMemberAccess=false`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const setLocation = String(res.headers['location']);
    assert.match(setLocation, GUID_PATH('cospaceBulkParameterSets'));
    const setId = setLocation.split('/').at(-1) ?? '';

    const syncRes = await b.api('POST', '/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}`);
    assert.equal(syncRes.status, 200);
    const syncLocation = String(syncRes.headers['location']);
    assert.match(syncLocation, GUID_PATH('cospaceBulkSyncs'));
    const syncId = syncLocation.split('/').at(-1) ?? '';
    // The POST answered before the sync started: it waits for the job queue.
    const pending = await b.get(`/cospaceBulkSyncs/${syncId}`);
    assert.equal(pending.cospaceBulkSync['@id'], syncId);
    assert.equal(pending.cospaceBulkSync.cospaceBulkParameterSet, setId);
    assert.equal(pending.cospaceBulkSync.status, 'pending');
    assert.equal(pending.cospaceBulkSync.removeAll, 'false');

    await runQueuedSyncs(b);
    assert.equal(await syncStatus(b, syncId), 'complete');
    const spaces = await coSpacesNamed(b, 'TMS_Scheduled_Meeting_');
    assert.deepEqual(
      spaces.map((c) => c.name),
      [1, 2, 3, 4, 5].map((i) => `TMS_Scheduled_Meeting_${i}`),
    );
    const detail = (await b.get(`/coSpaces/${spaces[0]?.['@id'] ?? ''}`)).coSpace;
    assert.equal(detail.nonMemberAccess, 'false');
    assert.equal(detail.callProfile, callProfile);
    assert.equal(detail.callLegProfile, callLegProfile);
    assert.equal(detail.uri, undefined, 'blank uri mapping = no uri');
    assert.equal(detail.callId, undefined);
    assert.equal(detail.secret, undefined, 'no callId mapping, no secret');

    const list = await b.get('/cospaceBulkSyncs');
    assert.ok(Number(list.cospaceBulkSyncs['@total']) >= 1);
    const listed = (list.cospaceBulkSyncs.cospaceBulkSync as Array<Record<string, string>>).find((s) => s['@id'] === syncId);
    assert.equal(listed?.status, 'complete');
    assert.equal(listed.cospaceBulkParameterSet, setId);
  });

  test('a parameter set reads back; the list shows start and end indices; PUT changes only what it names', async () => {
    const tenant = await addProfile(b, 'tenants');
    const id = await b.create(
      '/cospaceBulkParameterSets',
      `startIndex=1000&endIndex=1005&coSpaceUriMapping=Room.$index$&coSpaceNameMapping=${encodeURIComponent('Room \\$ $index$')}&coSpaceCallIdMapping=77$index$&tenant=${tenant}`,
    );
    const detail = (await b.get(`/cospaceBulkParameterSets/${id}`)).cospaceBulkParameterSet;
    assert.equal(detail['@id'], id);
    assert.equal(detail.startIndex, '1000');
    assert.equal(detail.endIndex, '1005');
    assert.equal(detail.coSpaceUriMapping, 'Room.$index$');
    assert.equal(detail.coSpaceNameMapping, 'Room \\$ $index$');
    assert.equal(detail.coSpaceCallIdMapping, '77$index$');
    assert.equal(detail.tenant, tenant);
    assert.equal(detail.nonMemberAccess, 'true', 'defaults to true');

    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'endIndex=1010&coSpaceCallIdMapping=')).status, 200);
    const changed = (await b.get(`/cospaceBulkParameterSets/${id}`)).cospaceBulkParameterSet;
    assert.equal(changed.endIndex, '1010');
    assert.equal(changed.startIndex, '1000');
    assert.equal(changed.coSpaceCallIdMapping, undefined);
    assert.equal(changed.coSpaceUriMapping, 'Room.$index$');

    const list = await b.get('/cospaceBulkParameterSets');
    const item = (list.cospaceBulkParameterSet ?? list.cospaceBulkParameterSets.cospaceBulkParameterSet).find(
      (s: Record<string, string>) => s['@id'] === id,
    );
    assert.equal(item.startIndex, '1000');
    assert.equal(item.endIndex, '1010');
  });

  test('escapes, lower-cased uris, callIds and generated secrets come out of a sync as mapped', async () => {
    const id = await b.create(
      '/cospaceBulkParameterSets',
      `startIndex=7&endIndex=8&coSpaceUriMapping=Esc.$index$&coSpaceNameMapping=${encodeURIComponent('Cost \\$$index$ \\\\ x')}&coSpaceCallIdMapping=4400$index$`,
    );
    assert.deepEqual((await sync(b, id))[1], 'complete');
    const spaces = await coSpacesNamed(b, 'esc.');
    assert.deepEqual(
      spaces.map((c) => [c.name, c.uri, c.callId]),
      [
        ['Cost $7 \\ x', 'esc.7', '44007'],
        ['Cost $8 \\ x', 'esc.8', '44008'],
      ],
    );
    const detail = (await b.get(`/coSpaces/${spaces[0]?.['@id'] ?? ''}`)).coSpace;
    assert.match(String(detail.secret), /^[A-Za-z0-9_-]{16,}$/);
  });

  test('a second sync replaces what the set made; coSpaces made otherwise are untouched; removeAll deletes only', async () => {
    const own = await b.create('/coSpaces', 'name=Resync%20Bystander&uri=resync.bystander');
    const id = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=3&coSpaceNameMapping=Resync_$index$&coSpaceUriMapping=resync.$index$');
    assert.equal((await sync(b, id))[1], 'complete');
    const first = await coSpacesNamed(b, 'resync_');
    assert.equal(first.length, 3);

    // TMS reconfigures a slot in place; a resync still replaces it.
    assert.equal((await b.api('PUT', `/coSpaces/${first[0]?.['@id'] ?? ''}`, 'name=Resync_1_in_use&passcode=9')).status, 200);
    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'startIndex=2&endIndex=6')).status, 200);
    assert.equal((await sync(b, id))[1], 'complete');
    const second = await coSpacesNamed(b, 'resync_');
    assert.deepEqual(
      second.map((c) => c.name),
      ['Resync_2', 'Resync_3', 'Resync_4', 'Resync_5', 'Resync_6'],
    );
    assert.ok(second.every((c) => !first.some((f) => f['@id'] === c['@id'])), 'every space is new');
    assert.equal((await b.api('GET', `/coSpaces/${own}`)).status, 200);

    const [removeId, removed] = await sync(b, id, '&removeAll=true');
    assert.equal(removed, 'complete');
    assert.equal((await b.get(`/cospaceBulkSyncs/${removeId}`)).cospaceBulkSync.removeAll, 'true');
    assert.equal((await coSpacesNamed(b, 'resync_')).length, 0);
    assert.equal((await b.api('GET', `/coSpaces/${own}`)).status, 200);
    // The set itself stays and can make its spaces again.
    assert.equal((await sync(b, id, '&removeAll=false'))[1], 'complete');
    assert.equal((await coSpacesNamed(b, 'resync_')).length, 5);
  });

  test('uri and callId conflicts fail the sync and leave every coSpace as it was', async () => {
    const id = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=4&coSpaceNameMapping=Clash_$index$&coSpaceUriMapping=clash.$index$&coSpaceCallIdMapping=6600$index$');
    assert.equal((await sync(b, id))[1], 'complete');
    // A later change of the set would clash with a space made by hand; the earlier spaces must survive the failed resync.
    await b.create('/coSpaces', 'name=Hand&uri=clash.b.3');
    await b.create('/coSpaces', 'name=Hand2&secondaryUri=clash.c.2&callId=6612');
    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'coSpaceUriMapping=clash.b.$index$')).status, 200);
    const before1 = await allCoSpaces(b);
    assert.equal((await sync(b, id))[1], 'failedCoSpaceUriConflict');
    assert.equal(await allCoSpaces(b), before1, 'a failed sync changes nothing');

    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'coSpaceUriMapping=clash.c.$index$')).status, 200);
    assert.equal((await sync(b, id))[1], 'failedCoSpaceUriConflict', 'secondaryUri counts');

    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'coSpaceUriMapping=clash.d.$index$&coSpaceCallIdMapping=661$index$')).status, 200);
    assert.equal((await sync(b, id))[1], 'failedCallIdConflict');
    assert.equal(await allCoSpaces(b), before1);

    // A uri mapping without $index$ clashes with itself over a range.
    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'coSpaceUriMapping=fixed&coSpaceCallIdMapping=')).status, 200);
    assert.equal((await sync(b, id))[1], 'failedCoSpaceUriConflict');
    assert.equal(await allCoSpaces(b), before1);
  });

  test('index range and missing-set failures are statuses, not request errors', async () => {
    const id = await b.create('/cospaceBulkParameterSets', 'startIndex=10&endIndex=5&coSpaceNameMapping=Range_$index$');
    assert.equal((await sync(b, id))[1], 'failedIndexRangeInvalid');
    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'startIndex=1&endIndex=100001')).status, 200);
    assert.equal((await sync(b, id))[1], 'failedIndexRangeTooGreat');
    assert.equal((await b.api('PUT', `/cospaceBulkParameterSets/${id}`, 'startIndex=1&endIndex=100000')).status, 200);
    // removeAll needs no valid range: it only deletes.
    assert.equal((await sync(b, id, '&removeAll=true'))[1], 'complete');

    assert.equal((await sync(b, newGuid()))[1], 'failedNoSuchParameterSet');
    const gone = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=2');
    const syncId = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${gone}`);
    assert.equal((await b.api('DELETE', `/cospaceBulkParameterSets/${gone}`)).status, 200);
    await runQueuedSyncs(b);
    assert.equal(await syncStatus(b, syncId), 'failedNoSuchParameterSet');
  });

  test('a profile deleted after the set was written fails the sync instead of making dangling references', async () => {
    const profile = await addProfile(b, 'callProfiles');
    const id = await b.create('/cospaceBulkParameterSets', `startIndex=1&endIndex=2&coSpaceNameMapping=Dangling_$index$&callProfile=${profile}`);
    await b.bridge.ctx.storage.configObjects.delete('callProfiles', profile);
    const before1 = await allCoSpaces(b);
    assert.equal((await sync(b, id))[1], 'failed');
    assert.equal(await allCoSpaces(b), before1);
  });

  test('request errors: bad mappings, missing indices, unknown references and ids, unsupported methods', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['POST', '/cospaceBulkParameterSets', 'startIndex=1&endIndex=2&coSpaceUriMapping=r$index$@example.com', /<parameterError parameter="coSpaceUriMapping" error="invalidValue"\/>/],
      ['POST', '/cospaceBulkParameterSets', 'startIndex=1&endIndex=2&coSpaceNameMapping=a$b', /<parameterError parameter="coSpaceNameMapping" error="invalidValue"\/>/],
      ['POST', '/cospaceBulkParameterSets', 'startIndex=1&endIndex=2&coSpaceCallIdMapping=12x$index$', /<parameterError parameter="coSpaceCallIdMapping" error="invalidValue"\/>/],
      ['POST', '/cospaceBulkParameterSets', 'endIndex=2', /<parameterError parameter="startIndex" error="missingParameter"\/>/],
      ['POST', '/cospaceBulkParameterSets', 'startIndex=-1&endIndex=2', /<parameterError parameter="startIndex" error="invalidValue"\/>/],
      ['POST', '/cospaceBulkParameterSets', 'startIndex=1&endIndex=2&bogus=1', /<parameterError parameter="bogus" error="unrecognisedParameter"\/>/],
      ['POST', '/cospaceBulkParameterSets', `startIndex=1&endIndex=2&callProfile=${newGuid()}`, /<failureDetails><callProfileDoesNotExist\/><\/failureDetails>/],
      ['POST', '/cospaceBulkParameterSets', `startIndex=1&endIndex=2&tenant=${newGuid()}`, /<failureDetails><tenantDoesNotExist\/><\/failureDetails>/],
      ['POST', '/cospaceBulkSyncs', '', /<parameterError parameter="cospaceBulkParameterSet" error="missingParameter"\/>/],
      ['POST', '/cospaceBulkSyncs', 'cospaceBulkParameterSet=not%20an%20id', /<parameterError parameter="cospaceBulkParameterSet" error="invalidValue"\/>/],
      ['POST', '/cospaceBulkSyncs', `cospaceBulkParameterSet=${newGuid()}&removeAll=perhaps`, /<parameterError parameter="removeAll" error="invalidValue"\/>/],
    ];
    const setsBefore = (await b.api('GET', '/cospaceBulkParameterSets?limit=20')).text;
    const syncsBefore = (await b.api('GET', '/cospaceBulkSyncs')).text;
    for (const [method, path, body, expected] of cases) {
      const res = await b.api(method, path, body);
      assert.equal(res.status, 400, `${body} → ${res.text}`);
      assert.match(res.text, expected, body);
    }
    assert.equal((await b.api('GET', '/cospaceBulkParameterSets?limit=20')).text, setsBefore);
    assert.equal((await b.api('GET', '/cospaceBulkSyncs')).text, syncsBefore);

    const missing = newGuid();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await b.api(method, `/cospaceBulkParameterSets/${missing}`, method === 'PUT' ? 'endIndex=3' : undefined);
      assert.equal(res.status, 404, method);
      assert.match(res.text, /<failureDetails><cospaceBulkParameterSetDoesNotExist\/><\/failureDetails>/);
    }
    const noSync = await b.api('GET', `/cospaceBulkSyncs/${missing}`);
    assert.equal(noSync.status, 404);
    assert.match(noSync.text, /<cospaceBulkSyncDoesNotExist\/>/);

    const setId = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=1');
    const syncId = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}&removeAll=true`);
    await runQueuedSyncs(b);
    for (const [method, path] of [
      ['PUT', `/cospaceBulkSyncs/${syncId}`],
      ['DELETE', `/cospaceBulkSyncs/${syncId}`],
      ['PUT', '/cospaceBulkSyncs'],
    ] as const) {
      const res = await b.api(method, path, 'removeAll=true');
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.match(res.text, /<invalidOperation\/>/);
    }
    const badPut = await b.api('PUT', `/cospaceBulkParameterSets/${setId}`, 'coSpaceUriMapping=a@b');
    assert.equal(badPut.status, 400);
    assert.equal((await b.get(`/cospaceBulkParameterSets/${setId}`)).cospaceBulkParameterSet.coSpaceUriMapping, undefined);
  });

  test('paths match in either spelling: cospaceBulk… (TMS) and coSpaceBulk… (2.0 guide)', async () => {
    const id = await b.create('/coSpaceBulkParameterSets', 'startIndex=1&endIndex=1&coSpaceNameMapping=Spelling_$index$');
    assert.equal((await b.api('GET', `/COSPACEBULKPARAMETERSETS/${id}`)).status, 200);
    const syncId = await b.create('/coSpaceBulkSyncs', `cospacebulkparameterset=${id}`);
    await runQueuedSyncs(b);
    assert.equal((await b.get(`/cospacebulksyncs/${syncId}`)).cospaceBulkSync.status, 'complete');
  });

  test('syncs queued together run one after the other, in order', async () => {
    const a = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=3&coSpaceUriMapping=queue.$index$&coSpaceNameMapping=Queue_$index$');
    // The second sync removes what the first makes: only in-order execution leaves no spaces.
    const first = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${a}`);
    const second = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${a}&removeAll=true`);
    assert.equal(await syncStatus(b, first), 'pending');
    assert.equal(await syncStatus(b, second), 'pending');
    await runQueuedSyncs(b);
    assert.equal(await syncStatus(b, first), 'complete');
    assert.equal(await syncStatus(b, second), 'complete');
    assert.equal((await coSpacesNamed(b, 'queue_')).length, 0);
  });

  test('the coSpace total kept by triggers matches a count through every kind of write', async () => {
    const db = b.bridge.ctx.storage.db;
    const check = async (when: string): Promise<void> => {
      const row = await db.selectFrom('co_space').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      assert.equal((await b.get('/coSpaces?limit=1')).coSpaces['@total'], String(row.n), when);
    };
    await check('start');
    const one = await b.create('/coSpaces', 'name=Counted');
    await check('after POST');
    const set = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=250&coSpaceNameMapping=Counted_$index$');
    assert.equal((await sync(b, set))[1], 'complete');
    await check('after a sync');
    assert.equal((await sync(b, set))[1], 'complete');
    await check('after a resync');
    await b.api('DELETE', `/coSpaces/${one}`);
    await check('after DELETE');
    assert.equal((await sync(b, set, '&removeAll=true'))[1], 'complete');
    await check('after removeAll');
    // Filtered lists still count their matches.
    await b.create('/coSpaces', 'name=Counted%20Once');
    assert.equal((await b.get('/coSpaces?filter=counted%20once')).coSpaces['@total'], '1');
  });

  test('a sync of 10,000 coSpaces, then a resync replacing all of them', async () => {
    const id = await b.create('/cospaceBulkParameterSets', 'startIndex=100000&endIndex=109999&coSpaceUriMapping=big.$index$&coSpaceNameMapping=Big_$index$&coSpaceCallIdMapping=3$index$');
    assert.equal((await sync(b, id))[1], 'complete');
    const storage = b.bridge.ctx.storage;
    assert.equal(await storage.coSpaceBulk.countCoSpacesOf(id), 10_000);
    assert.equal((await b.get('/coSpaces?filter=big.109999')).coSpaces.coSpace[0].callId, '3109999');
    assert.equal((await sync(b, id))[1], 'complete');
    assert.equal(await storage.coSpaceBulk.countCoSpacesOf(id), 10_000);
    assert.equal((await sync(b, id, '&removeAll=true'))[1], 'complete');
    assert.equal(await storage.coSpaceBulk.countCoSpacesOf(id), 0);
  });
});

forEachDialect('cospaceBulkSyncs across a restart', (dialect) => {
  test('a sync left running is marked failed; a pending one runs after the restart', async () => {
    const database = await freshDatabase(dialect, 'bulkrestart');
    try {
      const first = await startTestBridge(dialect, { database, name: 'restart-node' });
      const setId = await first.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=3&coSpaceNameMapping=Restart_$index$');
      const nodeId = first.bridge.ctx.node.id;
      const store = first.bridge.ctx.storage.coSpaceBulk;
      const now = first.clock.now();
      // The state a bridge killed mid-sync leaves: one sync running (its transaction died with the
      // process), one still queued.
      const running = newGuid();
      const pending = newGuid();
      await store.insertSync({ id: running, parameterSet: setId, removeAll: false, status: 'running', callBridge: nodeId, createdMs: now, updatedMs: now });
      await store.insertSync({ id: pending, parameterSet: setId, removeAll: false, status: 'pending', callBridge: nodeId, createdMs: now, updatedMs: now });
      // Another node's pending sync is not this node's to run.
      const foreign = newGuid();
      await store.insertSync({ id: foreign, parameterSet: setId, removeAll: false, status: 'pending', callBridge: newGuid(), createdMs: now, updatedMs: now });
      await first.close();

      const second = await startTestBridge(dialect, { database, name: 'restart-node' });
      try {
        assert.equal(second.bridge.ctx.node.id, nodeId, 'same name, same call bridge id');
        assert.equal(await syncStatus(second, running), 'failed');
        assert.equal(await syncStatus(second, pending), 'pending');
        await runQueuedSyncs(second);
        assert.equal(await syncStatus(second, pending), 'complete');
        assert.equal(await syncStatus(second, foreign), 'pending');
        assert.equal((await coSpacesNamed(second, 'Restart_')).length, 3);
      } finally {
        await second.close();
      }
    } finally {
      await database.dispose();
    }
  });
});

forEachDialect('cospaceBulkSyncs status while running', (dialect) => {
  test('a sync waiting for the cluster-wide namespace lock shows running, then completes', { skip: dialect === 'sqlite' ? 'the namespace lock is a Postgres advisory lock; SQLite serialises writers itself' : false }, async () => {
    const b = await startTestBridge(dialect);
    const location = parseDatabaseUrl(b.database.url);
    if (location.dialect !== 'postgres') throw new Error('postgres only');
    const other = new pg.Client({ connectionString: location.connectionString });
    await other.connect();
    try {
      const setId = await b.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=2&coSpaceNameMapping=Locked_$index$');
      // Another node holds the lock every coSpace write takes (same key as BridgeStorage uses).
      await other.query('select pg_advisory_lock($1)', [0x5b1d9e]);
      const syncId = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}`);
      await fakeClock(b).advance(0);
      for (let i = 0; i < 200 && (await syncStatus(b, syncId)) === 'pending'; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(await syncStatus(b, syncId), 'running');
      assert.equal((await coSpacesNamed(b, 'Locked_')).length, 0);
      await other.query('select pg_advisory_unlock($1)', [0x5b1d9e]);
      await b.bridge.ctx.jobs.idle();
      assert.equal(await syncStatus(b, syncId), 'complete');
      assert.equal((await coSpacesNamed(b, 'Locked_')).length, 2);
    } finally {
      await other.end();
      await b.close();
    }
  });
});
