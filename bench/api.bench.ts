/**
 * CMS API benchmark: a real bridge process (the `switchboard bridge` CLI, API trace on as in
 * production) on SQLite, and on PostgreSQL when reachable, with 10,000 coSpaces made by a bulk sync:
 *  - GET /coSpaces pages at random offsets (autocannon, keep-alive), against a bare Fastify server
 *    answering a same-size XML in the same run (the ceiling; ratio printed);
 *  - PUT /coSpaces/<random id>, against the bare server's empty 200;
 *  - the bulk sync of 10,000 spaces (and its resync: delete 10,000 + create 10,000), timed;
 *  - RSS of the bridge once it holds 100,000 coSpaces and has served pages over all of them.
 * Targets (2 cores): GET page >= 5,000 req/s, bulk sync of 10,000 < 3 s, RSS with 100,000 < 300 MB.
 * BENCH_DURATION (seconds per load run, default 10), BENCH_CONNECTIONS (default 10).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { basicAuth, BIN, load, memoryOf, spawnService, type LoadResult, type Service } from './support/services.ts';

const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const PG_URL = process.env['SWITCHBOARD_BENCH_PG'] ?? process.env['SWITCHBOARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const USER = 'bench';
const PASSWORD = 'bench-password';
const AUTH = basicAuth(USER, PASSWORD);
const TARGET_RPS = 5000;
const TARGET_SYNC_MS = 3000;
const TARGET_RSS_MB = 300;

async function api(base: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: string): Promise<{ status: number; text: string; location: string | undefined }> {
  const res = await request(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: AUTH, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.body.text();
  const location = res.headers['location'];
  return { status: res.statusCode, text, location: typeof location === 'string' ? location : undefined };
}

async function create(base: string, path: string, body: string): Promise<string> {
  const res = await api(base, 'POST', path, body);
  if (res.status !== 200 || res.location === undefined) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return res.location.slice(res.location.lastIndexOf('/') + 1);
}

/** POSTs a sync of the set and polls until it ends; the time from the POST to seeing `complete`. */
async function timedSync(base: string, setId: string): Promise<number> {
  const started = performance.now();
  const syncId = await create(base, '/cospaceBulkSyncs', `cospaceBulkParameterSet=${setId}`);
  for (;;) {
    const status = /<status>(\w+)<\/status>/.exec((await api(base, 'GET', `/cospaceBulkSyncs/${syncId}`)).text)?.[1];
    if (status === 'complete') return performance.now() - started;
    if (status !== 'pending' && status !== 'running') throw new Error(`sync ended ${String(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function randomOffset(total: number): number {
  return Math.floor(Math.random() * Math.max(1, total - 20));
}

interface DialectFigures {
  label: string;
  syncMs: number;
  resyncMs: number;
  sync90kMs: number;
  get: LoadResult;
  put: LoadResult;
  get100k: LoadResult;
  rssMb: number;
  peakMb: number;
}

async function startBridge(database: string, dataDir: string, name: string): Promise<Service> {
  return spawnService([BIN, 'bridge', '--listen', '127.0.0.1:0', '--database', database, '--data', dataDir, '--name', name, '--api-user', USER, '--api-password', PASSWORD], {
    SWITCHBOARD_LOG_LEVEL: 'info',
  });
}

async function benchBridge(label: string, database: string, dataDir: string, baselineBodyFile: string | undefined): Promise<{ figures: DialectFigures; sampleBody: string }> {
  const bridge = await startBridge(database, dataDir, `bench-${label}`);
  try {
    const base = bridge.url;
    const setId = await create(base, '/cospaceBulkParameterSets', 'startIndex=1&endIndex=10000&coSpaceUriMapping=bench.$index$&coSpaceNameMapping=Bench%20Room%20$index$&coSpaceCallIdMapping=70$index$');
    const syncMs = await timedSync(base, setId);
    const resyncMs = await timedSync(base, setId);
    console.log(`[${label}] bulk sync 10,000: ${syncMs.toFixed(0)} ms; resync (delete 10,000 + create 10,000): ${resyncMs.toFixed(0)} ms`);

    const sample = await api(base, 'GET', '/coSpaces?offset=5000&limit=20');
    if (baselineBodyFile !== undefined) writeFileSync(baselineBodyFile, sample.text);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(...[...(await api(base, 'GET', `/coSpaces?offset=${randomOffset(10_000)}`)).text.matchAll(/coSpace id="([^"]+)"/g)].map((m) => m[1] ?? ''));

    const get = await load(base, {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: { authorization: AUTH },
      serverPid: bridge.pid,
      next: () => ({ method: 'GET', path: `/api/v1/coSpaces?offset=${randomOffset(10_000)}&limit=20` }),
    });
    console.log(`[${label}] GET /coSpaces page (10,000 spaces, random offsets): ${get.requestsPerSecond.toFixed(0)} req/s, p50 ${get.latencyP50Ms} ms, p99 ${get.latencyP99Ms} ms, non-2xx ${get.non2xx}, errors ${get.errors}`);
    let n = 0;
    const put = await load(base, {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: { authorization: AUTH },
      serverPid: bridge.pid,
      next: () => ({ method: 'PUT', path: `/api/v1/coSpaces/${ids[Math.floor(Math.random() * ids.length)] ?? ''}`, body: `name=Bench%20${n++}&passcode=${n % 10000}` }),
    });
    console.log(`[${label}] PUT /coSpaces/<id>: ${put.requestsPerSecond.toFixed(0)} req/s, p50 ${put.latencyP50Ms} ms, p99 ${put.latencyP99Ms} ms, non-2xx ${put.non2xx}, errors ${put.errors}`);

    const bigSet = await create(base, '/cospaceBulkParameterSets', 'startIndex=10001&endIndex=100000&coSpaceUriMapping=bench.$index$&coSpaceNameMapping=Bench%20Room%20$index$&coSpaceCallIdMapping=70$index$');
    const sync90kMs = await timedSync(base, bigSet);
    console.log(`[${label}] bulk sync 90,000 more (100,000 in all): ${sync90kMs.toFixed(0)} ms`);
    const get100k = await load(base, {
      connections: CONNECTIONS,
      durationSeconds: Math.max(3, Math.round(DURATION / 2)),
      headers: { authorization: AUTH },
      serverPid: bridge.pid,
      next: () => ({ method: 'GET', path: `/api/v1/coSpaces?offset=${randomOffset(100_000)}&limit=20` }),
    });
    const memory = memoryOf(bridge.pid);
    console.log(`[${label}] GET /coSpaces page (100,000 spaces): ${get100k.requestsPerSecond.toFixed(0)} req/s; bridge RSS ${memory.rssMb.toFixed(0)} MB (peak ${memory.peakMb.toFixed(0)} MB)`);
    return { figures: { label, syncMs, resyncMs, sync90kMs, get, put, get100k, rssMb: memory.rssMb, peakMb: memory.peakMb }, sampleBody: sample.text };
  } finally {
    await bridge.stop();
  }
}

async function baseline(bodyFile: string): Promise<{ get: LoadResult; put: LoadResult }> {
  const bare = await spawnService(['--import', 'tsx', join(import.meta.dirname, 'support', 'bareServer.ts'), bodyFile]);
  try {
    const get = await load(bare.url, { connections: CONNECTIONS, durationSeconds: DURATION, serverPid: bare.pid, next: () => ({ method: 'GET', path: `/api/v1/coSpaces?offset=${randomOffset(10_000)}&limit=20` }) });
    const put = await load(bare.url, { connections: CONNECTIONS, durationSeconds: DURATION, serverPid: bare.pid, next: () => ({ method: 'PUT', path: '/api/v1/coSpaces/x', body: 'name=Bench' }) });
    console.log(`[bare fastify] GET same-size XML: ${get.requestsPerSecond.toFixed(0)} req/s; PUT empty 200: ${put.requestsPerSecond.toFixed(0)} req/s`);
    return { get, put };
  } finally {
    await bare.stop();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

function cpu(l: LoadResult): string {
  return l.cpuMicrosPerRequest === undefined ? '?' : `${l.cpuMicrosPerRequest.toFixed(0)} µs CPU/req (one core ≈ ${(1e6 / l.cpuMicrosPerRequest).toFixed(0)} req/s)`;
}

function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'MISSES target';
}

const dir = mkdtempSync(join(tmpdir(), 'sb-bench-api-'));
try {
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; ${DURATION} s per load run, ${CONNECTIONS} connections`);
  const bodyFile = join(dir, 'page.xml');
  const results: DialectFigures[] = [];
  const sqlite = await benchBridge('sqlite', `sqlite:${join(dir, 'bridge.db')}`, dir, bodyFile);
  results.push(sqlite.figures);
  const ceiling = await baseline(bodyFile);
  if (await postgresReachable()) {
    const schema = `bench_api_${process.pid}`;
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    try {
      results.push((await benchBridge('postgres', url.toString(), dir, undefined)).figures);
    } finally {
      await dropSchema(schema);
    }
  } else {
    console.log(`[postgres] skipped: ${PG_URL} unreachable`);
  }

  console.log('\nsummary (ratios are against the bare Fastify server measured in this run)');
  console.log(`  page size: ${Buffer.byteLength(sqlite.sampleBody)} bytes (20 coSpaces)`);
  console.log(`  [bare] GET ${ceiling.get.requestsPerSecond.toFixed(0)} req/s, ${cpu(ceiling.get)}; PUT ${ceiling.put.requestsPerSecond.toFixed(0)} req/s, ${cpu(ceiling.put)}`);
  for (const r of results) {
    console.log(`  [${r.label}] GET page ${r.get.requestsPerSecond.toFixed(0)} req/s = ${(r.get.requestsPerSecond / ceiling.get.requestsPerSecond).toFixed(2)} × bare (${verdict(r.get.requestsPerSecond >= TARGET_RPS)} ${TARGET_RPS}); ${cpu(r.get)}`);
    console.log(`  [${r.label}] GET page at 100,000 spaces ${r.get100k.requestsPerSecond.toFixed(0)} req/s = ${(r.get100k.requestsPerSecond / ceiling.get.requestsPerSecond).toFixed(2)} × bare; ${cpu(r.get100k)}`);
    console.log(`  [${r.label}] PUT coSpace ${r.put.requestsPerSecond.toFixed(0)} req/s = ${(r.put.requestsPerSecond / ceiling.put.requestsPerSecond).toFixed(2)} × bare PUT; ${cpu(r.put)}`);
    console.log(`  [${r.label}] bulk sync 10,000: ${r.syncMs.toFixed(0)} ms (${verdict(r.syncMs < TARGET_SYNC_MS)} < ${TARGET_SYNC_MS} ms); resync ${r.resyncMs.toFixed(0)} ms; 90,000 more ${r.sync90kMs.toFixed(0)} ms`);
    console.log(`  [${r.label}] RSS with 100,000 coSpaces: ${r.rssMb.toFixed(0)} MB, peak ${r.peakMb.toFixed(0)} MB (${verdict(r.rssMb < TARGET_RSS_MB)} < ${TARGET_RSS_MB} MB)`);
  }
  const failures = results.flatMap((r) => [r.get, r.put, r.get100k]).filter((l) => l.non2xx > 0 || l.errors > 0);
  if (failures.length > 0) {
    console.error('some load requests failed (non-2xx or errors): figures above are not valid');
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
