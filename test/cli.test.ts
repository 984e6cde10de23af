/** The real `switchboard` command, spawned as users run it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { http } from './support/http.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'switchboard.js');

/** The environment without inherited credentials, so each test says exactly what it gives. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['SWITCHBOARD_API_USER'];
  delete env['SWITCHBOARD_API_PASSWORD'];
  return env;
}

describe('switchboard bridge (the CLI)', () => {
  test('starts on port 0, prints "listening on http://…", serves the API, stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    const child = spawn(
      process.execPath,
      [BIN, 'bridge', '--listen', '127.0.0.1:0', '--database', `sqlite:${join(dir, 'bridge.db')}`, '--data', dir, '--name', 'cli-node', '--api-user', 'cli', '--api-password', 'cli-secret'],
      { env: { ...cleanEnv(), SWITCHBOARD_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${String(code)} before listening: ${stderr}`)));
      });
      const status = await http('GET', `${url}/api/v1/system/status`, { auth: { user: 'cli', password: 'cli-secret' } });
      assert.equal(status.status, 200);
      assert.match(status.text, /<status>/);
      const bridges = await http('GET', `${url}/api/v1/callBridges`, { auth: { user: 'cli', password: 'cli-secret' } });
      assert.match(bridges.text, /<name>cli-node<\/name>/);
      assert.equal((await http('GET', `${url}/api/v1/system/status`, { auth: { user: 'cli', password: 'wrong' } })).status, 401);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('refuses to start without credentials: a clear message and a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    try {
      for (const extra of [[], ['--api-user', 'only-user'], ['--api-password', 'only-password']]) {
        const child = spawn(process.execPath, [BIN, 'bridge', '--listen', '127.0.0.1:0', '--database', 'sqlite::memory:', '--data', dir, ...extra], {
          env: cleanEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
        assert.notEqual(code, 0, extra.join(' '));
        assert.match(stderr, /no API credentials/, extra.join(' '));
        assert.match(stderr, /--api-user/);
        assert.doesNotMatch(stdout, /listening on/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('switchboard scheduler: SMTP settings', () => {
  test('flags or SWITCHBOARD_SMTP_* variables; none = no e-mail; incomplete settings are refused with a reason', async () => {
    const { smtpConfigFrom } = await import('../src/cli.ts');
    assert.equal(smtpConfigFrom({}, {}), undefined);
    assert.deepEqual(smtpConfigFrom({ 'smtp-host': 'mail.example.com', 'smtp-from': 'sb@example.com' }, {}), { host: 'mail.example.com', port: 587, secure: false, from: 'sb@example.com' });
    assert.deepEqual(
      smtpConfigFrom({ 'smtp-user': 'u' }, { SWITCHBOARD_SMTP_HOST: 'm', SWITCHBOARD_SMTP_SECURE: 'true', SWITCHBOARD_SMTP_FROM: 'f@example.com', SWITCHBOARD_SMTP_PASSWORD: 'p' }),
      { host: 'm', port: 465, secure: true, from: 'f@example.com', auth: { user: 'u', pass: 'p' } },
    );
    const problem = (v: Parameters<typeof smtpConfigFrom>[0]): string => {
      const r = smtpConfigFrom(v, {});
      assert.equal(typeof r, 'string');
      return r as string;
    };
    assert.match(problem({ 'smtp-host': 'm', 'smtp-from': 'f@example.com', 'smtp-port': '99999' }), /--smtp-port/);
    assert.match(problem({ 'smtp-host': 'm' }), /--smtp-from/);
    assert.match(problem({ 'smtp-host': 'm', 'smtp-from': 'f@example.com', 'smtp-user': 'u' }), /go together/);
  });
});

describe('switchboard scheduler: lease time', () => {
  test('--lease-seconds takes whole seconds from 1 to 3600; anything else is refused before starting', async () => {
    const { main } = await import('../src/cli.ts');
    for (const bad of ['0', '-5', '1.5', 'soon', '3601']) {
      const err: string[] = [];
      const code = await main(['scheduler', '--database', 'sqlite::memory:', '--api-user', 'u', '--api-password', 'p', `--lease-seconds=${bad}`], { out: () => undefined, err: (line: string) => err.push(line) });
      assert.equal(code, 2, bad);
      assert.match(err.join('\n'), /--lease-seconds takes a whole number of seconds/, bad);
    }
  });
});
