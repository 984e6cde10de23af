import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { CmsClient, normalizeAddress, type CmsExchange } from '../../src/clients/cms/client.ts';
import { parseCmsXml, textOf } from '../../src/clients/cms/xml.ts';
import { CmsError } from '../../src/clients/cms/errors.ts';
import { API_USER, startTestBridge, type TestBridge } from '../support/bridge.ts';
import { forEachDialect } from '../support/databases.ts';

test('addresses: host[:port] is https, http:// is kept, /api/v1 and slashes dropped', () => {
  assert.equal(normalizeAddress('10.0.0.1:445'), 'https://10.0.0.1:445');
  assert.equal(normalizeAddress('cms.example.com'), 'https://cms.example.com');
  assert.equal(normalizeAddress('http://127.0.0.1:8080/api/v1/'), 'http://127.0.0.1:8080');
  assert.throws(() => normalizeAddress('https://x/some/path'));
});

test('XML is read tolerantly: no declaration, any case, empty elements', () => {
  const root = parseCmsXml('<calls total="1"><call id="a"><Name>t</Name><coSpace/></call></calls>');
  assert.equal(root?.name, 'calls');
  const call = root.children[0];
  assert.equal(textOf(call, 'name'), 't');
  assert.equal(textOf(call, 'cospace'), '');
  assert.equal(parseCmsXml(''), undefined);
  assert.equal(parseCmsXml('not xml'), undefined);
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('an unreachable bridge is retried with backoff on the clock, every attempt observed, then fails as unreachable', async () => {
  const clock = new FakeClock();
  const seen: CmsExchange[] = [];
  const client = new CmsClient(
    { baseUrl: `http://127.0.0.1:${await closedPort()}`, username: 'u', password: 'p', allowSelfSigned: false },
    { clock, attempts: 3, backoffMs: 1000, observer: (e) => void seen.push(e) },
  );
  const pending = client.systemStatus().then(
    () => undefined,
    (error: unknown) => error,
  );
  for (let i = 0; i < 20 && seen.length < 3; i++) await clock.advance(1000);
  const error = await pending;
  assert.ok(error instanceof CmsError);
  assert.equal(error.status, undefined);
  assert.equal(error.unreachable, true);
  assert.deepEqual(seen.map((e) => e.attempt), [1, 2, 3]);
  assert.ok(seen.every((e) => e.status === undefined && typeof e.error === 'string'));
  await client.close();
});

forEachDialect('CMS client against our bridge', (dialect) => {
  let b: TestBridge;
  let client: CmsClient;
  const seen: CmsExchange[] = [];
  before(async () => {
    b = await startTestBridge(dialect);
    client = new CmsClient(
      { baseUrl: b.bridge.httpUrl ?? '', username: API_USER.user, password: API_USER.password, allowSelfSigned: false },
      { clock: new FakeClock(), observer: (e) => void seen.push(e) },
    );
  });
  after(async () => {
    await client.close();
    await b.close();
  });

  test('system/status and the cluster (callBridges + each)', async () => {
    const status = await client.systemStatus();
    assert.ok(status.softwareVersion);
    const cluster = await client.callBridges();
    assert.equal(cluster.length, 1);
    assert.equal(cluster[0]?.name, 'callbridge-test');
    assert.equal(cluster[0].address, b.bridge.url);
  });

  test('paging advances by the number of items returned (bridge caps coSpaces at 20)', async () => {
    for (let i = 1; i <= 27; i++) await client.create('/coSpaces', { name: `Paged_${i}`, uri: `paged.${i}` });
    const firstPage = await client.listPage('/coSpaces', 'coSpace', { filter: 'Paged_' });
    assert.equal(firstPage.total, 27);
    assert.equal(firstPage.items.length, 20);
    const all = await client.coSpaces('Paged_');
    assert.equal(all.length, 27);
    assert.equal(new Set(all.map((c) => c.id)).size, 27);
  });

  test('failures carry the HTTP status and the failureDetails reason', async () => {
    await assert.rejects(client.getObject('/coSpaces/00000000-0000-0000-0000-000000000000'), (error: unknown) => {
      assert.ok(error instanceof CmsError);
      assert.equal(error.status, 404);
      assert.equal(error.reason, 'coSpaceDoesNotExist');
      assert.equal(error.doesNotExist, true);
      return true;
    });
    await assert.rejects(client.create('/coSpaces', { bogus: 'x' }), (error: unknown) => {
      assert.ok(error instanceof CmsError);
      assert.equal(error.status, 400);
      assert.equal(error.reason, 'parameterError');
      assert.equal(error.parameter?.name, 'bogus');
      return true;
    });
  });

  test('wrong credentials are a 401 failure, not retried', async () => {
    const bad = new CmsClient({ baseUrl: b.bridge.httpUrl ?? '', username: 'admin', password: 'wrong', allowSelfSigned: false }, { clock: new FakeClock() });
    await assert.rejects(bad.systemStatus(), (error: unknown) => error instanceof CmsError && error.status === 401);
    await bad.close();
  });

  test('observed exchanges mask passcodes', async () => {
    const id = await client.create('/coSpaces', { name: 'Masked', passcode: '4711' });
    seen.length = 0;
    await client.updateCoSpace(id, { passcode: '1234', name: 'Masked' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.method, 'PUT');
    assert.deepEqual(seen[0].fields, { passcode: '********', name: 'Masked' });
    assert.equal((await b.get(`/coSpaces/${id}`)).coSpace.passcode, '1234');
  });

  test('observed answers mask the passcode and secret elements of the XML', async () => {
    const id = await client.create('/coSpaces', { name: 'Masked answer', passcode: '98765' });
    seen.length = 0;
    await client.getObject(`/coSpaces/${id}`);
    const body = seen[0]?.body ?? '';
    assert.match(body, /<passcode>\*{8}<\/passcode>/);
    assert.doesNotMatch(body, /98765/);
    assert.match(body, /<name>Masked answer<\/name>/);
  });
});
