/**
 * Secrets inside URIs never reach the log (issue #13, finding 6): a CDR receiver's `?token=`, a URI's
 * userinfo password and a secret in an API request's query string are masked in every line a real
 * bridge writes (the API trace, the CDR pipeline's lines), whatever field or message carries them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBridge, type RunningBridge } from '../../src/bridge/server.ts';
import { FakeClock } from '../../src/shared/clock.ts';
import { createLogger, maskFields, maskText, MASK } from '../../src/shared/logger.ts';
import { API_USER } from '../support/bridge.ts';
import { freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { LogLines } from '../support/logLines.ts';

const SECRETS = ['IngestTok3nAAA', 'IngestTok3nBBB', 'UserInfoPassCCC', '55555', 'AuthTok3nDDD', 'PinValue777'];

describe('secrets inside URIs in the log', () => {
  const sink = new LogLines();
  const lines = sink.lines;
  let database: TestDatabase;
  let bridge: RunningBridge;
  const api = (method: string, path: string, body?: string) =>
    http(method, `${bridge.httpUrl ?? ''}/api/v1${path}`, { auth: API_USER, ...(body === undefined ? {} : { body }) });

  before(async () => {
    database = await freshDatabase('sqlite', 'logsecrets');
    bridge = await startBridge({
      database: database.url,
      dataDir: mkdtempSync(join(tmpdir(), 'sb-logsecrets-')),
      credentials: API_USER,
      listen: { host: '127.0.0.1', port: 0 },
      name: 'log-secrets',
      clock: new FakeClock(),
      logger: createLogger({ level: 'debug', destination: sink.stream }),
    });
  });
  after(async () => {
    await bridge.close();
    await database.dispose();
  });

  test('cdrReceivers with ?token= and userinfo, an API query with ?passcode=: the secrets appear in no log line', async () => {
    const created = await api('POST', '/system/cdrReceivers', `uri=${encodeURIComponent('http://127.0.0.1:9/cdr/switchboard-up?token=IngestTok3nAAA')}`);
    assert.equal(created.status, 200, created.text);
    const id = String(created.headers['location']).split('/').pop() ?? '';
    const changed = await api('PUT', `/system/cdrReceivers/${id}`, `uri=${encodeURIComponent('http://127.0.0.1:9/cdr?system=1&Token=IngestTok3nBBB')}`);
    assert.equal(changed.status, 200, changed.text);
    // Refused (credentials in a receiver URI are not a CMS form), and still traced.
    const userinfo = await api('POST', '/system/cdrReceivers', `uri=${encodeURIComponent('https://cms:UserInfoPassCCC@127.0.0.1:9/cdr')}`);
    assert.equal(userinfo.status, 400);
    assert.equal((await api('GET', '/coSpaces?filter=x&passcode=55555')).status < 500, true);
    assert.equal((await api('GET', '/coSpaces?authToken=AuthTok3nDDD&pin=PinValue777')).status < 500, true);
    // The trace is written when each response has been sent: wait for the last request's line.
    await sink.line((l) => l.includes('authToken='), 'the trace of the last request');

    const log = lines.join('\n');
    // The lines are there (or the test proves nothing), masked.
    assert.match(log, /"msg":"CDR receiver added"/);
    assert.match(log, /"msg":"CDR receiver changed"/);
    assert.match(log, /\/cdr\/switchboard-up\?token=\*{8}/);
    assert.match(log, /cms:\*{8}@127\.0\.0\.1/);
    assert.match(log, /"path":"\/api\/v1\/coSpaces\?filter=x&passcode=\*{8}"/);
    assert.match(log, /authToken=\*{8}&pin=\*{8}/);
    for (const secret of SECRETS) assert.ok(!log.includes(secret), `${secret} in the log:\n${lines.filter((l) => l.includes(secret)).join('\n')}`);
    for (const line of lines) JSON.parse(line);
  });
});

describe('maskText', () => {
  test('masks userinfo passwords and secret-named query values in plain text and in JSON lines; leaves the rest', () => {
    const cases: Array<[string, string]> = [
      ['http://h/cdr?token=abc', `http://h/cdr?token=${MASK}`],
      ['https://u:p%40ss@h:8443/x', `https://u:${MASK}@h:8443/x`],
      ['https://u:p@ss@h/x', `https://u:${MASK}@h/x`],
      ['postgres://app:pw@db:5432/x?schema=s', `postgres://app:${MASK}@db:5432/x?schema=s`],
      ['/api/v1/coSpaces?filter=a&PASSCODE=1&offset=20', `/api/v1/coSpaces?filter=a&PASSCODE=${MASK}&offset=20`],
      ['?access_token=a;api_key=b&secret=c&x_signature=d&password=e&pins=f', `?access_token=${MASK};api_key=${MASK}&secret=${MASK}&x_signature=${MASK}&password=${MASK}&pins=${MASK}`],
      ['{"uri":"http://h/?token=a\\"b&x=1"}', `{"uri":"http://h/?token=${MASK}&x=1"}`],
      ['http://127.0.0.1:8080/api/v1 and keyword=k mapping=m filter=f', 'http://127.0.0.1:8080/api/v1 and keyword=k mapping=m filter=f'],
      ['token= (empty) and password abc', 'token= (empty) and password abc'],
    ];
    for (const [input, expected] of cases) assert.equal(maskText(input), expected, input);
  });

  test('maskFields masks secret-named fields whole and URIs inside the others', () => {
    assert.deepEqual(maskFields({ uri: 'http://h/c?token=t', passcode: '1', name: 'a=b' }), { uri: `http://h/c?token=${MASK}`, passcode: MASK, name: 'a=b' });
  });
});
