/**
 * CDR delivery throughput: records emitted into the real pipeline (durable SQLite outbox, one pusher,
 * 100 records per post) and delivered to a local receiver, against a bare loopback POST loop of the
 * same bodies over one keep-alive connection (the ceiling) measured in the same run.
 *
 *   node --import tsx bench/cdr.bench.ts [records=50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Agent } from 'undici';
import { CdrPipeline } from '../src/bridge/cdr/cdrPipeline.ts';
import { renderRecordBody, renderRecords } from '../src/bridge/cdr/xml.ts';
import { BridgeStorage } from '../src/bridge/storage/index.ts';
import { systemClock } from '../src/shared/clock.ts';
import { silentLogger } from '../src/shared/logger.ts';
import { sampleRecord } from '../test/support/cdrRecords.ts';

const TOTAL = Number(process.argv[2] ?? 50_000);
const BATCH = 100;

interface Receiver {
  readonly url: string;
  readonly stats: { delivered: number; posts: number; failed: number };
  close(): Promise<void>;
}

/** Answers 200, or 500 to every `failEvery`-th post (5 → 20%). */
async function startReceiver(failEvery: number): Promise<Receiver> {
  const state = { delivered: 0, posts: 0, failed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.posts += 1;
      if (failEvery > 0 && state.posts % failEvery === 0) {
        state.failed += 1;
        res.statusCode = 500;
        res.end();
        return;
      }
      const body = Buffer.concat(chunks).toString('latin1');
      let n = 0;
      for (let i = body.indexOf('<record '); i !== -1; i = body.indexOf('<record ', i + 8)) n++;
      state.delivered += n;
      res.statusCode = 200;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/cdr`,
    stats: state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function ceiling(receiver: Receiver): Promise<number> {
  const bodies: string[] = [];
  for (let i = 0; i < TOTAL; i += BATCH) {
    const records = Array.from({ length: Math.min(BATCH, TOTAL - i) }, (_, k) => {
      const body = sampleRecord(i + k);
      return { type: body.type, timeMs: Date.now(), correlatorIndex: i + k, recordIndex: i + k + 1, missing: 0, body: renderRecordBody(body) };
    });
    bodies.push(renderRecords('00000000-0000-4000-8000-000000000000', undefined, records));
  }
  const agent = new Agent({ connections: 1, pipelining: 1 });
  const { origin, pathname } = new URL(receiver.url);
  const start = performance.now();
  for (const body of bodies) {
    const res = await agent.request({ origin, path: pathname, method: 'POST', headers: { 'content-type': 'text/xml' }, body });
    await res.body.dump();
  }
  const seconds = (performance.now() - start) / 1000;
  await agent.close();
  return TOTAL / seconds;
}

async function pipelineRun(receiver: Receiver, label: string): Promise<{ generated: number; delivered: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cdr-bench-'));
  const storage = await BridgeStorage.open(`sqlite:${join(dir, 'bridge.db')}`);
  const pipeline = await CdrPipeline.start({
    storage,
    clock: systemClock,
    logger: silentLogger(),
    callBridgeId: '00000000-0000-4000-8000-00000000b0b0',
    config: { batchSize: BATCH, maxBacklog: TOTAL * 2, initialBackoffMs: 5, maxBackoffMs: 50 },
  });
  await pipeline.createReceiver(receiver.url);
  const before = receiver.stats.delivered;
  const start = performance.now();
  for (let i = 0; i < TOTAL; i += 10) {
    pipeline.emit(Date.now(), Array.from({ length: Math.min(10, TOTAL - i) }, (_, k) => sampleRecord(i + k)));
    if (i % 200 === 190) await yieldToLoop();
  }
  const generatedSeconds = (performance.now() - start) / 1000;
  while (receiver.stats.delivered - before < TOTAL) await new Promise((resolve) => setTimeout(resolve, 2));
  const seconds = (performance.now() - start) / 1000;
  await pipeline.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  const result = { generated: TOTAL / generatedSeconds, delivered: TOTAL / seconds };
  console.log(`${label}: generated ${Math.round(result.generated)} records/s, delivered ${Math.round(result.delivered)} records/s`);
  return result;
}

const fast = await startReceiver(0);
const ceilingRate = await ceiling(fast);
console.log(`ceiling (bare loopback POST loop, ${BATCH} records/post, one connection): ${Math.round(ceilingRate)} records/s`);
const good = await pipelineRun(fast, 'pipeline → fast receiver');
await fast.close();
const flaky = await startReceiver(5);
const bad = await pipelineRun(flaky, 'pipeline → receiver failing 20% of posts');
console.log(`  (${flaky.stats.failed} of ${flaky.stats.posts} posts answered 500)`);
await flaky.close();
console.log(
  JSON.stringify(
    {
      records: TOTAL,
      ceilingRecordsPerSecond: Math.round(ceilingRate),
      fastReceiver: { delivered: Math.round(good.delivered), generated: Math.round(good.generated), ratioToCeiling: +(good.delivered / ceilingRate).toFixed(3) },
      failing20pct: { delivered: Math.round(bad.delivered), generated: Math.round(bad.generated), ratioToCeiling: +(bad.delivered / ceilingRate).toFixed(3) },
    },
    null,
    2,
  ),
);
