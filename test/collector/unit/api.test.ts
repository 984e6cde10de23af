/**
 * The collector's HTTP conventions through `fastify.inject()` (no socket), over SQLite in memory:
 * Basic auth on the query API, the error format, query parameter checks, JSON and CSV, paging, and
 * what the query API does with request bodies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { API_BODY_LIMIT } from '../../../src/collector/api/routes.ts';
import { API_PREFIX, buildCollectorApp, type CollectorAppHandle } from '../../../src/collector/server.ts';
import { FakeClock } from '../../../src/shared/clock.ts';
import { silentLogger } from '../../../src/shared/logger.ts';
import { at, body, recordsXml } from '../../support/cdrXml.ts';
import { COLLECTOR_API_USER } from '../../support/collector.ts';
import { T0 } from './modelRecords.ts';

const CALLS = 5;
const AUTH = `Basic ${Buffer.from(`${COLLECTOR_API_USER.user}:${COLLECTOR_API_USER.password}`).toString('base64')}`;

let collector: CollectorAppHandle;

function get(path: string, headers: Record<string, string> = { authorization: AUTH }): Promise<LightMyRequestResponse> {
  return collector.app.inject({ method: 'GET', url: `${API_PREFIX}${path}`, headers });
}

/** The collector's error format: `{"error": {"code", "message", "details"?}}`, as JSON. */
function assertError(res: LightMyRequestResponse, status: number, code: string): { code: string; message: string; details?: unknown } {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const parsed = JSON.parse(res.body) as { error: { code: string; message: string; details?: unknown } };
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.equal(parsed.error.code, code);
  assert.equal(typeof parsed.error.message, 'string');
  assert.ok(parsed.error.message.length > 0);
  return parsed.error;
}

before(async () => {
  collector = await buildCollectorApp({
    database: 'sqlite::memory:',
    dataDir: '/nonexistent-not-used',
    credentials: COLLECTOR_API_USER,
    clock: new FakeClock(T0),
    logger: silentLogger(),
    validatorThreads: 0,
  });
  const records = Array.from({ length: CALLS }, (_, i) => ({
    type: 'callStart',
    time: at(T0, i * 60),
    correlatorIndex: i,
    recordIndex: i + 1,
    body: body.callStart(`api-call-${i}`, { name: `Room ${i}`, coSpace: `space-${i % 2}` }),
  }));
  const res = await collector.app.inject({ method: 'POST', url: '/cdr', headers: { 'content-type': 'text/xml' }, payload: recordsXml('api-session', records, 'api-bridge') });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((JSON.parse(res.body) as { stored: number }).stored, CALLS);
});

after(() => collector.close());

describe('collector query API: authentication', () => {
  it('answers 401 with a Basic challenge without credentials or with wrong ones, on every route', async () => {
    const wrong = `Basic ${Buffer.from(`${COLLECTOR_API_USER.user}:not-the-password`).toString('base64')}`;
    for (const headers of [{}, { authorization: wrong }, { authorization: 'Bearer abc' }, { authorization: 'Basic !!!' }]) {
      for (const path of ['/calls', '/status', '/calls/api-call-0', '/reports/usage']) {
        const res = await get(path, headers);
        assertError(res, 401, 'unauthorized');
        assert.match(String(res.headers['www-authenticate']), /^Basic realm="[^"]+"$/);
        assert.doesNotMatch(res.body, /api-call|Room/, 'nothing of the data');
      }
    }
    assert.equal((await get('/status')).statusCode, 200);
  });
});

describe('collector query API: errors', () => {
  it('answers an unknown route 404 in the error format, under the API and outside it', async () => {
    const error = assertError(await get('/nothingHere'), 404, 'notFound');
    assert.match(error.message, /GET \/api\/v1\/nothingHere/);
    assertError(await collector.app.inject({ method: 'GET', url: '/nothing?x=1' }), 404, 'notFound');
  });

  it('answers an unknown object 404', async () => {
    assertError(await get('/calls/no-such-call'), 404, 'notFound');
    assertError(await get('/callLegs/no-such-leg'), 404, 'notFound');
    assertError(await get('/sessions/no-such-session'), 404, 'notFound');
  });

  it('answers 400 invalidParameter naming each bad parameter', async () => {
    const cases: [string, string][] = [
      ['/calls?bogus=1', 'bogus'],
      ['/calls?limit=0', 'limit'],
      ['/calls?limit=1001', 'limit'],
      ['/calls?limit=ten', 'limit'],
      ['/calls?offset=-1', 'offset'],
      ['/calls?from=yesterday', 'from'],
      ['/calls?format=xml', 'format'],
      ['/callLegs?quality=good', 'quality'],
      ['/reports/usage?groupBy=colour', 'groupBy'],
      ['/status?limit=5', 'limit'],
      ['/sessions/api-session/records/x1', 'index'],
    ];
    for (const [path, parameter] of cases) {
      const error = assertError(await get(path), 400, 'invalidParameter');
      const details = error.details as { path: string; message: string }[];
      assert.ok(Array.isArray(details) && details.some((d) => d.path === parameter), `${path}: ${JSON.stringify(details)}`);
      assert.match(error.message, new RegExp(parameter));
    }
  });
});

describe('collector query API: formats', () => {
  it('answers JSON by default', async () => {
    for (const path of ['/calls', '/calls/api-call-0', '/meetings', '/sessions', '/status', '/records?limit=1']) {
      const res = await get(path);
      assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', path);
      assert.doesNotThrow(() => JSON.parse(res.body), path);
    }
  });

  it('answers ?format=csv as an attachment with a header row naming the JSON fields', async () => {
    const json = JSON.parse((await get('/calls?limit=1000')).body) as { calls: Record<string, unknown>[] };
    const res = await get('/calls?format=csv');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="calls.csv"');
    const lines = res.body.split('\r\n').filter((l) => l !== '');
    assert.deepEqual(lines[0]?.split(','), Object.keys(json.calls[0] ?? {}));
    assert.equal(lines.length, 1 + CALLS, 'a header and one line per call');
    for (const [path, name] of [['/meetings?format=csv', 'meetings'], ['/sessions?format=csv', 'sessions'], ['/records?format=csv', 'records']] as const) {
      const table = await get(path);
      assert.equal(table.headers['content-disposition'], `attachment; filename="${name}.csv"`, path);
      assert.equal(table.headers['content-type'], 'text/csv; charset=utf-8', path);
    }
  });
});

describe('collector query API: paging', () => {
  it('pages with limit and offset, and gives the total of the whole list on every page', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < CALLS; offset += 2) {
      const page = JSON.parse((await get(`/calls?limit=2&offset=${offset}`)).body) as { total: number; offset: number; calls: { id: string }[] };
      assert.equal(page.total, CALLS);
      assert.equal(page.offset, offset);
      assert.equal(page.calls.length, Math.min(2, CALLS - offset));
      seen.push(...page.calls.map((c) => c.id));
    }
    assert.deepEqual([...seen].sort(), Array.from({ length: CALLS }, (_, i) => `api-call-${i}`), 'the pages are disjoint and cover the list');
    const past = JSON.parse((await get(`/calls?offset=${CALLS + 10}`)).body) as { total: number; calls: unknown[] };
    assert.deepEqual([past.total, past.calls.length], [CALLS, 0]);
    const first = JSON.parse((await get('/calls')).body) as { offset: number; calls: unknown[] };
    assert.deepEqual([first.offset, first.calls.length], [0, CALLS], 'default: from the start, up to 100');
  });

  it('filters before paging: the total counts what matches', async () => {
    const page = JSON.parse((await get('/calls?coSpace=space-0&limit=1')).body) as { total: number; calls: { coSpace: string }[] };
    assert.equal(page.total, 3);
    assert.deepEqual(page.calls.map((c) => c.coSpace), ['space-0']);
  });
});

describe('collector query API: request bodies', () => {
  it('refuses a POST to the query API from its headers (405), closing the connection, whatever its size', async () => {
    for (const size of [10, API_BODY_LIMIT + 1, 4 * API_BODY_LIMIT]) {
      const res = await collector.app.inject({ method: 'POST', url: `${API_PREFIX}/calls`, headers: { authorization: AUTH, 'content-type': 'text/xml' }, payload: 'x'.repeat(size) });
      assertError(res, 405, 'methodNotAllowed');
      assert.equal(res.headers['connection'], 'close');
    }
    const status = JSON.parse((await get('/status')).body) as { records: number; quarantined: number };
    assert.deepEqual([status.records, status.quarantined], [CALLS, 0], 'nothing was taken for a CDR post');
  });

  it('answers a GET carrying a body past the limit as if it had none (the body is never read)', async () => {
    const res = await collector.app.inject({ method: 'GET', url: `${API_PREFIX}/status`, headers: { authorization: AUTH, 'content-type': 'application/json' }, payload: 'x'.repeat(API_BODY_LIMIT * 2) });
    assert.equal(res.statusCode, 200, res.body);
  });
});
