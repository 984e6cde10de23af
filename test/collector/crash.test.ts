/**
 * Durability: the real CLI is SIGKILLed in the middle of a flood of posts, restarted on the same
 * database, and every record it acknowledged with 200 must be there; posts are all-or-nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Agent, request } from 'undici';
import { forEachDialect, freshDatabase, type TestDatabase } from '../support/databases.ts';
import { http } from '../support/http.ts';
import { body, recordsXml } from '../support/cdrXml.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'switchboard.js');
const API = { user: 'crash', password: 'crash-test-password' };

async function startCli(database: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'collector', '--listen', '127.0.0.1:0', '--database', database, '--data', dataDir, '--api-user', API.user, '--api-password', API.password], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}: ${err}`)));
  });
  return { child, url };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

forEachDialect('collector crash safety', (dialect) => {
  let database: TestDatabase;
  const children: ChildProcess[] = [];
  before(async () => {
    database = await freshDatabase(dialect, 'crash');
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database.dispose();
  });

  it('loses nothing that was acknowledged when killed mid-flood', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-crash-'));
    const first = await startCli(database.url, dataDir);
    children.push(first.child);
    const session = 'sess-crash';
    const perPost = 10;
    const senders = 4;
    const acked: number[][] = [];
    let next = 0;
    const state = { killed: false };
    const agent = new Agent({ connections: senders, pipelining: 1 });
    const send = async (): Promise<void> => {
      while (!state.killed) {
        const firstIndex = next;
        next += perPost;
        const indexes = Array.from({ length: perPost }, (_v, i) => firstIndex + i);
        const xml = recordsXml(
          session,
          indexes.map((i) => ({ type: 'callLegStart', time: '2026-01-05T09:00:00Z', correlatorIndex: i, recordIndex: i + 1, body: body.legStart(`crash-${i}`) })),
        );
        try {
          const res = await request(`${first.url}/cdr`, { method: 'POST', body: xml, headers: { 'content-type': 'text/xml' }, dispatcher: agent });
          await res.body.text();
          if (res.statusCode === 200) acked.push(indexes);
        } catch {
          return; // connection lost: the collector is gone; this post was not acknowledged
        }
        if (acked.length >= 60) {
          state.killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: senders }, send));
    await exited(first.child);
    await agent.close();
    assert.equal(first.child.signalCode, 'SIGKILL');

    const second = await startCli(database.url, dataDir);
    children.push(second.child);
    const stored = new Set<number>();
    for (let offset = 0; ; offset += 1000) {
      const res = await http('GET', `${second.url}/api/v1/records?session=${session}&limit=1000&offset=${offset}`, { auth: API });
      assert.equal(res.status, 200, res.text);
      const page = JSON.parse(res.text).records as { correlatorIndex: number }[];
      for (const r of page) stored.add(r.correlatorIndex);
      if (page.length < 1000) break;
    }
    const ackedCount = acked.flat().length;
    assert.ok(ackedCount >= 600, `flood acknowledged ${ackedCount} records before the kill`);
    const lost = acked.flat().filter((i) => !stored.has(i));
    assert.deepEqual(lost, [], 'every acknowledged record survived the kill');
    // All or nothing per post: a post is either wholly stored or not at all.
    for (let firstIndex = 0; firstIndex < next; firstIndex += perPost) {
      const present = Array.from({ length: perPost }, (_v, i) => stored.has(firstIndex + i)).filter(Boolean).length;
      assert.ok(present === 0 || present === perPost, `post starting at ${firstIndex} is partly stored (${present}/${perPost})`);
    }
    // Legs stored with the records: the model is committed with them.
    const legs = await http('GET', `${second.url}/api/v1/callLegs?limit=1`, { auth: API });
    assert.equal(JSON.parse(legs.text).total, stored.size);
    second.child.kill('SIGTERM');
    await exited(second.child);
    assert.equal(second.child.exitCode, 0);
  });
});
