/**
 * The client transport (`src/shared/http/transport.ts`) against a real local server on port 0: the
 * Basic header it sends, any status as an answer, a typed UpstreamError on a timeout and when nothing
 * listens.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { checkBasicAuth } from '../../../src/shared/http/basicAuth.ts';
import { HttpTransport, UpstreamError } from '../../../src/shared/http/transport.ts';

const credentials = { user: 'reports', password: 'pa:ss wörd' };

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

describe('HttpTransport', () => {
  let server: Server;
  let url: string;
  const hung: ServerResponse[] = [];

  before(async () => {
    ({ server, url } = await listen((req, res) => {
      if (req.url === '/prefix/hang') {
        hung.push(res);
        return;
      }
      if (!checkBasicAuth(req.headers.authorization, credentials)) {
        res.writeHead(401).end('who?');
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        res.writeHead(req.url === '/prefix/missing' ? 404 : 200, { 'content-type': 'text/plain', location: '/made/1' }).end(`${req.method} ${req.url} ${body}`);
      });
    }));
  });

  after(async () => {
    for (const res of hung) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('sends the Basic header, the base URL path as prefix, and the body; any status is an answer', async () => {
    const http = new HttpTransport({ baseUrl: `${url}/prefix`, credentials });
    try {
      const ok = await http.request({ method: 'POST', path: '/things', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'POST /prefix/things hello');
      assert.equal(ok.headers['location'], '/made/1');
      const missing = await http.request({ method: 'GET', path: '/missing' });
      assert.equal(missing.status, 404);
    } finally {
      await http.close();
    }
  });

  test('wrong credentials are an answer too (401), not an upstream error', async () => {
    const http = new HttpTransport({ baseUrl: url, credentials: { user: 'reports', password: 'nope' } });
    try {
      assert.equal((await http.request({ method: 'GET', path: '/x' })).status, 401);
    } finally {
      await http.close();
    }
  });

  test('no answer within the headers timeout is an UpstreamError with the timeout code', async () => {
    const http = new HttpTransport({ baseUrl: `${url}/prefix`, credentials, headersTimeoutMs: 200 });
    try {
      await assert.rejects(http.request({ method: 'GET', path: '/hang' }), (error: unknown) => {
        assert.ok(error instanceof UpstreamError);
        assert.equal(error.code, 'UND_ERR_HEADERS_TIMEOUT');
        assert.equal(error.timedOut, true);
        assert.equal(error.method, 'GET');
        assert.equal(error.path, '/hang');
        assert.match(error.message, /^no answer from http:\/\/127\.0\.0\.1:\d+\/prefix \(/);
        return true;
      });
    } finally {
      await http.close();
    }
  });

  test('nothing listening is an UpstreamError with ECONNREFUSED', async () => {
    const closed = await listen(() => undefined);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const http = new HttpTransport({ baseUrl: closed.url });
    try {
      await assert.rejects(http.request({ method: 'GET', path: '/' }), (error: unknown) => {
        assert.ok(error instanceof UpstreamError);
        assert.equal(error.code, 'ECONNREFUSED');
        assert.equal(error.timedOut, false);
        assert.ok(!error.message.includes(credentials.password));
        return true;
      });
    } finally {
      await http.close();
    }
  });
});
