/**
 * A scheduler PROCESS killed (SIGKILL) in the middle of a meeting's start, at the step that matters:
 * just before its POST /calls reaches the bridge, or just after the bridge created the call but before
 * the answer got back. A new process on the same database takes the start over once the dead one's
 * lease has run out, and the bridge ends up with exactly one call and one leg per dial-out.
 *
 * Real processes (`switchboard scheduler`), a real bridge, real HTTP through a kill switch, and real
 * time: the processes share no clock with the test (a short lease keeps the test short).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../src/shared/clock.ts';
import { API_USER } from '../support/bridge.ts';
import { forEachDialect, freshDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { startKillSwitch, type KillMoment } from '../support/killSwitch.ts';
import { bridgeCapabilities, SCHEDULER_USER, startTracedBridge, type TracedBridge } from '../support/scheduler.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'switchboard.js');
const KEY = randomBytes(32).toString('hex');
const LEASE_SECONDS = 2;

interface SchedulerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

async function startSchedulerProcess(database: string, dataDir: string): Promise<SchedulerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'scheduler', '--listen', '127.0.0.1:0', '--database', database, '--data', dataDir, '--api-user', SCHEDULER_USER.user, '--api-password', SCHEDULER_USER.password, '--lease-seconds', String(LEASE_SECONDS)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SWITCHBOARD_SECRET_KEY: KEY, SWITCHBOARD_LOG_LEVEL: 'warn' } },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    void exited.then((how) => reject(new Error(`scheduler exited (${String(how)}) before listening: ${out}`)));
  });
  return { child, url, exited };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await http(method, `${url}/api/v1${path}`, { auth: SCHEDULER_USER, ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }) });
  return { status: res.status, json: res.text === '' ? undefined : JSON.parse(res.text), text: res.text };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const count = (b: TracedBridge, method: string, path: RegExp): number => b.trace.filter((l) => l.method === method && path.test(l.path.split('?')[0] ?? '')).length;

forEachDialect('scheduler process killed mid-start', (dialect) => {
  async function run(t: TestContext, moment: KillMoment): Promise<void> {
    const bridgeDb = await freshDatabase(dialect, 'bridge');
    const schedulerDb = await freshDatabase(dialect, 'scheduler');
    const bridge = await startTracedBridge(bridgeDb, systemClock, 'CallBridge-Kill');
    const killSwitch = await startKillSwitch(bridge.bridge.url);
    const processes: SchedulerProcess[] = [];
    t.after(async () => {
      for (const p of processes) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      await killSwitch.stop();
      await bridge.close();
      await bridgeDb.dispose();
      await schedulerDb.dispose();
    });
    const missing = await bridgeCapabilities(bridge.bridge.url);
    if (missing.length > 0) {
      t.skip(`bridge lacks ${missing.join(', ')}`);
      return;
    }
    assert.equal((await http('POST', `${bridge.bridge.url}/api/v1/outboundDialPlanRules`, { auth: API_USER, body: 'domain=example.com&priority=1' })).status, 200);
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-sched-kill-'));
    const first = await startSchedulerProcess(schedulerDb.url, dataDir);
    processes.push(first);

    // The bridge is managed through the kill switch; provisioning runs for real.
    const added = await api(first.url, 'POST', '/bridges', { address: killSwitch.url, username: API_USER.user, password: API_USER.password });
    assert.equal(added.status, 201, added.text);
    const configured = await api(first.url, 'PATCH', `/bridges/${added.json.id as string}`, { name: 'Core1', domain: 'meet.example.com', conferenceIdRange: { start: 1, end: 5 } });
    assert.equal(configured.status, 200, configured.text);
    assert.equal(configured.json.provisioning.state, 'provisioned', configured.text);

    killSwitch.arm(/^POST \/api\/v1\/calls HTTP/i, moment, () => first.child.kill('SIGKILL'));
    const local = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
    const startMs = Math.ceil((Date.now() + 3_000) / 1000) * 1000;
    const booked = await api(first.url, 'POST', '/bookings', {
      title: `Killed ${moment} POST /calls`,
      organizer: 'organizer@example.com',
      start: local(startMs),
      end: local(startMs + 3_600_000),
      timeZone: 'UTC',
      pin: '4321',
      participants: [
        { uri: 'alice@example.com', mode: 'dialOut' },
        { uri: 'bob@example.com', mode: 'dialOut' },
      ],
    });
    assert.equal(booked.status, 201, booked.text);
    const id = booked.json.id as string;

    assert.equal(await first.exited, 'SIGKILL', 'the kill switch stopped the first process at its POST /calls');
    assert.equal(count(bridge, 'PUT', /^\/api\/v1\/cospaces\/[^/]+$/i), 1, 'the space was opened before the kill');
    assert.equal(count(bridge, 'POST', /^\/api\/v1\/calls$/i), moment === 'before' ? 0 : 1);

    const second = await startSchedulerProcess(schedulerDb.url, dataDir);
    processes.push(second);
    const live = await until('the meeting to go live under the second process', async () => {
      const view = (await api(second.url, 'GET', `/bookings/${id}/occurrences/1`)).json;
      return view?.state === 'live' && view.participants.every((p: { dialState: string }) => p.dialState === 'dialled') ? view : undefined;
    });

    assert.equal(count(bridge, 'POST', /^\/api\/v1\/calls$/i), 1, 'exactly one call was ever posted');
    assert.equal(count(bridge, 'POST', /^\/api\/v1\/calls\/[^/]+\/calllegs$/i), 2, 'each participant dialled once');
    assert.equal(count(bridge, 'PUT', /^\/api\/v1\/cospaces\/[^/]+$/i), 1, 'the space was not opened twice');
    const calls = await http('GET', `${bridge.bridge.url}/api/v1/calls`, { auth: API_USER });
    assert.match(calls.text, /total="1"/);
    assert.ok(calls.text.includes(live.call as string), 'the occurrence shows the call the bridge has');
    const notes = ((await api(second.url, 'GET', `/bookings/${id}/occurrences/1/audit`)).json as Array<{ kind: string; error?: string }>).filter((e) => e.kind === 'note').map((e) => e.error ?? '');
    if (moment === 'after') assert.ok(notes.some((n) => /resumed: found call .* already on the space/.test(n)), notes.join('\n'));
  }

  test('killed just before its POST /calls reached the bridge: the next process posts the one call', (t) => run(t, 'before'));
  test('killed after the bridge created the call, before the answer came back: the next process adopts it', (t) => run(t, 'after'));
});
