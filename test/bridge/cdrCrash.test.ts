/**
 * kill -9 in the middle of delivery, then restart: every record the pipeline had committed (its
 * `flush()` resolved) before the kill is delivered, under the session of the run that made it; the
 * records of the new run carry the new session and never share a post with the old ones.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, type TestDatabase } from '../support/databases.ts';
import { TestCdrReceiver, waitUntil } from '../support/cdrReceiver.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'cdrChild.ts');

interface Child {
  readonly process: ChildProcess;
  session: string | undefined;
  committed: number;
  done: boolean;
}

function startChild(databaseUrl: string, receiverUrl: string, count: number): Child {
  const child: Child = {
    process: spawn(process.execPath, ['--import', 'tsx', CHILD, databaseUrl, receiverUrl, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] }),
    session: undefined,
    committed: -1,
    done: false,
  };
  const lines = createInterface({ input: child.process.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { session?: string; committed?: number; done?: boolean };
    if (message.session !== undefined) child.session = message.session;
    if (message.committed !== undefined) child.committed = message.committed;
    if (message.done === true) child.done = true;
  });
  return child;
}

async function kill(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill('SIGKILL');
  await exited;
}

describe('CDR pipeline killed with SIGKILL during delivery', () => {
  let database: TestDatabase;
  let receiver: TestCdrReceiver;
  const children: Child[] = [];
  before(async () => {
    database = await freshDatabase('sqlite', 'cdrcrash');
    receiver = await TestCdrReceiver.start();
  });
  after(async () => {
    for (const child of children) await kill(child);
    await receiver.close();
    await database.dispose();
  });

  test('everything committed before the kill is delivered after restart, under its old session', async () => {
    // A slow receiver: delivery lags generation, so the kill lands with records in flight and waiting.
    receiver.answer = () => ({ kind: 'status', status: 200, delayMs: 3 });
    const first = startChild(database.url, receiver.url('/cdr?system_id=crash'), 3000);
    children.push(first);
    await waitUntil(() => receiver.accepted.length >= 200 && first.committed >= 1000, 'delivery under way', 60_000);
    await kill(first);
    const committed = first.committed;
    const oldSession = first.session ?? '';
    assert.ok(committed >= 1000);
    const deliveredBeforeKill = new Set(receiver.accepted.map((r) => r.correlatorIndex)).size;
    assert.ok(deliveredBeforeKill <= committed, 'the kill landed during delivery');

    receiver.answer = () => ({ kind: 'status', status: 200 });
    const second = startChild(database.url, receiver.url('/cdr?system_id=crash'), 50);
    children.push(second);
    const newSession = (): string => second.session ?? '';
    const has = (session: string, upTo: number): boolean => {
      const seen = new Set(receiver.accepted.filter((r) => r.session === session).map((r) => r.correlatorIndex));
      for (let i = 0; i <= upTo; i++) if (!seen.has(i)) return false;
      return true;
    };
    await waitUntil(() => second.done && has(oldSession, committed) && has(newSession(), 49), 'old and new records delivered', 60_000);
    await kill(second);

    assert.notEqual(newSession(), oldSession);
    for (const post of receiver.posts) {
      assert.equal(new Set(post.records.map((r) => r.session)).size, 1, 'a post never mixes sessions');
      assert.equal(post.url, '/cdr?system_id=crash');
    }
    // Old-session records keep one recordIndex each (a re-sent record is the same record), indexes contiguous.
    const oldRecords = receiver.accepted.filter((r) => r.session === oldSession);
    const indexOf = new Map<number, number>();
    for (const r of oldRecords) {
      const seen = indexOf.get(r.correlatorIndex);
      if (seen !== undefined) assert.equal(r.recordIndex, seen);
      indexOf.set(r.correlatorIndex, r.recordIndex);
      assert.equal(r.recordIndex, r.correlatorIndex + 1);
    }
    const newRecords = receiver.accepted.filter((r) => r.session === newSession());
    assert.deepEqual(
      newRecords.map((r) => r.correlatorIndex),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
