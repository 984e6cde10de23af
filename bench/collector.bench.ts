/**
 * CDR collector ingest benchmark (standalone): the real CLI in a child process, fed over HTTP
 * keep-alive by this process, on SQLite and/or Postgres.
 *
 *   node --import tsx bench/collector.bench.ts [--records 1000000] [--dialects sqlite,postgres]
 *        [--single-posts 20000] [--concurrency 4] [--raw-records 200000] [--sqlite-sync full|normal]
 *        [--cpu-prof DIR]   (writes a V8 CPU profile of the collector process into DIR)
 *        [--node-flags "..."]   (extra Node/V8 flags for the collector process, e.g. --trace-gc)
 *        [--prefetch 16]   (post bodies this process builds ahead while it waits for answers; 0 = on demand)
 *        [--ids guid|sequential]   (object ids: GUIDs as a real bridge sends (default), or call-N / leg-N-k)
 *
 * Per dialect:
 *  1. ceiling: a raw insert loop of the same cdr_record rows straight into the same schema (no HTTP,
 *     no parsing, no dedup model), in transactions of 50 rows — measured in this run;
 *  2. single-record posts (one record per POST) → posts/s;
 *  3. batched posts of 50 records until --records are stored → records/s, ratio to the ceiling;
 *  4. re-posting a slice: duplicates acknowledged, nothing stored;
 *  5. report queries at that size (ms);
 *  6. peak RSS of the collector process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Pool, request } from 'undici';
import { CollectorStorage, WAL_AUTOCHECKPOINT_FRAMES } from '../src/collector/storage/index.ts';
import { dropPostgresSchema } from '../src/shared/database.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    'single-posts': { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '4' },
    'raw-records': { type: 'string', default: '200000' },
    'sqlite-sync': { type: 'string', default: 'full' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    prefetch: { type: 'string', default: '16' },
    ids: { type: 'string', default: 'guid' },
    pg: { type: 'string', default: process.env['SWITCHBOARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const TARGET = Number(values.records);
const SINGLE_POSTS = Number(values['single-posts']);
const CONCURRENCY = Number(values.concurrency);
const RAW_RECORDS = Number(values['raw-records']);
const API = { user: 'bench', password: 'bench-password' };
const AUTH = `Basic ${Buffer.from(`${API.user}:${API.password}`).toString('base64')}`;
const BIN = join(import.meta.dirname, '..', 'bin', 'switchboard.js');

// ---- synthetic traffic: calls of 3 legs (start, update, end each) over 30 days, 100 spaces, 2000 parties
const LEGS_PER_CALL = 3;
const RECORDS_PER_CALL = 2 + LEGS_PER_CALL * 3;
const T0 = Date.UTC(2026, 0, 1);
const SPAN_MS = 30 * 86_400_000;

const GUID_IDS = values.ids === 'guid';
if (!['sequential', 'guid'].includes(values.ids)) throw new Error(`--ids takes sequential or guid, not ${values.ids}`);

/**
 * An object's id: `kind-n` (sequential: consecutive objects sort next to each other in every index),
 * or a GUID derived from it, as a real call bridge sends (consecutive objects land anywhere in the
 * id indexes).
 */
function objectId(kind: string, n: number | string): string {
  if (!GUID_IDS) return `${kind}-${n}`;
  const h = createHash('md5').update(`${kind}-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The bridge's CDR session. */
const SESSION = objectId('session', 'bench');

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The n-th record of the synthetic stream (correlatorIndex n). */
function record(n: number, totalCalls: number): string {
  const callNo = Math.floor(n / RECORDS_PER_CALL);
  const k = n % RECORDS_PER_CALL;
  const start = T0 + Math.floor((callNo / totalCalls) * SPAN_MS);
  const callId = objectId('call', callNo);
  const space = objectId('space', callNo % 100);
  const head = (type: string, atMs: number) => `<record type="${type}" time="${iso(atMs)}" recordIndex="${n + 1}" correlatorIndex="${n}">`;
  if (k === 0) {
    return `${head('callStart', start)}<call id="${callId}"><name>Space ${callNo % 100}</name><callType>coSpace</callType><coSpace>${space}</coSpace><callCorrelator>${objectId('corr', callNo)}</callCorrelator><tenant>tenant-${callNo % 5}</tenant></call></record>`;
  }
  if (k === RECORDS_PER_CALL - 1) {
    return `${head('callEnd', start + 1_800_000)}<call id="${callId}"><callLegsCompleted>${LEGS_PER_CALL}</callLegsCompleted><callLegsMaxActive>${LEGS_PER_CALL}</callLegsMaxActive><durationSeconds>1800</durationSeconds></call></record>`;
  }
  const leg = Math.floor((k - 1) / 3);
  const step = (k - 1) % 3;
  const legId = objectId('leg', `${callNo}-${leg}`);
  const legStart = start + leg * 60_000;
  if (step === 0) {
    return `${head('callLegStart', legStart)}<callLeg id="${legId}"><remoteParty>user${(callNo * 7 + leg) % 2000}@example.com</remoteParty><localAddress>${space}@meet.example.com</localAddress><type>sip</type><direction>incoming</direction><call>${callId}</call><sipCallId>${legId}@sip</sipCallId></callLeg></record>`;
  }
  if (step === 1) {
    return `${head('callLegUpdate', legStart + 2000)}<callLeg id="${legId}"><state>connected</state><call>${callId}</call></callLeg></record>`;
  }
  const duration = 1_800 - leg * 60;
  const lossy = callNo % 17 === 0;
  return (
    `${head('callLegEnd', legStart + duration * 1000)}<callLeg id="${legId}"><reason>${leg === 0 ? 'callDeactivated' : 'remoteTeardown'}</reason><remoteTeardown>${leg !== 0}</remoteTeardown><durationSeconds>${duration}</durationSeconds>` +
    `<mediaUsagePercentages><mainVideoViewer>100.0</mainVideoViewer><mainVideoContributor>98.0</mainVideoContributor></mediaUsagePercentages><unencryptedMedia>true</unencryptedMedia>` +
    (lossy ? '<alarm type="packetLoss" durationPercentage="3.5"/>' : '') +
    `<rxAudio><codec>opus</codec><packetStatistics><packetLossBursts><duration>0.000</duration><density>${lossy ? '0.02' : '0.00'}</density></packetLossBursts><packetGap><duration>9.701</duration><density>0.00</density></packetGap></packetStatistics></rxAudio><txAudio><codec>opus</codec></txAudio>` +
    `<rxVideo><codec>h264</codec><maxSizeWidth>1280</maxSizeWidth><maxSizeHeight>720</maxSizeHeight></rxVideo><txVideo><codec>h264</codec><maxSizeWidth>1280</maxSizeWidth><maxSizeHeight>720</maxSizeHeight></txVideo></callLeg></record>`
  );
}

function post(session: string, first: number, count: number, totalCalls: number): string {
  let xml = `<?xml version="1.0"?><records session="${session}" callBridge="bench-bridge">`;
  for (let n = first; n < first + count; n++) xml += record(n, totalCalls);
  return `${xml}</records>`;
}

// ---- the collector under test, as a child process
async function startCli(database: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const profile = values['cpu-prof'] === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']];
  const flags = values['node-flags'].split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, ...profile, BIN, 'collector', '--listen', '127.0.0.1:0', '--database', database, '--data', dataDir, '--api-user', API.user, '--api-password', API.password, '--sqlite-sync', values['sqlite-sync']], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (values['node-flags'].includes('--trace-gc')) process.stderr.write(chunk);
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`collector exited ${code}`)));
  });
  return { child, url };
}

/** The process's resident memory (MB): all, anonymous (heaps, caches) and file-backed. */
function rssMb(pid: number): { total: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { total: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: (kb('RssFile') + kb('RssShmem')) / 1024 };
}

/** CPU seconds (user + system, every thread) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Post bodies built ahead while this process waits for answers, so a connection that gets its answer
 * sends the next post at once instead of first building it (on demand, the eight connections' next
 * posts were built one after another after each group's answers, leaving the collector idle).
 */
function prefetched(next: () => string | undefined, depth: number): () => string | undefined {
  if (depth <= 0) return next;
  const ready: string[] = [];
  let done = false;
  let filling = false;
  const fill = (): void => {
    filling = false;
    // one body per turn of the event loop, so answers are still read promptly
    if (done || ready.length >= depth) return;
    const body = next();
    if (body === undefined) done = true;
    else ready.push(body);
    schedule();
  };
  const schedule = (): void => {
    if (filling || done || ready.length >= depth) return;
    filling = true;
    setImmediate(fill);
  };
  return () => {
    const body = ready.shift() ?? (done ? undefined : next());
    if (body === undefined) done = true;
    schedule();
    return body;
  };
}

async function drive(url: string, bodies: () => string | undefined, concurrency: number): Promise<{ posts: number; stored: number; duplicates: number; seconds: number }> {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  let posts = 0;
  let stored = 0;
  let duplicates = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const xml = bodies();
      if (xml === undefined) return;
      const res = await request(`${url}/cdr?system_id=bench`, { method: 'POST', body: xml, headers: { 'content-type': 'text/xml' }, dispatcher: pool });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`POST answered ${res.statusCode}: ${text}`);
      const outcome = JSON.parse(text) as { stored: number; duplicates: number };
      posts += 1;
      stored += outcome.stored;
      duplicates += outcome.duplicates;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return { posts, stored, duplicates, seconds: (performance.now() - started) / 1000 };
}

async function timeGet(url: string, path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await request(`${url}/api/v1${path}`, { headers: { authorization: AUTH } });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${text}`);
  return { ms: performance.now() - started, bytes: text.length };
}

// ---- the ceiling: raw inserts of the same rows, no HTTP/parse/model
async function rawInsertRate(dialect: 'sqlite' | 'postgres', url: string, totalCalls: number, perTransaction: number, count: number): Promise<number> {
  const storage = await CollectorStorage.open(url); // same tables and indexes as the collector
  await storage.close();
  const rows = (first: number): unknown[][] =>
    Array.from({ length: perTransaction }, (_v, i) => {
      const n = first + i;
      // An object (its GUID and its integer key, as the collector numbers objects) per 3 records.
      const object = Math.floor(n / 3);
      return [`raw-session-${perTransaction}`, 'c', n, n, n + 1, null, 'callLegEnd', T0 + n, 'bench-bridge', 'system_id=bench', objectId('obj', object), object + 1, record(n, totalCalls), Date.now()];
    });
  const cols = 'session, key_kind, key_index, correlator_index, record_index, num_preceding_missing, type, time_ms, call_bridge, source, object_id, object_seq, raw, received_ms';
  const started = performance.now();
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL'); // the page size is the collector's: CollectorStorage.open created the file
    db.pragma(`synchronous = ${values['sqlite-sync'].toUpperCase()}`);
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_FRAMES}`);
    const insert = db.prepare(`INSERT INTO cdr_record (${cols}) VALUES (${cols.split(',').map(() => '?').join(',')}) ON CONFLICT DO NOTHING`);
    const batch = db.transaction((list: unknown[][]) => {
      for (const r of list) insert.run(...r);
    });
    for (let first = 0; first < count; first += perTransaction) batch(rows(first));
    db.close();
  } else {
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? 'public';
    u.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: u.toString(), options: `-c search_path="${schema}"` });
    await client.connect();
    for (let first = 0; first < count; first += perTransaction) {
      const list = rows(first);
      const params = list.flat();
      const width = cols.split(',').length;
      const placeholders = list.map((_r, i) => `(${Array.from({ length: width }, (_v, j) => `$${i * width + j + 1}`).join(',')})`).join(',');
      await client.query(`INSERT INTO cdr_record (${cols}) VALUES ${placeholders} ON CONFLICT DO NOTHING`, params);
    }
    await client.end();
  }
  return count / ((performance.now() - started) / 1000);
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-collector-bench-'));
  const schema = `bench_collector_${process.pid}`;
  const rawSchema = `bench_collector_raw_${process.pid}`;
  const pgUrl = (s: string) => {
    const u = new URL(values.pg);
    u.searchParams.set('schema', s);
    return u.toString();
  };
  const database = dialect === 'sqlite' ? `sqlite:${join(dir, 'collector.db')}` : pgUrl(schema);
  const rawDatabase = dialect === 'sqlite' ? `sqlite:${join(dir, 'raw.db')}` : pgUrl(rawSchema);
  const totalCalls = Math.ceil(TARGET / RECORDS_PER_CALL);
  const log = (line: string) => process.stdout.write(`[${dialect}] ${line}\n`);
  try {
    const rawRate = await rawInsertRate(dialect, rawDatabase, totalCalls, 50, RAW_RECORDS);
    log(`ceiling: raw insert loop (50 rows/transaction, ${RAW_RECORDS} rows): ${Math.round(rawRate)} records/s`);
    const rawSingleRate = await rawInsertRate(dialect, rawDatabase.replace('raw.db', 'raw1.db'), totalCalls, 1, Math.min(RAW_RECORDS, 5000));
    log(`ceiling: raw insert loop (1 row/transaction): ${Math.round(rawSingleRate)} records/s`);

    const { child, url } = await startCli(database, dir);
    let peakRss = 0;
    let phase = 'single posts';
    const peaks = new Map<string, { total: number; anon: number; file: number }>();
    /** The query being timed, and the peak RSS sampled while each one ran. */
    let query = '';
    const queryPeaks = new Map<string, number>();
    const sampler = setInterval(() => {
      try {
        const rss = rssMb(child.pid ?? 0);
        peakRss = Math.max(peakRss, rss.total);
        if (rss.total > (peaks.get(phase)?.total ?? 0)) peaks.set(phase, rss);
        if (phase === 'queries') queryPeaks.set(query, Math.max(queryPeaks.get(query) ?? 0, rss.total));
      } catch {
        /* process gone */
      }
    }, 250);
    try {
      // Single-record posts: the head of the stream, one record per POST.
      let n = 0;
      const singleLimit = Math.min(SINGLE_POSTS, TARGET);
      const single = await drive(url, () => (n < singleLimit ? post(SESSION, n++, 1, totalCalls) : undefined), CONCURRENCY * 2);
      log(`single-record posts: ${single.posts} posts in ${single.seconds.toFixed(1)} s = ${Math.round(single.posts / single.seconds)} posts/s (ratio to the 1-row ceiling ${(single.posts / single.seconds / rawSingleRate).toFixed(2)})`);

      // Batched posts of 50 until TARGET records are stored.
      phase = 'batched posts';
      const batchStart = n;
      const cpuBefore = cpuSeconds(child.pid ?? 0);
      const ownCpuBefore = process.cpuUsage();
      let built = n;
      const batched = await drive(
        url,
        prefetched(() => {
          if (built >= TARGET) return undefined;
          const count = Math.min(50, TARGET - built);
          const xml = post(SESSION, built, count, totalCalls);
          built += count;
          return xml;
        }, Number(values.prefetch)),
        CONCURRENCY,
      );
      n = built;
      const rate = (n - batchStart) / batched.seconds;
      const cpu = cpuSeconds(child.pid ?? 0) - cpuBefore;
      const ownCpu = process.cpuUsage(ownCpuBefore);
      const clientCpu = (ownCpu.user + ownCpu.system) / 1e6;
      log(`batched posts (50 records): ${n - batchStart} records in ${batched.seconds.toFixed(1)} s = ${Math.round(rate)} records/s (ratio to ceiling ${(rate / rawRate).toFixed(2)})`);
      log(`  collector CPU for them: ${cpu.toFixed(1)} s = ${((cpu * 1e6) / (n - batchStart)).toFixed(1)} µs per record (${(cpu / batched.seconds).toFixed(2)} cores busy); this load generator: ${clientCpu.toFixed(1)} s (${(clientCpu / batched.seconds).toFixed(2)} cores)`);

      // Re-post a slice: all duplicates.
      phase = 're-posts';
      let m = 0;
      const dup = await drive(url, () => (m < 20_000 ? post(SESSION, (m += 50) - 50, 50, totalCalls) : undefined), CONCURRENCY);
      log(`re-posting ${dup.stored + dup.duplicates} records: stored ${dup.stored}, duplicates ${dup.duplicates}, ${Math.round((dup.stored + dup.duplicates) / dup.seconds)} records/s`);

      const status = (await (await request(`${url}/api/v1/status`, { headers: { authorization: AUTH } })).body.json()) as { records: number };
      log(`stored records: ${status.records}`);
      const range = `from=${iso(T0)}&to=${iso(T0 + SPAN_MS)}`;
      const day = `from=${iso(T0 + 10 * 86_400_000)}&to=${iso(T0 + 11 * 86_400_000)}`;
      const queries = [
        `/reports/usage?groupBy=coSpace&${range}`,
        `/reports/usage?groupBy=remoteParty&${range}`,
        `/reports/top?by=remoteParty&${range}`,
        `/reports/concurrency?${range}`,
        `/reports/concurrency?${day}`,
        `/reports/disconnectReasons?${range}`,
        `/reports/quality?${range}`,
        `/calls?coSpace=${objectId('space', 7)}&${day}`,
        // Filters without a time range (all stored time): no index serves them (migration 0002).
        `/calls?coSpace=${objectId('space', 7)}`,
        `/callLegs?remoteParty=user42@example.com`,
        `/meetings/${objectId('corr', Math.floor(totalCalls / 2))}`,
        `/calls/${objectId('call', Math.floor(totalCalls / 2))}`,
        `/callLegs?call=${objectId('call', Math.floor(totalCalls / 2))}`,
        `/sessions`,
      ];
      phase = 'queries';
      for (const q of queries) {
        query = q.split('?')[0] ?? q;
        await timeGet(url, q); // warm
        const t = await timeGet(url, q);
        log(`query ${query} (${q.includes(range) ? '30 days' : q.includes(day) ? '1 day' : 'by key'}${q.includes('groupBy=remoteParty') || q.includes('by=remoteParty') ? ', by party' : ''}): ${t.ms.toFixed(0)} ms`);
      }
      query = 'CSV of one day';
      const csv = await timeGet(url, `/callLegs?format=csv&${day}`);
      log(`CSV of one day's call legs: ${(csv.bytes / 1e6).toFixed(1)} MB in ${csv.ms.toFixed(0)} ms`);
      log(`collector peak RSS: ${peakRss.toFixed(0)} MB`);
      for (const [name, rss] of peaks) log(`  peak during ${name}: ${rss.total.toFixed(0)} MB (anonymous ${rss.anon.toFixed(0)}, file-backed ${rss.file.toFixed(0)})`);
      const highest = [...queryPeaks].sort((a, b) => b[1] - a[1]).slice(0, 3);
      log(`  highest during queries: ${highest.map(([q, mb]) => `${q} ${mb.toFixed(0)} MB`).join(', ')}`);
    } finally {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (dialect === 'postgres') {
      await dropPostgresSchema(values.pg, schema);
      await dropPostgresSchema(values.pg, rawSchema);
    }
  }
}

process.stdout.write(
  `collector bench: ${TARGET} records, ${SINGLE_POSTS} single-record posts, concurrency ${CONCURRENCY} (single posts: ${CONCURRENCY * 2}), sqlite synchronous=${values['sqlite-sync']}, node ${process.version}\n`,
);
for (const dialect of values.dialects.split(',') as ('sqlite' | 'postgres')[]) await benchDialect(dialect);
