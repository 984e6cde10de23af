/**
 * Two call bridges on one PostgreSQL schema form a cluster: each lists both in /callBridges, the
 * configuration is shared, /system/status says clusterEnabled. (SQLite is a single-node database.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { freshDatabase, postgresProblem, type TestDatabase } from '../support/databases.ts';
import { startTestBridge, type TestBridge } from '../support/bridge.ts';

const problem = await postgresProblem();
// As forEachDialect does: a missing Postgres skips on a developer machine and fails under CI=true.
const skip = problem === undefined || process.env['CI'] === 'true' ? false : `PostgreSQL unreachable: ${problem}`;

describe('a cluster of two bridges on one Postgres schema', { skip }, () => {
  let database: TestDatabase;
  let a: TestBridge;
  let b: TestBridge;
  before(async () => {
    if (problem !== undefined) throw new Error(`PostgreSQL unreachable under CI=true: ${problem}`);
    database = await freshDatabase('postgres', 'cluster');
    a = await startTestBridge('postgres', { database, name: 'cluster-node-a' });
    b = await startTestBridge('postgres', { database, name: 'cluster-node-b' });
  });
  after(async () => {
    await a.close();
    await b.close();
    await database.dispose();
  });

  test('each node lists both call bridges with id, name and address', async () => {
    const expected = new Map([
      ['cluster-node-a', { id: a.bridge.ctx.node.id, address: a.bridge.url }],
      ['cluster-node-b', { id: b.bridge.ctx.node.id, address: b.bridge.url }],
    ]);
    assert.notEqual(a.bridge.ctx.node.id, b.bridge.ctx.node.id);
    for (const node of [a, b]) {
      const list = await node.get('/callBridges');
      assert.equal(list.callBridges['@total'], '2');
      const items = list.callBridges.callBridge as Array<Record<string, string>>;
      assert.deepEqual(items.map((i) => i.name).sort(), ['cluster-node-a', 'cluster-node-b']);
      for (const item of items) {
        const want = expected.get(item.name ?? '');
        assert.equal(item['@id'], want?.id);
        const detail = (await node.get(`/callBridges/${item['@id'] ?? ''}`)).callBridge;
        assert.equal(detail.name, item.name);
        assert.equal(detail.address, want?.address);
        assert.match(String(detail.address), /^http:\/\/127\.0\.0\.1:\d+$/);
      }
    }
  });

  test('system/status on either node says clusterEnabled', async () => {
    for (const node of [a, b]) assert.equal((await node.get('/system/status')).status.clusterEnabled, 'true');
  });

  test('configuration is shared: a coSpace made on one node is read, changed and deleted on the other', async () => {
    const id = await a.create('/coSpaces', 'name=Shared&uri=cluster.shared');
    assert.equal((await b.get(`/coSpaces/${id}`)).coSpace.uri, 'cluster.shared');
    assert.equal((await b.api('PUT', `/coSpaces/${id}`, 'name=Changed%20on%20B')).status, 200);
    assert.equal((await a.get(`/coSpaces/${id}`)).coSpace.name, 'Changed on B');
    // The uri namespace is cluster-wide.
    const clash = await b.api('POST', '/coSpaces', 'uri=cluster.shared');
    assert.equal(clash.status, 400);
    assert.match(clash.text, /<duplicateCoSpaceUri\/>/);
    assert.equal((await b.api('DELETE', `/coSpaces/${id}`)).status, 200);
    assert.equal((await a.api('GET', `/coSpaces/${id}`)).status, 404);
  });

  test('the same uri posted to both nodes at once is taken by exactly one', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).api('POST', '/coSpaces', `name=Race${i}&uri=cluster.race`)),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400]);
  });

  test('a bulk sync accepted by one node is visible from the other and run by the node that took it', async () => {
    const setId = await a.create('/cospaceBulkParameterSets', 'startIndex=1&endIndex=4&coSpaceNameMapping=Cluster_$index$&coSpaceUriMapping=cluster.$index$');
    const syncId = await b.create('/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}`);
    assert.equal((await a.get(`/cospaceBulkSyncs/${syncId}`)).cospaceBulkSync.status, 'pending');
    const clockB = b.clock;
    if (!(clockB instanceof FakeClock)) throw new Error('FakeClock expected');
    await clockB.advance(0);
    await b.bridge.ctx.jobs.idle();
    assert.equal((await a.get(`/cospaceBulkSyncs/${syncId}`)).cospaceBulkSync.status, 'complete');
    assert.equal((await a.get('/coSpaces?filter=Cluster_')).coSpaces['@total'], '4');
  });
});
