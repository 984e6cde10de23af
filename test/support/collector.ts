/** Starts a real collector on port 0 over a fresh database and talks to it over HTTP. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/shared/clock.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import type { DialectName } from '../../src/shared/database.ts';
import { startCollector, type CollectorConfig, type RunningCollector } from '../../src/collector/server.ts';
import { freshDatabase, type TestDatabase } from './databases.ts';
import { http, type HttpAnswer } from './http.ts';

export const COLLECTOR_API_USER = { user: 'reports', password: 'collector-test-password' };

export interface TestCollector {
  readonly collector: RunningCollector;
  readonly database: TestDatabase;
  readonly clock: FakeClock;
  readonly url: string;
  /** POSTs a CDR document to `path` (default `/cdr`). */
  post(xml: string, path?: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** GET under /api/v1 with credentials; returns status and parsed JSON (or text for CSV). */
  api(path: string): Promise<HttpAnswer & { json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** GET that must answer 200; returns the JSON. */
  get(path: string): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export async function startTestCollector(
  dialect: DialectName,
  options: { clock?: FakeClock; database?: TestDatabase; config?: Partial<CollectorConfig> } = {},
): Promise<TestCollector> {
  const database = options.database ?? (await freshDatabase(dialect, 'collector'));
  const clock = options.clock ?? new FakeClock();
  const collector = await startCollector({
    database: database.url,
    dataDir: mkdtempSync(join(tmpdir(), 'sb-collector-data-')),
    credentials: COLLECTOR_API_USER,
    listen: { host: '127.0.0.1', port: 0 },
    clock,
    logger: silentLogger(),
    // Large posts are checked on a worker thread whatever the machine's core count.
    validatorThreads: 1,
    ...options.config,
  });
  const url = collector.httpUrl ?? collector.url;
  const api = async (path: string): Promise<HttpAnswer & { json: unknown }> => {
    const res = await http('GET', `${url}/api/v1${path}`, { auth: COLLECTOR_API_USER });
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = undefined;
    }
    return { ...res, json };
  };
  return {
    collector,
    database,
    clock,
    url,
    post: (xml, path = '/cdr', headers = {}) => http('POST', `${url}${path}`, { body: xml, contentType: 'text/xml', headers }),
    api,
    async get(path) {
      const res = await api(path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
      return res.json;
    },
    async close() {
      await collector.close();
      if (!options.database) await database.dispose();
    },
  };
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'cdr');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** The guide's six posts (cdr.md §6), well-formed. */
export function guidePosts(): string[] {
  return [1, 2, 3, 4, 5, 6].map((n) => fixture(`post${n}.xml`));
}

export const GUIDE = {
  session: 'a865433a-4926-4549-a701-9bb5b93c75e6',
  callBridge: '158ba4f7-70eb-4a35-982c-71d4f1674277',
  call: '46d49cb4-8171-4abc-97f5-b88035b1da0a',
  coSpace: '50605235-60cf-484a-9fa1-278ad0646243',
  callCorrelator: '5f3300c5-ca67-40e0-a503-91baec70dbbe',
  legA: 'fc9c85ca-8c41-4a1a-9252-b16977d1e4e1',
  legB: '9cfdb064-3ae9-4b08-a003-6478187f375f',
} as const;
