/** The API trace: one structured line per request, secrets masked (as CMS masks passcodes in its trace). */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../src/shared/clock.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { startBridge, type RunningBridge } from '../../src/bridge/server.ts';
import { freshDatabase, type TestDatabase } from '../support/databases.ts';
import { API_USER } from '../support/bridge.ts';
import { http } from '../support/http.ts';
import { LogLines } from '../support/logLines.ts';

interface TraceLine {
  component?: string;
  msg?: string;
  method?: string;
  path?: string;
  status?: number;
  size?: number;
  client?: string;
  fields?: Record<string, string>;
}

describe('API trace log', () => {
  const log = new LogLines();
  const lines = log.lines;
  let database: TestDatabase;
  let bridge: RunningBridge;

  before(async () => {
    database = await freshDatabase('sqlite', 'trace');
    bridge = await startBridge({
      database: database.url,
      dataDir: mkdtempSync(join(tmpdir(), 'sb-trace-')),
      credentials: API_USER,
      listen: { host: '127.0.0.1', port: 0 },
      name: 'trace-node',
      clock: new FakeClock(),
      logger: createLogger({ level: 'info', destination: log.stream }),
    });
  });
  after(async () => {
    await bridge.close();
    await database.dispose();
  });

  /** Sends one request and returns the trace lines it produced. */
  async function traced(method: string, path: string, body?: string): Promise<{ status: number; text: string; trace: TraceLine[]; raw: string[] }> {
    const start = lines.length;
    const res = await http(method, `${bridge.httpUrl ?? ''}/api/v1${path}`, { auth: API_USER, ...(body === undefined ? {} : { body }) });
    // The trace is written when the response has been sent: wait for its line.
    await log.line((l) => l.includes('"api request"'), `the trace of ${method} ${path}`, start);
    const raw = lines.slice(start).filter((l) => l.includes('"component":"apiTrace"'));
    return { status: res.status, text: res.text, trace: raw.map((l) => JSON.parse(l) as TraceLine), raw };
  }

  test('a POST: one line with method, path, status, size, client and the body fields, passcode and secret masked', async () => {
    const { status, trace, raw } = await traced('POST', '/coSpaces', 'name=Traced&uri=traced.space&passcode=424242&secret=TopSecretValue1&callId=8800777');
    assert.equal(status, 200);
    assert.equal(trace.length, 1, raw.join('\n'));
    const line = trace[0];
    assert.ok(line);
    assert.equal(line.msg, 'api request');
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/api/v1/coSpaces');
    assert.equal(line.status, 200);
    assert.equal(line.size, 0);
    assert.equal(line.client, '127.0.0.1');
    assert.deepEqual(line.fields, { name: 'Traced', uri: 'traced.space', passcode: '********', secret: '********', callId: '8800777' });
    assert.doesNotMatch(raw.join('\n'), /424242|TopSecretValue1/);
  });

  test('a GET: its size is the body length, the query is in the path, and no fields are logged', async () => {
    const { status, text, trace } = await traced('GET', '/coSpaces?filter=traced');
    assert.equal(status, 200);
    assert.equal(trace.length, 1);
    const line = trace[0];
    assert.ok(line);
    assert.equal(line.path, '/api/v1/coSpaces?filter=traced');
    assert.equal(line.size, Buffer.byteLength(text));
    assert.equal(line.fields, undefined);
  });

  test('a rejected request is traced too, with its 4xx status, secrets still masked', async () => {
    const { status, trace, raw } = await traced('PUT', '/coSpaces/00000000-0000-0000-0000-000000000000', 'passcode=31337&name=x');
    assert.equal(status, 404);
    assert.equal(trace.length, 1);
    const line = trace[0];
    assert.ok(line);
    assert.equal(line.status, 404);
    assert.equal(line.fields?.['passcode'], '********');
    assert.doesNotMatch(raw.join('\n'), /31337/);
    const bad = await traced('POST', '/coSpaces', 'Passcode=55555&bogus=1');
    assert.equal(bad.status, 400);
    assert.equal(bad.trace.length, 1);
    assert.equal(bad.trace[0]?.fields?.['Passcode'], '********', 'masked whatever the case of the name');
    assert.doesNotMatch(bad.raw.join('\n'), /55555/);
  });

  test('the secret a coSpace GET returns never reaches the log', async () => {
    const created = await traced('POST', '/coSpaces', 'name=Secretive&requireCallId=true');
    assert.equal(created.status, 200);
    const list = await traced('GET', '/coSpaces?filter=Secretive');
    const id = /coSpace id="([^"]+)"/.exec(list.text)?.[1] ?? '';
    const detail = await traced('GET', `/coSpaces/${id}`);
    const secret = /<secret>([^<]+)<\/secret>/.exec(detail.text)?.[1];
    assert.ok(secret !== undefined && secret.length > 10);
    assert.ok(!lines.some((l) => l.includes(secret)));
  });
});
