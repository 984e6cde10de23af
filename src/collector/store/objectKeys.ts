/**
 * Which `seq` a call, call leg or media session GUID is stored under (migration 0003).
 *
 * The model tables are keyed by `seq`. Their GUIDs are found in two places:
 * - `object_key (kind, id) → seq`, for every object up to the `collector_sequence` row 'indexed';
 * - the newest objects (seq above 'indexed': the tail), read from the rows themselves by their
 *   integer key and held here in memory.
 *
 * When the tail holds `batch` objects, a commit writes them all to `object_key` in key order and
 * advances 'indexed'. Bridge GUIDs are random, so adding them one group commit at a time wrote one
 * index page per new object; in one batch, an index page is written once however many of the batch
 * land on it (BENCHMARKS.md, fifth session).
 *
 * Every lookup first rereads the tail past what it already holds (one statement; an integer range on
 * the tables' keys, so nothing when no other process wrote). This keeps several processes on one
 * database right, and a process that restarts rebuilds the tail the same way. When another process
 * advanced 'indexed', or a retention sweep dropped objects ('pruned' changed), the tail is reread
 * whole.
 *
 * Callers that write (ingest) hold the write lock while they resolve and index, so the tail they
 * read is complete.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../../shared/database.ts';

/** The model tables, by the object kinds they hold. */
export type ObjectTable = 'calls' | 'legs' | 'media';
export const OBJECT_TABLES: readonly ObjectTable[] = ['calls', 'legs', 'media'];

/** `object_key.kind` of each table. */
export const KEY_KIND: Readonly<Record<ObjectTable, string>> = { calls: 'c', legs: 'l', media: 'm' };
const TABLE_OF_KIND: Readonly<Record<string, ObjectTable>> = { c: 'calls', l: 'legs', m: 'media' };

/** Tail objects at which a commit writes them to `object_key` (about 5 MB of GUIDs in memory). */
export const INDEX_BATCH_OBJECTS = 50_000;

type AnyDb = Kysely<any> | Transaction<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A tail row, or a `collector_sequence` mark ('indexed', 'pruned') with its value in `seq`. */
interface TailRow {
  kind: string;
  id: string | null;
  seq: number;
}

export type ObjectSeqs = Record<ObjectTable, Map<string, number>>;

/**
 * The rows above both `known` and 'indexed', and the marks, in one snapshot. `known` is SQL: a
 * parameter name, or an integer literal (kysely's raw path).
 */
function tailSql(dialect: DialectName, known: string): string {
  const indexed = `(SELECT value FROM collector_sequence WHERE name = 'indexed')`;
  const bound = dialect === 'sqlite' ? `max(${known}, ${indexed})` : `GREATEST(${known}, ${indexed})`;
  return `SELECT 'c' AS kind, id, seq FROM call WHERE seq > ${bound}
    UNION ALL SELECT 'l', id, seq FROM call_leg WHERE seq > ${bound}
    UNION ALL SELECT 'm', id, seq FROM media_session WHERE seq > ${bound}
    UNION ALL SELECT name, NULL, value FROM collector_sequence WHERE name IN ('indexed', 'pruned')`;
}

/** Adds the tail above `after` (SQL, as `known` above) to `object_key`, in key order. */
function indexSql(after: string): string {
  // WHERE true: SQLite's upsert after a SELECT needs a WHERE to parse.
  return `INSERT INTO object_key (kind, id, seq)
    SELECT kind, id, seq FROM (
      SELECT 'c' AS kind, id, seq FROM call WHERE seq > ${after}
      UNION ALL SELECT 'l', id, seq FROM call_leg WHERE seq > ${after}
      UNION ALL SELECT 'm', id, seq FROM media_session WHERE seq > ${after}) AS tail
    WHERE true ORDER BY kind, id
    ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq`;
}

/** 'indexed' moves to the last seq handed out: every object up to it is now in `object_key`. */
const ADVANCE_INDEXED = `UPDATE collector_sequence SET value = (SELECT value FROM collector_sequence WHERE name = 'object') WHERE name = 'indexed'`;

const KEY_CHUNK = 500;

interface SqliteStatements {
  readonly tail: BetterSqlite3.Statement;
  readonly index: BetterSqlite3.Statement;
  readonly advance: BetterSqlite3.Statement;
  readonly key: BetterSqlite3.Statement;
}

export class ObjectKeyIndex {
  readonly #dialect: DialectName;
  readonly #batch: number;
  readonly #tail: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
  /** Every object with a seq up to this is in the tail maps or in `object_key`. */
  #known = 0;
  #indexed = -1;
  #pruned = -1;
  #sqlite: SqliteStatements | undefined;

  constructor(dialect: DialectName, batch: number = INDEX_BATCH_OBJECTS) {
    this.#dialect = dialect;
    this.#batch = batch;
  }

  /** Objects held in memory (not yet in `object_key`). */
  get tailSize(): number {
    return this.#tail.calls.size + this.#tail.legs.size + this.#tail.media.size;
  }

  /** Whether the tail is due to be written to `object_key` (by a caller holding the write lock). */
  get due(): boolean {
    return this.tailSize >= this.#batch;
  }

  /**
   * Forgets the tail: the next lookup rereads it whole. After a failed write transaction, which may
   * have read its own rows into it.
   */
  invalidate(): void {
    this.#indexed = -1;
    this.#pruned = -1;
  }

  /** Takes in one tail read; false when the marks moved (the tail must be reread from scratch). */
  #absorb(rows: readonly TailRow[]): boolean {
    let indexed = -1;
    let pruned = -1;
    for (const r of rows) {
      if (r.kind === 'indexed') indexed = r.seq;
      else if (r.kind === 'pruned') pruned = r.seq;
    }
    if (indexed !== this.#indexed || pruned !== this.#pruned) {
      for (const table of OBJECT_TABLES) this.#tail[table].clear();
      this.#known = 0;
      this.#indexed = indexed;
      this.#pruned = pruned;
      return false;
    }
    let known = this.#known;
    for (const r of rows) {
      const table = TABLE_OF_KIND[r.kind];
      if (table === undefined || r.id === null) continue;
      const { seq } = r;
      const tail = this.#tail[table];
      // A GUID seen again after retention dropped its object: the newer object wins.
      if ((tail.get(r.id) ?? -1) < seq) tail.set(r.id, seq);
      if (seq > known) known = seq;
    }
    this.#known = known;
    return true;
  }

  #statements(db: BetterSqlite3.Database): SqliteStatements {
    this.#sqlite ??= {
      tail: db.prepare(tailSql('sqlite', '@known')),
      index: db.prepare(indexSql('@indexed')),
      advance: db.prepare(ADVANCE_INDEXED),
      key: db.prepare('SELECT seq FROM object_key WHERE kind = ? AND id = ?').pluck(),
    };
    return this.#sqlite;
  }

  #fromTail(ids: Partial<Record<ObjectTable, readonly string[]>>, out: ObjectSeqs): Record<ObjectTable, string[]> {
    const misses: Record<ObjectTable, string[]> = { calls: [], legs: [], media: [] };
    for (const table of OBJECT_TABLES) {
      const tail = this.#tail[table];
      for (const id of ids[table] ?? []) {
        const seq = tail.get(id);
        if (seq === undefined) misses[table].push(id);
        else out[table].set(id, seq);
      }
    }
    return misses;
  }

  // ---- SQLite, synchronous (the ingest transaction)

  refreshSqlite(db: BetterSqlite3.Database): void {
    const { tail } = this.#statements(db);
    while (!this.#absorb(tail.all({ known: this.#known }) as TailRow[]));
  }

  /**
   * The seqs of the stored objects among `ids` (the others are absent from the map). Refreshes first,
   * unless `refresh` is false: a transaction that wrote model rows must not read them into the tail
   * (they would stay there if it rolled back).
   */
  resolveSqlite(db: BetterSqlite3.Database, ids: Partial<Record<ObjectTable, readonly string[]>>, refresh = true): ObjectSeqs {
    if (refresh) this.refreshSqlite(db);
    const out: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
    const misses = this.#fromTail(ids, out);
    const { key } = this.#statements(db);
    for (const table of OBJECT_TABLES) {
      for (const id of misses[table]) {
        const seq = key.get(KEY_KIND[table], id) as number | undefined;
        if (seq !== undefined) out[table].set(id, seq);
      }
    }
    return out;
  }

  /** Writes the tail to `object_key` and advances 'indexed'; inside the caller's write transaction. */
  indexSqlite(db: BetterSqlite3.Database): void {
    const { index, advance } = this.#statements(db);
    index.run({ indexed: this.#indexed });
    advance.run();
  }

  // ---- kysely (Postgres, and the query API on both dialects)

  async refresh(db: AnyDb): Promise<void> {
    // The integers are ours (never client input), so they are written into the SQL.
    while (!this.#absorb((await sql.raw<TailRow>(tailSql(this.#dialect, String(this.#known))).execute(db)).rows));
  }

  /** As `resolveSqlite`. */
  async resolve(db: AnyDb, ids: Partial<Record<ObjectTable, readonly string[]>>, refresh = true): Promise<ObjectSeqs> {
    if (refresh) await this.refresh(db);
    const out: ObjectSeqs = { calls: new Map(), legs: new Map(), media: new Map() };
    const misses = this.#fromTail(ids, out);
    for (const table of OBJECT_TABLES) {
      for (let i = 0; i < misses[table].length; i += KEY_CHUNK) {
        const chunk = misses[table].slice(i, i + KEY_CHUNK);
        const { rows } = await sql<{ id: string; seq: number }>`SELECT id, seq FROM object_key WHERE kind = ${KEY_KIND[table]} AND id IN (${sql.join(chunk)})`.execute(db);
        for (const r of rows) out[table].set(r.id, r.seq);
      }
    }
    return out;
  }

  /** As `indexSqlite`. */
  async index(db: AnyDb): Promise<void> {
    await sql.raw(indexSql(String(this.#indexed))).execute(db);
    await sql.raw(ADVANCE_INDEXED).execute(db);
  }
}
