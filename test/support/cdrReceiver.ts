/**
 * A real CDR receiver for tests, written on node:http so every fault can be injected: any status,
 * HTTP/1.0 answers, no Content-Length, a connection reset in the middle of the body, an answer held
 * back until the test releases it (timeouts, "200 after the timeout"), or refusing connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { XMLParser } from 'fast-xml-parser';
import type { FakeClock } from '../../src/shared/clock.ts';

export type Answer =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly http10?: boolean;
      readonly noContentLength?: boolean;
      readonly body?: string;
      /** Answer only after this many (real) milliseconds: a slow receiver. */
      readonly delayMs?: number;
    }
  /** Destroy the connection once part of the request body has arrived. */
  | { readonly kind: 'resetMidBody' }
  /** Read the whole request, then answer only when `release()` is called (or never). */
  | { readonly kind: 'hold'; readonly status: number };

export interface ReceivedRecord {
  readonly session: string;
  readonly callBridge: string | undefined;
  readonly type: string;
  readonly time: string;
  readonly correlatorIndex: number;
  readonly recordIndex: number;
  readonly missing: number | undefined;
}

export interface ReceivedPost {
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
  /** The body's bytes as they arrived (`body` is their UTF-8 decoding). */
  readonly bytes: Buffer;
  readonly records: readonly ReceivedRecord[];
  /** The status it was (or will be) answered with. */
  readonly status: number;
  /** True once the answer was written (a held answer may be written after the bridge gave up). */
  answered: boolean;
  /** True when the answer was held back and written only on `release()`. */
  late: boolean;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => name === 'record',
});

export function parseRecords(body: string): ReceivedRecord[] {
  const doc = parser.parse(body) as { records?: { '@session'?: string; '@callBridge'?: string; record?: Array<Record<string, string>> } };
  const root = doc.records;
  if (!root) throw new Error(`not a <records> document: ${body.slice(0, 200)}`);
  return (root.record ?? []).map((r) => ({
    session: String(root['@session']),
    callBridge: root['@callBridge'],
    type: String(r['@type']),
    time: String(r['@time']),
    correlatorIndex: Number(r['@correlatorIndex']),
    recordIndex: Number(r['@recordIndex']),
    missing: r['@numPreceedingRecordsMissing'] === undefined ? undefined : Number(r['@numPreceedingRecordsMissing']),
  }));
}

export class TestCdrReceiver {
  /** Every post whose body arrived whole, in arrival order. */
  readonly posts: ReceivedPost[] = [];
  /** Decides the answer to the n-th request (0-based). Default: 200. */
  answer: (n: number) => Answer = () => ({ kind: 'status', status: 200 });
  #requests = 0;
  #held: Array<() => void> = [];
  /** Called after every change to the requests, posts, answers and held answers (`until`). */
  readonly #watchers = new Set<() => void>();
  readonly #sockets = new Set<Socket>();
  #server: Server;
  #port = 0;

  private constructor() {
    this.#server = this.#makeServer();
  }

  static async start(): Promise<TestCdrReceiver> {
    const receiver = new TestCdrReceiver();
    await receiver.#listen(0);
    return receiver;
  }

  get port(): number {
    return this.#port;
  }

  url(path = '/cdr'): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  get requests(): number {
    return this.#requests;
  }

  /** Records of posts answered 2xx (what a real receiver would have kept), in order. */
  get accepted(): ReceivedRecord[] {
    return this.posts.filter((p) => p.answered && p.status >= 200 && p.status < 300).flatMap((p) => p.records);
  }

  /**
   * Resolves once `condition` holds. It may read only this receiver's state (requests, posts,
   * answers, held answers): it is checked again after each change to that state, not on a timer.
   * Fails after `timeoutMs` of real time (a guard against a hang, not a timing assertion).
   */
  until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        try {
          if (!condition()) return;
          stop();
          resolve();
        } catch (error) {
          stop();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out waiting for: ${what}`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }

  #changed(): void {
    for (const check of [...this.#watchers]) check();
  }

  /** Answers every held request. */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const answer of held) answer();
  }

  get heldCount(): number {
    return this.#held.length;
  }

  /** Stops listening and drops every connection: the port now refuses. */
  async refuse(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async accept(): Promise<void> {
    this.#server = this.#makeServer();
    await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    this.#held = [];
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #makeServer(): Server {
    const server = createServer((req, res) => this.#handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    return server;
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const answer = this.answer(this.#requests++);
    this.#changed();
    const chunks: Buffer[] = [];
    if (answer.kind === 'resetMidBody') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = bytes.toString('utf8');
      const status = answer.status;
      const post: ReceivedPost = { url: req.url ?? '', contentType: req.headers['content-type'], body, bytes, records: parseRecords(body), status, answered: false, late: answer.kind === 'hold' };
      this.posts.push(post);
      const send = (): void => {
        post.answered = true;
        this.#changed();
        if (req.socket.destroyed) return;
        if (answer.kind === 'status' && answer.http10 === true) {
          // A bare HTTP/1.0 answer with no Content-Length: the body ends when the connection closes.
          req.socket.end(`HTTP/1.0 ${status} OK\r\nContent-Type: text/plain\r\n\r\n${answer.body ?? 'ok'}`);
          return;
        }
        if (answer.kind === 'status' && answer.noContentLength === true) {
          res.statusCode = status;
          res.useChunkedEncodingByDefault = false;
          res.shouldKeepAlive = false;
          res.write(answer.body ?? 'stored');
          res.end();
          return;
        }
        res.statusCode = status;
        res.end(answer.kind === 'status' ? (answer.body ?? '') : '');
      };
      if (answer.kind === 'hold') this.#held.push(send);
      else if (answer.delayMs !== undefined) setTimeout(send, answer.delayMs);
      else send();
      this.#changed();
    });
  }
}

/** Waits (in real time, polling) until `condition` holds; fails after `timeoutMs`. Not a timing assertion. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await delay(5);
  }
}

/** Advances a fake clock step by step (letting I/O run in between) until `condition` holds. */
export async function driveUntil(clock: FakeClock, condition: () => boolean, what: string, stepMs = 1_000, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out driving the clock until: ${what}`);
    await clock.advance(stepMs);
    await delay(2);
  }
}
