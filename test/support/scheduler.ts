/** Starts a real scheduler on port 0 (runner driven by the test) and a bridge whose API trace is recorded. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { randomBytes } from 'node:crypto';
import type { Clock, FakeClock } from '../../src/shared/clock.ts';
import type { DialectName } from '../../src/shared/database.ts';
import { startBridge, type RunningBridge } from '../../src/bridge/server.ts';
import type { EndpointBehaviour } from '../../src/bridge/engine/endpoints.ts';
import { SecretBox } from '../../src/scheduler/secrets.ts';
import { startScheduler, type RunningScheduler, type SchedulerConfig } from '../../src/scheduler/server.ts';
import type { RunnerOptions } from '../../src/scheduler/runner/runner.ts';
import type { SmtpConfig } from '../../src/scheduler/bookings/mailer.ts';
import { silentLogger } from '../../src/shared/logger.ts';
import { API_USER } from './bridge.ts';
import { freshDatabase, type TestDatabase } from './databases.ts';
import { http } from './http.ts';

export const SCHEDULER_USER = { user: 'planner', password: 'scheduler-secret' };

export interface TraceLine {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly fields?: Record<string, string>;
}

export interface TracedBridge {
  readonly bridge: RunningBridge;
  readonly trace: TraceLine[];
  close(): Promise<void>;
}

/** A real bridge whose API trace (BridgeConfig.logger) is collected line by line. */
export async function startTracedBridge(
  database: TestDatabase,
  clock: Clock,
  name: string,
  /** Simulated far ends (`sim.endpoints` of the call engine), e.g. [{ pattern: 'busy@*', outcome: 'busy' }]. */
  endpoints: readonly EndpointBehaviour[] = [],
): Promise<TracedBridge> {
  const trace: TraceLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as { component?: string; method?: string; path?: string; status?: number; fields?: Record<string, string> };
        if (entry.component === 'apiTrace' && entry.method !== undefined && entry.path !== undefined && entry.status !== undefined) {
          trace.push({ method: entry.method, path: entry.path, status: entry.status, ...(entry.fields ? { fields: entry.fields } : {}) });
        }
      }
      done();
    },
  });
  const config = {
    sim: { credentials: { user: 'sim', password: 'sim-password' }, endpoints },
    database: database.url,
    dataDir: mkdtempSync(join(tmpdir(), 'sb-bridge-data-')),
    credentials: API_USER,
    listen: { host: '127.0.0.1', port: 0 },
    name,
    clock,
    logger: pino({ level: 'info' }, stream),
    apiTrace: true,
  };
  const bridge = await startBridge(config);
  return { bridge, trace, close: () => bridge.close() };
}

export interface TestScheduler {
  readonly scheduler: RunningScheduler;
  readonly database: TestDatabase;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

export async function startTestScheduler(
  dialect: DialectName,
  clock: FakeClock,
  options: { database?: TestDatabase; key?: Buffer; runner?: RunnerOptions; cms?: SchedulerConfig['cms']; smtp?: SmtpConfig } = {},
): Promise<TestScheduler> {
  const database = options.database ?? (await freshDatabase(dialect, 'scheduler'));
  const scheduler = await startScheduler({
    database: database.url,
    dataDir: mkdtempSync(join(tmpdir(), 'sb-sched-data-')),
    credentials: SCHEDULER_USER,
    listen: { host: '127.0.0.1', port: 0 },
    clock,
    logger: silentLogger(),
    secrets: new SecretBox(options.key ?? randomBytes(32)),
    autoRun: false,
    cms: { attempts: 1, ...options.cms },
    runner: { monitorIntervalMs: 30_000, retryBaseMs: 5_000, ...options.runner },
    ...(options.smtp === undefined ? {} : { smtp: options.smtp }),
  });
  let closed = false;
  return {
    scheduler,
    database,
    async api(method, path, body) {
      const res = await http(method, `${scheduler.url}/api/v1${path}`, {
        auth: SCHEDULER_USER,
        ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
      });
      let json: unknown;
      try {
        json = res.text === '' ? undefined : JSON.parse(res.text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text: res.text };
    },
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.close();
      if (!options.database) await database.dispose();
    },
  };
}

/** Whether the bridge serves the objects the scheduler drives (callProfiles, bulk sync, calls). */
export async function bridgeCapabilities(url: string): Promise<string[]> {
  const missing: string[] = [];
  for (const path of ['/callProfiles', '/callLegProfiles', '/cospaceBulkParameterSets', '/cospaceBulkSyncs', '/calls']) {
    const res = await http('GET', `${url}/api/v1${path}`, { auth: API_USER });
    if (res.status !== 200) missing.push(path);
  }
  return missing;
}

/**
 * Moves a fake clock in 250 ms steps, with a little real time between them for real I/O, until
 * `pending` settles (a bridge's bulk sync and the scheduler's polling both run on that clock).
 */
export async function driveClock<R>(clock: FakeClock, pending: Promise<R>): Promise<R> {
  const state = { done: false };
  const settled = pending.finally(() => {
    state.done = true;
  });
  for (let i = 0; i < 2000 && !state.done; i++) {
    await clock.advance(250);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return settled;
}
