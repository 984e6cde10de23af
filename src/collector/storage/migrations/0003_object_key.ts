/**
 * Calls, call legs and media sessions keyed by their integer `seq` instead of their GUID, and the
 * GUIDs in a separate index (`object_key`) that is filled in large sorted batches
 * (`storage/objectKeys.ts`).
 *
 * After 0002 the last random write per new object was the GUID primary key: a bridge's ids are
 * random, so every new call or leg wrote one index page of its own in each group commit (164 of the
 * 242 WAL pages of a group of 400 records at 1M, BENCHMARKS.md). Keyed by `seq`, new rows land on
 * the newest pages; the GUIDs of the newest objects (seq above the `collector_sequence` row
 * 'indexed') are found from the rows themselves and held in memory, and reach `object_key` together,
 * so an index page is written once per batch instead of once per object.
 *
 * - SQLite cannot change a primary key in place: each table is rebuilt with the same columns and
 *   indexes, `seq INTEGER PRIMARY KEY` (the rowid) and `id` NOT NULL without a unique index.
 * - Postgres: the primary key constraint moves from `id` to `seq`.
 * - `object_key (kind, id) → seq` holds every existing object ('c' call, 'l' leg, 'm' media
 *   session); 'indexed' is set to the last seq handed out, and 'pruned' (counts retention sweeps
 *   that dropped objects, so a process holding GUIDs in memory rereads them) starts at 0.
 */
import { sql, type Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';


const TABLES = ['call', 'call_leg', 'media_session'] as const;

interface ColumnInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
}

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite: rebuilds `table` with `seq` as its rowid key, keeping every column and secondary index. */
async function rekeySqlite(db: AnyDb, table: string): Promise<void> {
  const columns = (await sql<ColumnInfo>`SELECT name, type, "notnull", dflt_value FROM pragma_table_info(${table})`.execute(db)).rows;
  const indexes = (await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ${table} AND sql IS NOT NULL`.execute(db)).rows;
  const definitions = columns.map((c) => {
    if (c.name === 'seq') return 'seq INTEGER PRIMARY KEY';
    if (c.name === 'id') return 'id TEXT NOT NULL';
    return `${quoted(c.name)} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.dflt_value === null ? '' : ` DEFAULT ${c.dflt_value}`}`;
  });
  const names = columns.map((c) => quoted(c.name)).join(', ');
  const rebuilt = `${table}_rekeyed`;
  await sql.raw(`CREATE TABLE ${rebuilt} (${definitions.join(', ')})`).execute(db);
  await sql.raw(`INSERT INTO ${rebuilt} (${names}) SELECT ${names} FROM ${table} ORDER BY seq`).execute(db);
  await sql.raw(`DROP TABLE ${table}`).execute(db);
  await sql.raw(`ALTER TABLE ${rebuilt} RENAME TO ${table}`).execute(db);
  for (const index of indexes) await sql.raw(index.sql).execute(db);
}

async function rekeyPostgres(db: AnyDb, table: string): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    SELECT constraint_name AS name FROM information_schema.table_constraints
    WHERE table_schema = current_schema() AND table_name = ${table} AND constraint_type = 'PRIMARY KEY'`.execute(db);
  for (const { name } of rows) await sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT ${sql.ref(name)}`.execute(db);
  await sql`ALTER TABLE ${sql.table(table)} ADD PRIMARY KEY (seq)`.execute(db);
}

export function objectKey(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      for (const table of TABLES) await (dialect === 'sqlite' ? rekeySqlite(db, table) : rekeyPostgres(db, table));
      await db.schema
        .createTable('object_key')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('object_key_pkey', ['kind', 'id'])
        .$call((b) => (dialect === 'sqlite' ? b.modifyEnd(sql`WITHOUT ROWID`) : b))
        .execute();
      await sql`INSERT INTO object_key (kind, id, seq)
        SELECT 'c', id, seq FROM call UNION ALL SELECT 'l', id, seq FROM call_leg UNION ALL SELECT 'm', id, seq FROM media_session
        ORDER BY 1, 2`.execute(db);
      await sql`INSERT INTO collector_sequence (name, value) SELECT 'indexed', value FROM collector_sequence WHERE name = 'object'`.execute(db);
      await sql`INSERT INTO collector_sequence (name, value) VALUES ('pruned', 0)`.execute(db);
    },
  };
}
