/**
 * Which database failures are transient (503: the sender retries) and which are for good (the post
 * is quarantined): real errors from real databases, as the ingest sees them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { isTransientStorageError } from '../../src/collector/storage/failures.ts';
import { postgresProblem, TEST_PG_URL } from '../support/databases.ts';

async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('storage failures: transient or for good', () => {
  it('SQLite: a locked database, a closed handle are transient; a constraint is for good', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-failures-'));
    try {
      const path = join(dir, 'db.sqlite');
      const holder = new BetterSqlite3(path);
      holder.pragma('journal_mode = WAL');
      holder.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      const other = new BetterSqlite3(path);
      other.pragma('busy_timeout = 0');
      holder.exec('BEGIN IMMEDIATE');
      const busy = await caught(() => other.prepare('INSERT INTO t (v) VALUES (?)').run('x'));
      holder.exec('ROLLBACK');
      assert.match(String((busy as { code?: string }).code), /^SQLITE_BUSY/);
      assert.equal(isTransientStorageError(busy), true);

      const constraint = await caught(() => other.prepare('INSERT INTO t (v) VALUES (NULL)').run());
      assert.match(String((constraint as { code?: string }).code), /^SQLITE_CONSTRAINT/);
      assert.equal(isTransientStorageError(constraint), false);

      other.close();
      const closed = await caught(() => other.prepare('SELECT 1'));
      assert.equal(isTransientStorageError(closed), true, String(closed));
      holder.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Postgres: unreachable, a closed pool are transient; a value it cannot hold, a key too large for its index are for good', async (t) => {
    const problem = await postgresProblem();
    if (problem !== undefined) {
      t.skip(`PostgreSQL unreachable: ${problem}`);
      return;
    }
    const unreachable = new pg.Client({ host: '127.0.0.1', port: 1, user: 'x', connectionTimeoutMillis: 2000 });
    const refused = await caught(() => unreachable.connect());
    assert.equal(isTransientStorageError(refused), true, String(refused));

    const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 1 });
    try {
      const nul = await caught(() => pool.query('SELECT $1::text', ['a\u0000b']));
      assert.equal((nul as { code?: string }).code, '22021');
      assert.equal(isTransientStorageError(nul), false);

      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE k (v text PRIMARY KEY)');
        const big = await caught(() => client.query('INSERT INTO k VALUES ($1)', [randomBytes(6000).toString('base64')]));
        assert.equal((big as { code?: string }).code, '54000');
        assert.equal(isTransientStorageError(big), false);
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    const ended = await caught(() => pool.query('SELECT 1'));
    assert.equal(isTransientStorageError(ended), true, String(ended));
  });

  it('an error that is not the database’s (a bug on one post) is for good', () => {
    assert.equal(isTransientStorageError(new TypeError("Cannot read properties of undefined (reading 'id')")), false);
    assert.equal(isTransientStorageError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true);
  });
});
