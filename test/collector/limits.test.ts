/**
 * Bounded work per CDR post (issue 13, finding 8): the credentials, the size limit and the budget of
 * bodies in flight are checked before a byte of the body is read; refused posts close the
 * connection and store nothing. (RSS is measured by bench/collector-bodies.bench.ts, not asserted.)
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { forEachDialect } from '../support/databases.ts';
import { startTestCollector, type TestCollector } from '../support/collector.ts';
import { at, body, recordsXml } from '../support/cdrXml.ts';

const T0 = Date.UTC(2026, 0, 8, 9, 0, 0);
const LIMIT = 64 * 1024;
const TOKEN = 'limits-token';

/** A raw HTTP/1.1 exchange on its own socket: what the server answered, and whether it closed the socket. */
class RawPost {
  readonly socket: Socket;
  #data = '';
  readonly closed: Promise<void>;

  constructor(url: string) {
    const { port, hostname } = new URL(url);
    this.socket = connect(Number(port), hostname);
    this.socket.on('data', (chunk: Buffer) => {
      this.#data += chunk.toString('latin1');
    });
    this.socket.on('error', () => undefined); // the server may reset a socket it stopped reading
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  /** Sends the request line and headers, and `bodyPart` of the body. */
  start(path: string, contentLength: number, bodyPart = '', extra = ''): void {
    this.socket.write(`POST ${path} HTTP/1.1\r\nHost: collector\r\nContent-Type: text/xml\r\nContent-Length: ${contentLength}\r\n${extra}\r\n${bodyPart}`);
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves once the answer so far contains `text`. */
  async waitFor(text: string): Promise<string> {
    while (!this.#data.includes(text)) {
      if (this.socket.destroyed) throw new Error(`socket closed; got ${JSON.stringify(this.#data)}`);
      await new Promise((resolve) => this.socket.once('data', resolve).once('close', resolve));
    }
    return this.#data;
  }
}

/** The status of the last answer (after a `100 Continue`). */
function statusOf(answer: string): number {
  return Number([...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].at(-1)?.[1]);
}

/** A valid post of exactly `size` bytes (padded with whitespace). */
function postOfSize(session: string, index: number, size: number): string {
  const xml = recordsXml(session, [{ type: 'callLegStart', time: at(T0, index), correlatorIndex: index, body: body.legStart(`${session}-${index}`) }]);
  assert.ok(xml.length <= size);
  return xml + ' '.repeat(size - Buffer.byteLength(xml));
}

forEachDialect('collector body limits', (dialect) => {
  let c: TestCollector;
  before(async () => {
    c = await startTestCollector(dialect, { config: { ingestAuth: { token: TOKEN }, bodyLimit: LIMIT, bodyBudget: LIMIT } });
  });
  after(() => c.close());

  // A server that read the body would wait for it forever: the timeout turns that into a failure.
  it('answers 401, 405 and 413 from the headers alone and closes the connection without reading the body', { timeout: 60_000 }, async () => {
    const cases: [string, number, number][] = [
      ['/cdr', 32 * 1024 * 1024, 401], // no token
      ['/cdr?token=wrong', 32 * 1024 * 1024, 401],
      [`/api/v1/calls?token=${TOKEN}`, 32 * 1024 * 1024, 405],
      [`/cdr?token=${TOKEN}`, LIMIT + 1, 413],
    ];
    for (const [path, length, status] of cases) {
      const raw = new RawPost(c.url);
      raw.start(path, length, '<records');
      const answer = await raw.waitFor('\r\n\r\n');
      assert.equal(statusOf(answer), status, `${path}: ${answer}`);
      assert.match(answer, /connection: close/i);
      await raw.closed; // the server closed the socket with the body unread
    }
    assert.equal((await c.get('/status')).records, 0);
    assert.equal((await c.get('/status')).quarantined, 0);
  });

  it('answers 503 with Retry-After while the budget of bodies in flight is taken, and takes the post once it is free', { timeout: 60_000 }, async () => {
    // A takes the whole budget: its headers are read (100-continue tells when) and its body is pending.
    const a = new RawPost(c.url);
    a.start(`/cdr?token=${TOKEN}`, LIMIT, '', 'Expect: 100-continue\r\n');
    await a.waitFor('100 Continue');
    const b = new RawPost(c.url);
    const small = postOfSize('limits-b', 1, 600);
    b.start(`/cdr?token=${TOKEN}`, Buffer.byteLength(small), small);
    const busy = await b.waitFor('\r\n\r\n');
    assert.equal(statusOf(busy), 503, busy);
    assert.match(busy, /retry-after: 1/i);
    assert.match(busy, /"code":"busy"/);
    await b.closed;
    assert.equal((await c.get('/status')).records, 0, 'nothing of the refused post stored');

    a.write(postOfSize('limits-a', 0, LIMIT));
    assert.equal(statusOf(await a.waitFor('"stored":1')), 200);
    a.socket.destroy();
    assert.equal((await c.post(postOfSize('limits-b', 1, 600), `/cdr?token=${TOKEN}`)).status, 200, 'the budget is free again');
    assert.equal((await c.get('/status')).records, 2);
  });
});
