import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  SqliteAdapter,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type SchemaMetadata,
  type TableMetadata,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type Migration,
  type MigrationProvider,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import { prepareSqliteFiles } from './privateFiles.ts';

export type DialectName = 'sqlite' | 'postgres';

export type DatabaseLocation =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string; schema?: string };

/**
 * Parses `sqlite:PATH`, `sqlite::memory:`, `postgres://...` / `postgresql://...`.
 * A `?schema=NAME` on a Postgres URL selects a schema (created if missing).
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new Error(`database URL "${url}" names no file (use sqlite:PATH or sqlite::memory:)`);
    return { dialect: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    return {
      dialect: 'postgres',
      connectionString: parsed.toString(),
      ...(schema === null ? {} : { schema }),
    };
  }
  throw new Error(`unsupported database URL "${url}": use sqlite:PATH, sqlite::memory: or postgres://...`);
}

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  /**
   * The SQLite handle under `db` (SQLite only), for hot paths that need cached prepared statements.
   * Use it only while holding a kysely connection (`db.connection().execute(...)`), which serialises
   * it with every kysely query.
   */
  readonly sqlite?: BetterSqlite3.Database;
  readonly location: DatabaseLocation;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite synchronous level: FULL survives power loss, NORMAL (WAL) survives process crashes. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** Postgres pool size. */
  poolSize?: number;
  /** SQLite page size (bytes, a power of two 512-65536) for a database this call creates; an existing one keeps its own. */
  sqlitePageSize?: number;
  /** SQLite WAL frames between automatic checkpoints (SQLite's default: 1,000). */
  sqliteWalAutocheckpoint?: number;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase<DB>(url: string, options: OpenOptions = {}): Promise<Database<DB>> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'sqlite') {
    // Readable by the owner only (passcodes, password hashes, sessions): the file is made 0600 before
    // SQLite opens it, and SQLite gives its -wal and -shm files the same mode.
    if (location.path !== ':memory:') prepareSqliteFiles(location.path);
    const sqlite = new BetterSqlite3(location.path);
    // The page size of a new database (it is fixed once the first table exists).
    if (options.sqlitePageSize !== undefined && sqlite.pragma('page_count', { simple: true }) === 0) sqlite.pragma(`page_size = ${options.sqlitePageSize}`);
    sqlite.pragma('journal_mode = WAL');
    if (options.sqliteWalAutocheckpoint !== undefined) sqlite.pragma(`wal_autocheckpoint = ${options.sqliteWalAutocheckpoint}`);
    sqlite.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', location, sqlite, close: () => db.destroy() };
  }
  const schema = location.schema;
  if (schema !== undefined && !SCHEMA_RE.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  if (schema !== undefined) {
    const admin = new pg.Client({ connectionString: location.connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path="${schema}"` }),
    types: {
      getTypeParser: (oid: number, format?: string) => {
        // int8 (bigint) and numeric come back as JS numbers: our counters and epoch-ms fit in 2^53.
        if (oid === 20 || oid === 1700) return (value: string) => Number(value);
        return (pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown)(oid, format);
      },
    },
  });
  const db = new Kysely<DB>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
  return { db, dialect: 'postgres', location, close: () => db.destroy() };
}

/**
 * Kysely prepares every SQLite statement anew; a hot API path runs the same few statements thousands
 * of times a second, so prepared statements are kept (by SQL text, bounded). Safe because Kysely runs
 * one statement at a time on its single SQLite connection.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, limit = 1000): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        if (cache.size >= limit) cache.clear();
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * Kysely's Postgres introspector lists every column of every table in every schema of the database,
 * calling has_schema_privilege() on each schema name as it goes. The migrator uses it only to ask
 * whether its own tables exist. With many schemas that is slow, and a schema dropped during the
 * listing (another service, another test run) makes the query fail. This one looks only at the
 * schema our tables live in: the first of the search path.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const result = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return result.rows.filter((r) => typeof r.name === 'string');
  }

  async getTables(): Promise<TableMetadata[]> {
    const result = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p')`.execute(this.db);
    return result.rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

/** Runs every pending migration of one service. Each service keeps its own migration table. */
export async function migrateToLatest<DB>(
  database: Database<DB>,
  service: string,
  migrations: Record<string, Migration>,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const migrator = new Migrator({
    db: database.db,
    provider,
    migrationTableName: `${service}_migration`,
    migrationLockTableName: `${service}_migration_lock`,
    // Kysely looks for its tables across every schema; name ours so another schema's tables on the
    // same server (other services, parallel tests) are not mistaken for this one's.
    ...(database.location.dialect === 'postgres' && database.location.schema !== undefined
      ? { migrationTableSchema: database.location.schema }
      : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    throw new Error(`migration ${failed?.migrationName ?? '?'} of ${service} failed: ${message}`, { cause: error });
  }
}

/** Drops a Postgres schema (test clean-up). */
export async function dropPostgresSchema(connectionString: string, schema: string): Promise<void> {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

/** Boolean columns are stored as 0/1 integers on both dialects so one migration set serves both. */
export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number | boolean | null | undefined): boolean {
  return value === 1 || value === true;
}

/** True when an error is a unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export { sql };

/** Which dialect a kysely instance (or transaction) speaks. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}
