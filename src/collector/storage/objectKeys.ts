/**
 * Which `seq` a call, call leg or media session GUID is stored under (migration 0003).
 *
 * The model tables are keyed by `seq`. Their GUIDs are found in two places:
 * - `object_key (kind, id) → seq`, for every object up to the `collector_sequence` row 'indexed';
 * - the newest objects (seq above 'indexed': the tail), read from the rows themselves by their
 *   integer key and held by this process (below).
 *
 * When the tail holds `batch` objects, a commit writes them all to `object_key` in key order and
 * advances 'indexed'. Bridge GUIDs are random, so adding them one group commit at a time wrote one
 * index page per new object; in one batch, an index page is written once however many of the batch
 * land on it (BENCHMARKS.md, fifth session).
 *
 * Every lookup first rereads the tail past what it already holds (an integer range on the tables'
 * keys, so nothing when no other process wrote), up to the last seq handed out (the mark 'object').
 * This keeps several processes on one database right, and a process that restarts rebuilds the tail
 * the same way. When another process advanced 'indexed', or a retention sweep dropped objects
 * ('pruned' changed), the tail is reread whole.
 *
 * Where the tail is held: on SQLite in a table of an in-memory database attached to the connection
 * (`object_tail.tail_key`), so the GUIDs stay in SQLite's memory and its lookups in C. Held as
 * JavaScript strings, every new object's GUID lived until the next batch and was promoted to V8's
 * old space: +10 MB promoted per 400,000 records and +35-90 MB peak RSS during batched ingest
 * (BENCHMARKS.md). On Postgres (a pool of connections) the tail is a Map per table.
 *
 * Callers that write (ingest) hold the write lock while they resolve and index, so the tail they
 * read is complete. A write transaction that fails calls `invalidate`: it may have read its own
 * rows into the tail (SQLite's tail table rolls back with it, the marks held here do not).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { AnyDb, AnyTransaction } from '../../shared/migration-helpers.ts';
import type { DialectName } from '../../shared/database.ts';

/** The model tables, by the object kinds they hold. */
export type ObjectTable = 'calls' | 'legs' | 'media';
export const OBJECT_TABLES: readonly ObjectTable[] = ['calls', 'legs', 'media'];

/** `object_key.kind` of each table. */
export const KEY_KIND: Readonly<Record<ObjectTable, string>> = { calls: 'c', legs: 'l', media: 'm' };
const TABLE_OF_KIND: Readonly<Record<string, ObjectTable>> = { c: 'calls', l: 'legs', m: 'media' };

/** Tail objects at which a commit writes them to `object_key`. */
export const INDEX_BATCH_OBJECTS = 50_000;

/** A handle or a transaction on the collector's database. */
type KeyDb = AnyDb | AnyTransaction;

/** A tail row, or a `collector_sequence` mark with its name in `kind` and its value in `seq`. */
interface TailRow {
  kind: string;
  id: string | null;
  seq: number;
}

export type ObjectSeqs = Record<ObjectTable, Map<string, number>>;

/** The marks: 'indexed', 'pruned' and 'object' (the last seq handed out). */
const MARKS_SQL = `SELECT name, value FROM collector_sequence WHERE name IN ('indexed', 'pruned', 'object')`;

/** The three model tables' rows above `after` (SQL: a parameter or an integer literal), as key rows. */
function tailRowsSql(after: string): string {
  return `SELECT 'c' AS kind, id, seq FROM call WHERE seq > ${after}
    UNION ALL SELECT 'l', id, seq FROM call_leg WHERE seq > ${after}
    UNION ALL SELECT 'm', id, seq FROM media_session WHERE seq > ${after}`;
}

/**
 * Postgres: the marks and the rows above `after`, in one snapshot. `after` is a literal so that the
 * planner reads the few rows through the primary key (with a bound it cannot see, it estimates a
 * third of the table).
 */
function tailWithMarksSql(after: number): string {
  return `${tailRowsSql(String(after))} UNION ALL SELECT name, NULL, value FROM collector_sequence WHERE name IN ('indexed', 'pruned', 'object')`;
}

/** Adds the tail above `after` to `table` in key order (`object_key`, or SQLite's `tail_key`). */
function addTailSql(table: string, after: string): string {
  // WHERE true: SQLite's upsert after a SELECT needs a WHERE to parse. A GUID seen again after
  // retention dropped its object: the newer object wins.
  return `INSERT INTO ${table} (kind, id, seq)
    SELECT kind, id, seq FROM (${tailRowsSql(after)}) AS tail WHERE true ORDER BY kind, id
    ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > ${table.replace(/^object_tail\./, '')}.seq`;
}

/** 'indexed' moves to the last seq handed out: every object up to it is now in `object_key`. */
const ADVANCE_INDEXED = `UPDATE collector_sequence SET value = (SELECT value FROM collector_sequence WHERE name = 'object') WHERE name = 'indexed'`;

const KEY_CHUNK = 500;

interface Marks {
  indexed: number;
  pruned: number;
  object: number;
}

function marksOf(rows: readonly { name: string; value: number }[]): Marks {
  const marks: Marks = { indexed: -1, pruned: -1, object: 0 };
  for (const r of rows) if (r.name === 'indexed' || r.name === 'pruned' || r.name === 'object') marks[r.name] = r.value;
  return marks;
}

interface SqliteStatements {
  readonly marks: BetterSqlite3.Statement;
  readonly clear: BetterSqlite3.Statement;
  readonly fill: BetterSqlite3.Statement;
  readonly key: BetterSqlite3.Statement;
  readonly index: BetterSqlite3.Statement;
  readonly advance: BetterSqlite3.Statement;
}

export class ObjectKeyIndex {
  readonly #dialect: DialectName;
  readonly #batch: number;
  /** SQLite: the statements on the connection's handle. */
  readonly #sqlite: SqliteStatements | undefined;
  /** Postgres: the tail, per table. */
  readonly #tail: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
  /** Every object with a seq up to this is in the tail or in `object_key`. */
  #known = 0;
  #indexed = -1;
  #pruned = -1;

  /** `sqlite`: the connection's own handle (SQLite), which holds the tail in an attached in-memory database. */
  constructor(dialect: DialectName, batch: number = INDEX_BATCH_OBJECTS, sqlite?: BetterSqlite3.Database) {
    this.#dialect = dialect;
    this.#batch = batch;
    if (sqlite) {
      // An in-memory database of this connection: a TEMP table (a temp file) wrote its changed pages
      // to the file at every commit, 1.8 KiB per stored record.
      sqlite.exec(`ATTACH DATABASE ':memory:' AS object_tail`);
      sqlite.exec('CREATE TABLE object_tail.tail_key (kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID');
      this.#sqlite = {
        marks: sqlite.prepare(MARKS_SQL),
        clear: sqlite.prepare('DELETE FROM object_tail.tail_key'),
        fill: sqlite.prepare(addTailSql('object_tail.tail_key', '@after')),
        key: sqlite
          .prepare(`SELECT coalesce((SELECT seq FROM object_tail.tail_key WHERE kind = @kind AND id = @id), (SELECT seq FROM object_key WHERE kind = @kind AND id = @id))`)
          .pluck(),
        index: sqlite.prepare(addTailSql('object_key', '@after')),
        advance: sqlite.prepare(ADVANCE_INDEXED),
      };
    }
  }

  /** Whether the tail is due to be written to `object_key` (by a caller holding the write lock). */
  get due(): boolean {
    return this.#indexed >= 0 && this.#known - this.#indexed >= this.#batch;
  }

  /** Forgets the tail: the next lookup rereads it whole. */
  invalidate(): void {
    this.#indexed = -1;
    this.#pruned = -1;
  }

  /** Takes in new marks; true when the tail must be reread from scratch. */
  #moved(marks: Marks): boolean {
    if (marks.indexed === this.#indexed && marks.pruned === this.#pruned) return false;
    this.#known = 0;
    this.#indexed = marks.indexed;
    this.#pruned = marks.pruned;
    return true;
  }

  #sqliteStatements(): SqliteStatements {
    if (!this.#sqlite) throw new Error('the object key index was made without its SQLite handle');
    return this.#sqlite;
  }

  // ---- SQLite, synchronous (the ingest transaction holds the write lock)

  refreshSqlite(): void {
    const s = this.#sqliteStatements();
    // The marks first: rows another process commits after them are read now or next time.
    const marks = marksOf(s.marks.all() as { name: string; value: number }[]);
    if (this.#moved(marks)) s.clear.run();
    if (marks.object > this.#known) {
      s.fill.run({ after: Math.max(this.#known, this.#indexed) });
      this.#known = marks.object;
    }
  }

  /**
   * The seqs of the stored objects among `ids` (the others are absent from the map). Refreshes first,
   * unless `refresh` is false (a second lookup in the same transaction).
   */
  resolveSqlite(ids: Partial<Record<ObjectTable, readonly string[]>>, refresh = true): ObjectSeqs {
    if (refresh) this.refreshSqlite();
    const { key } = this.#sqliteStatements();
    const out: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
    for (const table of OBJECT_TABLES) {
      const kind = KEY_KIND[table];
      for (const id of ids[table] ?? []) {
        const seq = key.get({ kind, id }) as number | null;
        if (seq !== null) out[table].set(id, seq);
      }
    }
    return out;
  }

  /** Writes the tail to `object_key` and advances 'indexed'; inside the caller's write transaction. */
  indexSqlite(): void {
    const { index, advance } = this.#sqliteStatements();
    index.run({ after: this.#indexed });
    advance.run();
  }

  // ---- kysely: Postgres (the ingest transaction holds the advisory lock); SQLite's query API

  async #refreshKysely(db: KeyDb): Promise<void> {
    // The integers are ours (never client input), so they are written into the SQL.
    if (this.#indexed < 0) {
      // Not read yet (or forgotten): the marks first, so that the rows read are the tail, not the table.
      const { rows } = await sql.raw<{ name: string; value: number }>(MARKS_SQL).execute(db);
      this.#moved(marksOf(rows));
      for (const table of OBJECT_TABLES) this.#tail[table].clear();
    }
    for (;;) {
      const { rows } = await sql.raw<TailRow>(tailWithMarksSql(Math.max(this.#known, this.#indexed))).execute(db);
      const marks = marksOf(rows.filter((r) => r.id === null).map((r) => ({ name: r.kind, value: r.seq })));
      if (this.#moved(marks)) {
        for (const table of OBJECT_TABLES) this.#tail[table].clear();
        continue;
      }
      for (const r of rows) {
        const table = TABLE_OF_KIND[r.kind];
        if (table === undefined || r.id === null) continue;
        const tail = this.#tail[table];
        if ((tail.get(r.id) ?? -1) < r.seq) tail.set(r.id, r.seq);
      }
      this.#known = Math.max(this.#known, marks.object);
      return;
    }
  }

  /** As `resolveSqlite`; on SQLite it runs there, holding the connection of `db` (a Kysely, not a transaction). */
  async resolve(db: KeyDb, ids: Partial<Record<ObjectTable, readonly string[]>>, refresh = true): Promise<ObjectSeqs> {
    if (this.#dialect === 'sqlite') {
      return (db as Kysely<unknown>).connection().execute(() => Promise.resolve(this.resolveSqlite(ids, refresh)));
    }
    if (refresh) await this.#refreshKysely(db);
    const out: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
    for (const table of OBJECT_TABLES) {
      const tail = this.#tail[table];
      const misses: string[] = [];
      for (const id of ids[table] ?? []) {
        const seq = tail.get(id);
        if (seq === undefined) misses.push(id);
        else out[table].set(id, seq);
      }
      for (let i = 0; i < misses.length; i += KEY_CHUNK) {
        const chunk = misses.slice(i, i + KEY_CHUNK);
        const { rows } = await sql<{ id: string; seq: number }>`SELECT id, seq FROM object_key WHERE kind = ${KEY_KIND[table]} AND id IN (${sql.join(chunk)})`.execute(db);
        for (const r of rows) out[table].set(r.id, r.seq);
      }
    }
    return out;
  }

  /** As `indexSqlite`. */
  async index(db: KeyDb): Promise<void> {
    await sql.raw(addTailSql('object_key', String(this.#indexed))).execute(db);
    await sql.raw(ADVANCE_INDEXED).execute(db);
  }
}
