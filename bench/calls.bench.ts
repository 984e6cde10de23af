/**
 * Call engine benchmark (standalone: `node --import tsx bench/calls.bench.ts`).
 *
 * 1. POST /calls rate against a real bridge vs a bare Fastify handler that answers the same way
 *    (200 + Location) in the same run: the ratio is the cost of auth, form parsing, validation and
 *    the engine on top of HTTP.
 * 2. 1,000 concurrent call legs held (dial-ins through the simulator): CPU % and RSS while held.
 *
 * BENCH_SECONDS (default 5) sets each autocannon run's length. Run with `--expose-gc` for steadier memory figures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { request } from 'undici';
import { silentLogger } from '../src/shared/logger.ts';
import { startBridge } from '../src/bridge/server.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const API = { user: 'bench', password: 'bench-password' };
const SIM = { user: 'sim', password: 'sim-password' };
const basic = (c: { user: string; password: string }): string => `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;

async function rate(url: string, body: string, auth?: string): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
    connections: 10,
    duration: SECONDS,
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  // Baseline: the same answer from a bare handler.
  const bare = Fastify({ logger: false });
  bare.post('/api/v1/calls', (_req, reply) => reply.code(200).header('location', '/api/v1/calls/00000000-0000-0000-0000-000000000000').send(''));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareAddress = bare.server.address();
  const barePort = typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0;

  const bridge = await startBridge({
    database: `sqlite:${join(mkdtempSync(join(tmpdir(), 'sb-bench-calls-')), 'bridge.db')}`,
    dataDir: mkdtempSync(join(tmpdir(), 'sb-bench-data-')),
    credentials: API,
    listen: { host: '127.0.0.1', port: 0 },
    name: 'bench',
    logger: silentLogger(),
    apiTrace: false,
    sim: { credentials: SIM },
  });
  const base = bridge.httpUrl ?? bridge.url;

  const baseline = await rate(`http://127.0.0.1:${barePort}/api/v1/calls`, 'name=Bench');
  const calls = await rate(`${base}/api/v1/calls`, 'name=Bench', basic(API));
  await bare.close();
  const callsMade = bridge.ctx.engine.calls().length;
  for (const call of bridge.ctx.engine.calls()) bridge.ctx.engine.endCall(call.id);

  // 1,000 legs held in one coSpace call.
  const space = await request(`${base}/api/v1/coSpaces`, {
    method: 'POST',
    headers: { authorization: basic(API), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=Held&uri=held.room',
  });
  await space.body.text();
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const LEGS = 1000;
  const started = Date.now();
  for (let i = 0; i < LEGS; i++) {
    const res = await request(`${base}/sim/v1/dialIns`, {
      method: 'POST',
      headers: { authorization: basic(SIM), 'content-type': 'application/json' },
      body: JSON.stringify({ uri: 'held.room', remoteParty: `user${i}@example.com` }),
    });
    const json = (await res.body.json()) as { state: string };
    if (json.state !== 'connected') throw new Error(`leg ${i} did not connect: ${JSON.stringify(json)}`);
  }
  const dialInMs = Date.now() - started;
  const active = bridge.ctx.liveStatus().callLegsActive;
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuStart);
  const wallUs = Number(process.hrtime.bigint() - wallStart) / 1000;
  global.gc?.();
  const { rss: rssHeld, heapUsed: heapHeld } = process.memoryUsage();
  await bridge.close();

  const lines = [
    `POST /calls (ad hoc, 10 connections, ${SECONDS}s): ${calls.rps.toFixed(0)} req/s (p99 ${calls.p99} ms, ${calls.errors} errors, ${callsMade} calls live at the end)`,
    `bare Fastify handler, same answer:           ${baseline.rps.toFixed(0)} req/s (p99 ${baseline.p99} ms)`,
    `ratio bridge / bare: ${(calls.rps / baseline.rps).toFixed(3)}`,
    `${LEGS} dial-ins through /sim/v1: ${dialInMs} ms (${((LEGS / dialInMs) * 1000).toFixed(0)} legs/s); callLegsActive=${active}`,
    `held ${LEGS} legs for ${SECONDS}s: CPU ${(((cpu.user + cpu.system) / wallUs) * 100).toFixed(2)} % of one core; RSS ${(rssHeld / 2 ** 20).toFixed(1)} MiB; heap +${((heapHeld - heapBefore) / 2 ** 20).toFixed(1)} MiB for the legs (${((heapHeld - heapBefore) / LEGS / 1024).toFixed(1)} KiB each)`,
  ];
  for (const line of lines) process.stdout.write(`${line}\n`);
}

await main();
