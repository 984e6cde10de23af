/** `switchboard up` as a user runs it: a real process, its stdout, the web UI over HTTP, SIGTERM. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { http } from './support/http.ts';
import { WebClient } from './support/web.ts';

interface UpProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly webUrl: string;
  stop(): Promise<number | null>;
}

/** Starts `node bin/switchboard.js up` and resolves once it prints `listening on`. */
function startUp(dataDir: string): Promise<UpProcess> {
  const child = spawn(process.execPath, ['bin/switchboard.js', 'up', '--data', dataDir, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      lines.push(line);
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) {
        resolve({
          child,
          lines,
          webUrl: match[1]!,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`switchboard up exited with ${code} before listening: ${stderr}`)));
  });
}

describe('switchboard up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-up-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  let adminPassword = '';
  let bridgeLine = '';

  test('first run: creates the data, prints the URLs one per line and the admin password once; SIGTERM exits 0', async () => {
    const up = await startUp(dataDir);
    try {
      bridgeLine = up.lines.find((l) => l.startsWith('bridge API')) ?? '';
      assert.match(bridgeLine, /^bridge API +https:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      const passwordLine = up.lines.find((l) => l.startsWith('first run:'));
      adminPassword = /password (\S+)/.exec(passwordLine ?? '')?.[1] ?? '';
      assert.ok(adminPassword.length >= 16, 'a generated password is printed');
      assert.equal(up.lines.at(-1), `listening on ${up.webUrl}`);
      assert.match(up.lines.find((l) => l.startsWith('scheduler')) ?? '', /^scheduler +http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      assert.match(up.lines.find((l) => l.startsWith('collector')) ?? '', /^collector +http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      for (const file of ['bridge.db', 'collector.db', 'scheduler.db', 'ports.json', 'tls-cert.pem', 'tls-key.pem', 'secrets.json']) assert.ok(existsSync(join(dataDir, file)), file);
      assert.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o077, 0, 'secrets readable by the owner only');

      const client = new WebClient(up.webUrl);
      assert.equal((await client.login('admin', adminPassword)).status, 303);
      const bridges = await client.get('/bridges');
      assert.equal(bridges.status, 200);
      assert.match(bridges.text, /<span class="state ok">reachable<\/span>/);
      assert.match(bridges.text, /switchboard-local/);
      const home = await client.get('/');
      assert.doesNotMatch(home.text, /Not available yet/);
      assert.equal((await client.get('/bookings')).status, 200);
      const cdr = await client.get('/bridges/local/cdr');
      assert.equal((cdr.text.match(/value="http:\/\/127\.0\.0\.1:\d+\/cdr\/switchboard-up\?token=[^"]+"/g) ?? []).length, 1, 'the collector is the bridge\'s CDR receiver');
      assert.equal((await client.get('/reports')).status, 200);
    } finally {
      assert.equal(await up.stop(), 0);
    }
  });

  test('second run: reuses the data — no new admin, the same password still works', async () => {
    const up = await startUp(dataDir);
    try {
      assert.equal(up.lines.some((l) => l.startsWith('first run:')), false);
      assert.equal(up.lines.some((l) => l.includes(adminPassword)), false);
      assert.ok(up.lines.includes(bridgeLine), 'the bridge keeps its port, so stored addresses stay valid');
      const client = new WebClient(up.webUrl);
      assert.equal((await client.login('admin', adminPassword)).status, 303);
      const cdr = await client.get('/bridges/local/cdr');
      assert.equal((cdr.text.match(/\/cdr\/switchboard-up\?token=/g) ?? []).length, 1, 'no second receiver');
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
      const schedulerUrl = /^scheduler +(\S+)$/.exec(up.lines.find((l) => l.startsWith('scheduler')) ?? '')?.[1] ?? '';
      const managed = await http('GET', `${schedulerUrl}/bridges`, { auth: secrets.schedulerApi });
      const bridges = JSON.parse(managed.text);
      assert.equal(bridges.length, 1, 'the bridge is registered in the scheduler once');
      assert.equal(bridges[0].provisioning.state, 'provisioned');
      assert.deepEqual(bridges[0].conferenceIdRange, { start: 7000, end: 7099 });
      const users = await client.get('/admin/users');
      assert.equal((users.text.match(/<th scope="row">/g) ?? []).length, 1, 'one user');
    } finally {
      assert.equal(await up.stop(), 0);
    }
  });
});
