/**
 * Scheduler start-burst benchmark: N meetings (default 1,000) booked to start in the same minute, each
 * with 5 dial-out participants, run by a real scheduler (in this process, real clock, its runner waking
 * as in production, SQLite) against a real bridge process (`switchboard bridge`, SQLite, the simulator's
 * endpoints answering every dial-out).
 *
 *  - start skew per meeting: from its scheduled start to the bridge answering its POST /calls (the
 *    scheduler's audit record of that request: sent at + duration); p50 / p99 / max. Target: max < 2 s.
 *  - CMS requests/s the scheduler made during the burst, against the bridge's own ceiling measured in the
 *    same run (autocannon GET /api/v1/system/status, keep-alive, BENCH_CONNECTIONS connections).
 *
 * BENCH_MEETINGS (default 1000), BENCH_DIAL_OUTS (default 5), BENCH_DURATION (ceiling run, seconds, default 5),
 * BENCH_CONNECTIONS (default 10), BENCH_CONCURRENCY (runner actions at once, default: the runner's),
 * BENCH_START_CONCURRENCY (starts per bridge between space claim and POST /calls at once, default: the runner's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startScheduler } from '../src/scheduler/server.ts';
import { SecretBox } from '../src/scheduler/secrets.ts';
import { createLogger } from '../src/shared/logger.ts';
import { basicAuth, BIN, cpuSecondsOf, load, spawnService } from './support/services.ts';

const MEETINGS = Number(process.env['BENCH_MEETINGS'] ?? 1000);
const DIAL_OUTS = Number(process.env['BENCH_DIAL_OUTS'] ?? 5);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 5);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const CONCURRENCY = process.env['BENCH_CONCURRENCY'] === undefined ? undefined : Number(process.env['BENCH_CONCURRENCY']);
const START_CONCURRENCY = process.env['BENCH_START_CONCURRENCY'] === undefined ? undefined : Number(process.env['BENCH_START_CONCURRENCY']);
const TARGET_MAX_SKEW_MS = 2000;
const USER = 'bench';
const PASSWORD = 'bench-password';
const SCHEDULER_USER = { user: 'planner', password: 'planner-password' };

async function call(url: string, method: string, auth: string, body?: string, type = 'application/x-www-form-urlencoded'): Promise<{ status: number; text: string }> {
  const res = await request(url, { method: method as 'GET', headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': type }) }, ...(body === undefined ? {} : { body }) });
  return { status: res.statusCode, text: await res.body.text() };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-scheduler-'));
  const bridge = await spawnService(
    [BIN, 'bridge', '--listen', '127.0.0.1:0', '--database', `sqlite:${join(dir, 'bridge.db')}`, '--data', join(dir, 'bridge'), '--name', 'CallBridge-Bench', '--api-user', USER, '--api-password', PASSWORD],
    { SWITCHBOARD_LOG_LEVEL: 'warn' },
  );
  const bridgeAuth = basicAuth(USER, PASSWORD);
  const schedulerAuth = basicAuth(SCHEDULER_USER.user, SCHEDULER_USER.password);
  const scheduler = await startScheduler({
    database: `sqlite:${join(dir, 'scheduler.db')}`,
    dataDir: join(dir, 'scheduler'),
    credentials: SCHEDULER_USER,
    logger: createLogger({ name: 'scheduler', level: 'warn' }),
    secrets: new SecretBox(Buffer.alloc(32, 7)),
    runner: { ...(CONCURRENCY === undefined ? {} : { concurrency: CONCURRENCY }), ...(START_CONCURRENCY === undefined ? {} : { startConcurrency: START_CONCURRENCY }) },
  });
  const sched = (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> =>
    call(`${scheduler.url}/api/v1${path}`, method, schedulerAuth, body === undefined ? undefined : JSON.stringify(body), 'application/json');
  try {
    console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${MEETINGS} meetings x ${DIAL_OUTS} dial-outs`);
    const rule = await call(`${bridge.url}/api/v1/outboundDialPlanRules`, 'POST', bridgeAuth, 'domain=example.com&priority=1');
    if (rule.status !== 200) throw new Error(`outboundDialPlanRules: ${rule.status} ${rule.text}`);

    // The bridge's own ceiling, same run: the cheapest authenticated request.
    const ceiling = await load(bridge.url, { connections: CONNECTIONS, durationSeconds: DURATION, headers: { authorization: bridgeAuth }, serverPid: bridge.pid, next: () => ({ method: 'GET', path: '/api/v1/system/status' }) });
    console.log(`bridge ceiling GET /system/status: ${ceiling.requestsPerSecond.toFixed(0)} req/s (p99 ${ceiling.latencyP99Ms} ms, non-2xx ${ceiling.non2xx}, errors ${ceiling.errors})`);

    let t0 = performance.now();
    const added = await sched('POST', '/bridges', { address: bridge.url, username: USER, password: PASSWORD });
    if (added.status !== 201) throw new Error(`add bridge: ${added.status} ${added.text}`);
    const bridgeId = (JSON.parse(added.text) as { id: string }).id;
    const configured = await sched('PATCH', `/bridges/${bridgeId}`, { name: 'Bench', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: MEETINGS } });
    const provisioned = JSON.parse(configured.text) as { provisioning?: { state?: string }; spaces?: { total?: number; missing?: number[] } };
    if (configured.status !== 200 || provisioned.provisioning?.state !== 'provisioned') throw new Error(`provision: ${configured.status} ${configured.text.slice(0, 500)}`);
    console.log(`provisioned ${provisioned.spaces?.total ?? 0} spaces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Book everything for a minute boundary far enough ahead that booking is over before it.
    const bookingBudgetMs = 15_000 + MEETINGS * 20;
    const startMs = Math.ceil((Date.now() + bookingBudgetMs) / 60_000) * 60_000;
    t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < MEETINGS; i++) {
      const res = await sched('POST', '/bookings', {
        title: `Bench ${i}`,
        organizer: 'organizer@example.com',
        start: iso(startMs),
        end: iso(startMs + 30 * 60_000),
        timeZone: 'Etc/UTC',
        participants: Array.from({ length: DIAL_OUTS }, (_, k) => ({ uri: `m${i}-${k}@example.com`, mode: 'dialOut' })),
      });
      if (res.status !== 201) throw new Error(`booking ${i}: ${res.status} ${res.text.slice(0, 300)}`);
      ids.push((JSON.parse(res.text) as { id: string }).id);
    }
    const bookedAt = Date.now();
    console.log(`booked ${MEETINGS} in ${((performance.now() - t0) / 1000).toFixed(1)} s; start at ${new Date(startMs).toISOString()} (${((startMs - bookedAt) / 1000).toFixed(1)} s ahead)`);
    if (bookedAt >= startMs) throw new Error('booking took longer than the budget; the start is already past');

    // Wait for every meeting to be live (or finished otherwise).
    const bridgeCpuBefore = cpuSecondsOf(bridge.pid);
    const deadline = startMs + 10 * 60_000;
    let live = 0;
    for (;;) {
      const rows = await scheduler.storage.db.selectFrom('meeting').select(['state']).execute();
      live = rows.filter((r) => r.state === 'live').length;
      const settled = rows.filter((r) => r.state !== 'scheduled' && r.state !== 'starting').length;
      if (settled >= MEETINGS || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const bridgeCpu = cpuSecondsOf(bridge.pid) - bridgeCpuBefore;

    const audit = await scheduler.storage.db
      .selectFrom('audit')
      .select(['booking_id', 'method', 'path', 'at_ms', 'duration_ms', 'status'])
      .where('kind', '=', 'cms')
      .where('booking_id', 'is not', null)
      .where('at_ms', '>=', startMs - 1_000)
      .execute();
    const callAnswered = new Map<string, number>();
    for (const a of audit) {
      if (a.method === 'POST' && a.path === '/api/v1/calls' && a.status === 200 && a.booking_id !== null) callAnswered.set(a.booking_id, a.at_ms + (a.duration_ms ?? 0));
    }
    const skews = ids.map((id) => callAnswered.get(id)).filter((t): t is number => t !== undefined).map((t) => t - startMs).sort((a, b) => a - b);
    const first = Math.min(...audit.map((a) => a.at_ms));
    const last = Math.max(...audit.map((a) => a.at_ms + (a.duration_ms ?? 0)));
    const rps = audit.length / Math.max(0.001, (last - first) / 1000);
    const dials = audit.filter((a) => a.method === 'POST' && /calllegs$/i.test(a.path ?? '') && a.status === 200).length;
    const legs = await call(`${bridge.url}/api/v1/callLegs?limit=1`, 'GET', bridgeAuth);
    const legTotal = /total="(\d+)"/.exec(legs.text)?.[1];

    console.log(`live: ${live}/${MEETINGS}; POST /calls answered for ${skews.length}; dial-outs answered ${dials} (bridge callLegs total ${legTotal ?? '?'})`);
    console.log(`start skew (scheduled start -> POST /calls answered): p50 ${percentile(skews, 50)} ms, p99 ${percentile(skews, 99)} ms, max ${skews.at(-1) ?? NaN} ms (target max < ${TARGET_MAX_SKEW_MS} ms)`);
    console.log(`all starts done (last request answered) ${((last - startMs) / 1000).toFixed(1)} s after the start`);
    console.log(`CMS requests during the burst: ${audit.length} in ${((last - first) / 1000).toFixed(1)} s = ${rps.toFixed(0)} req/s; bridge ceiling ${ceiling.requestsPerSecond.toFixed(0)} req/s -> ratio ${(rps / ceiling.requestsPerSecond).toFixed(2)}; bridge CPU ${bridgeCpu.toFixed(1)} s`);
    const ok = skews.length === MEETINGS && live === MEETINGS;
    if (!ok) process.exitCode = 1;
    console.log(`${(skews.at(-1) ?? Infinity) < TARGET_MAX_SKEW_MS ? 'MEETS' : 'MISSES'} the max-skew target`);
  } finally {
    await scheduler.close();
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
