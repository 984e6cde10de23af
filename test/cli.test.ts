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

describe('switchboard <command> --help', () => {
  /** Runs the CLI in this process; what it printed and its exit code. */
  async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const { main } = await import('../src/cli.ts');
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const out: string[] = [];
    const err: string[] = [];
    try {
      const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) Reflect.deleteProperty(process.env, key);
      Object.assign(process.env, saved);
    }
  }

  test('bridge, collector, scheduler and up: --help and -h print every flag with its default, and exit 0', async () => {
    const { bridgeCommand } = await import('../src/bridge/config.ts');
    const { collectorCommand } = await import('../src/collector/config.ts');
    const { schedulerCommand } = await import('../src/scheduler/config.ts');
    const { upCommand } = await import('../src/upConfig.ts');
    for (const spec of [bridgeCommand, collectorCommand, schedulerCommand, upCommand]) {
      for (const flag of ['--help', '-h']) {
        const { code, out } = await cli([spec.name, flag]);
        assert.equal(code, 0, `${spec.name} ${flag}`);
        assert.match(out, new RegExp(`^usage: switchboard ${spec.name} \\[options\\]`));
        for (const option of Object.values(spec.options)) {
          const escaped = option.flag.replace(/-/g, '\\-');
          assert.match(out, new RegExp(`\\n  --${escaped}\\b[^\\n]*\\n +default: [^\\n]+`), `${spec.name}: --${option.flag} and its default`);
        }
      }
    }
    assert.match((await cli(['collector', '--help'])).out, /--sqlite-sync full\|normal .*\n +default: full; env: SWITCHBOARD_COLLECTOR_SQLITE_SYNC/);
    assert.match((await cli(['up', '--help'])).out, /--listen HOST:PORT .*\n +default: 127\.0\.0\.1:8080; env: SWITCHBOARD_UP_LISTEN/);
  });

  test('the top-level help lists the commands; `help <command>` is its --help', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    for (const name of ['bridge', 'collector', 'scheduler', 'up']) assert.match(top.out, new RegExp(`\\n  ${name} +\\S`));
    const help = await cli(['help', 'scheduler']);
    assert.equal(help.code, 0);
    assert.match(help.out, /--lease-seconds N .*\n +default: 60; env: SWITCHBOARD_SCHEDULER_LEASE_SECONDS/);
  });

  test('unknown flags are refused as before; a bad value from the environment names the flag and the variable', async () => {
    const unknown = await cli(['up', '--bogus']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /Unknown option '--bogus'/);
    const bad = await cli(['scheduler', '--database', 'sqlite::memory:', '--api-user', 'u', '--api-password', 'p'], { SWITCHBOARD_SCHEDULER_LEASE_SECONDS: '0' });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--lease-seconds takes a whole number of seconds \(1 to 3600\), not "0" \(from SWITCHBOARD_SCHEDULER_LEASE_SECONDS\)/);
    const sync = await cli(['collector', '--api-user', 'u', '--api-password', 'p', '--database', 'sqlite::memory:'], { SWITCHBOARD_COLLECTOR_SQLITE_SYNC: 'off' });
    assert.equal(sync.code, 2);
    assert.match(sync.err, /--sqlite-sync takes full or normal, not "off" \(from SWITCHBOARD_COLLECTOR_SQLITE_SYNC\)/);
  });
});
