/**
 * Peak RSS of the collector under many concurrent large CDR posts (issue 13, finding 8): the real
 * CLI in a child process on SQLite, with an ingest token, its resident memory sampled every 10 ms.
 *
 *   node --import tsx bench/collector-bodies.bench.ts [--concurrency 24] [--rounds 3] [--big-mb 32] [--large-mb 1]
 *        [--only 'large valid'] [--node-flags '--trace-gc']
 *
 * Scenarios, each on a fresh collector:
 *  - unauthenticated: `concurrency` posts of `big-mb` MB without the token (401 before the body);
 *  - oversized: the same with the token (413 before the body, past the per-post limit);
 *  - large valid: `rounds` × `concurrency` posts of `large-mb` MB of records (the per-post limit, 1 MiB;
 *    stored, or 503 past the budget);
 *  - large malformed: the same through the validator and quarantined (an entity, broken at the end).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '3' },
    'big-mb': { type: 'string', default: '32' },
    'large-mb': { type: 'string', default: '1' },
    'node-flags': { type: 'string', default: '' },
    only: { type: 'string', default: '' },
  },
});
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const BIG = Number(values['big-mb']) * 1024 * 1024;
const TOKEN = 'bench-token';
const BIN = join(import.meta.dirname, '..', 'bin', 'switchboard.js');
const LARGE = Number(values['large-mb']) * 1024 * 1024 - 4096;

async function startCli(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const flags = values['node-flags'].split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, BIN, 'collector', '--listen', '127.0.0.1:0', '--data', dataDir, '--api-user', 'bench', '--api-password', 'bench-password', '--ingest-token', TOKEN], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'error' },
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

/** Resident memory (MB): all, and anonymous (heaps; the rest is file-backed: code, the database's mapped files). */
function rssMb(pid: number): { total: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { total: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
}

/** A post of about `size` bytes of records of one session. */
function recordsPost(session: string, size: number, malformed: boolean): Buffer {
  const parts: string[] = [`<records session="${session}">`];
  let length = parts[0]?.length ?? 0;
  for (let i = 0; length < size - 2048; i++) {
    const record = `<record type="callLegStart" time="2026-01-05T09:00:00Z" correlatorIndex="${i}"><callLeg id="${session}-${i}"><remoteParty>party-${i}@example.com</remoteParty><displayName>Caller ${i}${malformed ? ' &amp; co' : ''}</displayName><localAddress>meet@example.com</localAddress><type>sip</type><direction>incoming</direction><call>${session}-call</call>${'<x>padding</x>'.repeat(40)}</callLeg></record>`;
    parts.push(record);
    length += record.length;
  }
  parts.push(malformed ? '<record type="broken"' : '</records>');
  return Buffer.from(parts.join(''));
}

async function scenario(name: string, rounds: number, post: (round: number, i: number) => { path: string; body: Buffer }): Promise<void> {
  if (values.only !== '' && !name.includes(values.only)) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bodies-'));
  const { child, url } = await startCli(dataDir);
  const pid = child.pid ?? 0;
  const idle = rssMb(pid);
  let peak = idle;
  const sampler = setInterval(() => {
    const now = rssMb(pid);
    if (now.total > peak.total) peak = now;
  }, 10);
  const statuses = new Map<string, number>();
  const agent = new Agent({ connections: CONCURRENCY * 2 });
  const started = Date.now();
  try {
    for (let r = 0; r < rounds; r++) {
      const round = Array.from({ length: CONCURRENCY }, (_p, i) => post(r, i));
      await Promise.all(
        round.map(async ({ path, body }) => {
          let status: string;
          try {
            const res = await request(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' }, dispatcher: agent });
            await res.body.dump();
            status = String(res.statusCode);
          } catch (error) {
            // The collector closes the connection of a post it refused before reading its body.
            status = `closed (${(error as { code?: string }).code ?? 'error'})`;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    clearInterval(sampler);
    await agent.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const answers = [...statuses].map(([s, n]) => `${n} × ${s}`).join(', ');
  console.log(`${name}: peak RSS ${peak.total.toFixed(0)} MB (anonymous ${peak.anon.toFixed(0)}; idle ${idle.total.toFixed(0)} MB), ${((Date.now() - started) / 1000).toFixed(1)} s; answers: ${answers}`);
}

const big = Buffer.alloc(BIG, 0x20);
big.write('<records session="big">');
console.log(`collector bodies bench: concurrency ${CONCURRENCY}, rounds ${ROUNDS}, big posts ${values['big-mb']} MB, large posts ${(LARGE / 1048576).toFixed(1)} MB, node ${process.version}`);
await scenario('unauthenticated big posts', 1, () => ({ path: '/cdr', body: big }));
await scenario('oversized big posts', 1, () => ({ path: `/cdr?token=${TOKEN}`, body: big }));
await scenario('large valid posts', ROUNDS, (round, i) => ({ path: `/cdr?token=${TOKEN}`, body: recordsPost(`valid-${round}-${i}`, LARGE, false) }));
await scenario('large malformed posts', ROUNDS, (round, i) => ({ path: `/cdr?token=${TOKEN}`, body: recordsPost(`bad-${round}-${i}`, LARGE, true) }));
