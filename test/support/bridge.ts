/** Starts a real bridge on port 0 over a fresh database and talks to it over HTTP. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type Clock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { startBridge, type RunningBridge } from '../../src/bridge/server.ts';
import type { DialectName } from '../../src/shared/database.ts';
import { MemoryCdrSink, type CdrRecordBody } from '../../src/bridge/cdr/recordBodies.ts';

/** A memory sink that also remembers which records were emitted together (one CDR post each). */
export class PostRecordingSink extends MemoryCdrSink {
  readonly posts: Array<{ atMs: number; records: CdrRecordBody[] }> = [];

  override emit(atMs: number, records: readonly CdrRecordBody[]): void {
    this.posts.push({ atMs, records: [...records] });
    super.emit(atMs, records);
  }
}
import { freshDatabase, type TestDatabase } from './databases.ts';
import { http, parseXml, type HttpAnswer, type Xml } from './http.ts';

export const API_USER = { user: 'admin', password: 'test-password' };
export const SIM_USER = { user: 'sim', password: 'sim-password' };

export interface TestBridge {
  readonly bridge: RunningBridge;
  readonly database: TestDatabase;
  readonly clock: Clock;
  /** A request to /api/v1 with credentials. `path` starts with '/'. */
  api(method: string, path: string, body?: string, contentType?: string | null): Promise<HttpAnswer>;
  /** GET that must answer 200; returns the parsed XML. */
  get(path: string): Promise<Xml>;
  /** POST that must answer 200 with a Location; returns the new id. */
  create(path: string, body?: string): Promise<string>;
  /** A JSON request to the simulator's control API (/sim/v1). */
  sim(method: string, path: string, body?: unknown): Promise<{ status: number; json: Xml }>;
  /** The records the bridge's call engine emitted (the default in-memory CDR sink). */
  readonly cdr: PostRecordingSink;
  close(): Promise<void>;
}

export async function startTestBridge(
  dialect: DialectName,
  options: { clock?: Clock; name?: string; database?: TestDatabase; tls?: boolean; usersFile?: string; sim?: boolean } = {},
): Promise<TestBridge> {
  const database = options.database ?? (await freshDatabase(dialect, 'bridge'));
  const clock = options.clock ?? new FakeClock();
  const observer = new PostRecordingSink();
  const bridge = await startBridge({
    database: database.url,
    dataDir: mkdtempSync(join(tmpdir(), 'sb-bridge-data-')),
    credentials: API_USER,
    listen: { host: '127.0.0.1', port: 0 },
    ...(options.tls ? { tlsListen: { host: '127.0.0.1', port: 0 } } : {}),
    name: options.name ?? 'callbridge-test',
    clock,
    logger: silentLogger(),
    apiTrace: false,
    ...(options.usersFile === undefined ? {} : { usersFile: options.usersFile }),
    ...(options.sim === false ? {} : { sim: { credentials: SIM_USER } }),
    cdrObserver: observer,
  });
  const base = `${bridge.httpUrl ?? bridge.url}/api/v1`;
  const api = (method: string, path: string, body?: string, contentType?: string | null): Promise<HttpAnswer> =>
    http(method, `${base}${path}`, {
      auth: API_USER,
      ...(body === undefined ? {} : { body }),
      ...(contentType === undefined ? {} : { contentType }),
    });
  const simBase = `${bridge.httpUrl ?? bridge.url}/sim/v1`;
  return {
    bridge,
    database,
    clock,
    api,
    cdr: observer,
    async sim(method, path, body) {
      const res = await http(method, `${simBase}${path}`, {
        auth: SIM_USER,
        ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
      });
      return { status: res.status, json: res.text === '' ? undefined : JSON.parse(res.text) };
    },
    async get(path) {
      const res = await api('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
      return parseXml(res.text);
    },
    async create(path, body = '') {
      const res = await api('POST', path, body);
      const location = res.headers['location'];
      if (res.status !== 200 || typeof location !== 'string') throw new Error(`POST ${path} answered ${res.status}: ${res.text}`);
      return location.slice(location.lastIndexOf('/') + 1);
    },
    async close() {
      await bridge.close();
      if (!options.database) await database.dispose();
    },
  };
}
