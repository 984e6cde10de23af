/**
 * Storage tests run on every dialect: SQLite (a fresh file per test) and PostgreSQL (a fresh schema per
 * test, dropped afterwards). Postgres comes from SWITCHBOARD_TEST_PG (default
 * postgres://postgres@127.0.0.1:5432/test). Unreachable Postgres skips its tests with a message on a
 * developer machine and fails the run under CI=true.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { dropPostgresSchema, type DialectName } from '../../src/shared/database.ts';

export const TEST_PG_URL = process.env['SWITCHBOARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgReachable: Promise<string | undefined> | undefined;

/** undefined when reachable, else the reason. */
export function postgresProblem(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

export interface TestDatabase {
  readonly dialect: DialectName;
  readonly url: string;
  dispose(): Promise<void>;
}

let counter = 0;

/** A fresh, empty database of the given dialect. */
export function freshDatabase(dialect: DialectName, label = 'test'): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `sb-${label}-`));
    return Promise.resolve({
      dialect,
      url: `sqlite:${join(dir, 'db.sqlite')}`,
      dispose: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  }
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('schema', schema);
  return Promise.resolve({
    dialect,
    url: url.toString(),
    dispose: () => dropPostgresSchema(TEST_PG_URL, schema),
  });
}

const problem = await postgresProblem();
if (problem !== undefined && process.env['CI'] !== 'true') {
  process.stderr.write(`PostgreSQL tests skipped: ${TEST_PG_URL} unreachable (${problem}). Set SWITCHBOARD_TEST_PG to run them.\n`);
}

/**
 * Declares the suite once per dialect. Under CI=true an unreachable Postgres is a failure, not a skip.
 */
export function forEachDialect(title: string, body: (dialect: DialectName) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (dialect === 'postgres' && problem !== undefined) {
      if (process.env['CI'] === 'true') {
        describe(`${title} [postgres]`, () => {
          throw new Error(`PostgreSQL unreachable under CI=true: ${problem}`);
        });
      } else {
        describe(`${title} [postgres]`, { skip: `PostgreSQL unreachable: ${problem}` }, () => undefined);
      }
      continue;
    }
    describe(`${title} [${dialect}]`, () => body(dialect));
  }
}
