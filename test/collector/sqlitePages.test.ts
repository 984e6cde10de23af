/**
 * The collector's SQLite settings: a new database gets 8 KiB pages (fewer WAL frames per commit), a
 * database created before, with SQLite's default 4 KiB, keeps its page size and still takes posts;
 * the WAL is checkpointed every 16,000 frames.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { WAL_AUTOCHECKPOINT_FRAMES } from '../../src/collector/storage/index.ts';
import { startTestCollector } from '../support/collector.ts';
import { body, recordsXml } from '../support/cdrXml.ts';

function pageSize(path: string): number {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
}

async function storeOnePost(path: string): Promise<number> {
  const c = await startTestCollector('sqlite', { database: { dialect: 'sqlite', url: `sqlite:${path}`, dispose: () => Promise.resolve() } });
  try {
    const answer = await c.post(recordsXml('pages-session', [{ type: 'callStart', time: '2026-01-01T00:00:00Z', correlatorIndex: 1, body: body.callStart('c1', { coSpace: 's1' }) }]));
    assert.equal(answer.status, 200, answer.text);
    return (await c.get('/records?session=pages-session')).records.length as number;
  } finally {
    await c.close();
  }
}

it('creates a new database with 8 KiB pages', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-pages-')), 'collector.db');
  assert.equal(await storeOnePost(path), 1);
  assert.equal(pageSize(path), 8192);
});

it('keeps the page size of an existing database', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-pages-')), 'collector.db');
  const db = new BetterSqlite3(path);
  db.pragma('page_size = 4096');
  db.exec('CREATE TABLE unrelated (x INTEGER)');
  db.close();
  assert.equal(await storeOnePost(path), 1);
  assert.equal(pageSize(path), 4096);
});

it('checkpoints the WAL every 16,000 frames', async () => {
  const c = await startTestCollector('sqlite');
  try {
    const result = await sql<{ walAutocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(c.collector.storage.db);
    assert.equal(WAL_AUTOCHECKPOINT_FRAMES, 16_000);
    assert.deepEqual(result.rows, [{ walAutocheckpoint: 16_000 }]);
  } finally {
    await c.close();
  }
});
