/**
 * The collector's storage: one database (SQLite or Postgres), migrated with the `collector`
 * migration table, and the stores that hold its SQL.
 */
import { CamelCasePlugin, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database, type DialectName } from '../../shared/database.ts';
import { collectorMigrations } from './migrations/index.ts';
import { IngestStore } from './ingestStore.ts';
import { INDEX_BATCH_OBJECTS, ObjectKeyIndex } from './objectKeys.ts';
import { QuarantineStore } from './quarantineStore.ts';
import { QueryStore } from './queryStore.ts';
import { ReportStore } from './reportStore.ts';
import type { CollectorDb } from './schema.ts';
import { PostgresStatistics } from './statistics.ts';

/** SQLite WAL frames between automatic checkpoints (16,000 × 8 KiB: a WAL file of up to 125 MiB). */
export const WAL_AUTOCHECKPOINT_FRAMES = 16_000;

export interface StorageOptions {
  /**
   * SQLite durability of an acknowledged post. FULL (default) syncs the WAL on every commit, so a
   * 200 survives power loss; NORMAL survives a process crash only.
   */
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** Postgres connections (ingest commits one group at a time; the rest serve queries). */
  readonly poolSize?: number;
  /** Postgres: ANALYZE the tables after this many stored records (`statistics.ts`). */
  readonly analyzeEvery?: number | undefined;
  /** New objects held in memory before their GUIDs are written to `object_key` (`objectKeys.ts`). */
  readonly indexBatch?: number;
  /** Failures of background work (a statistics refresh). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
}

export class CollectorStorage {
  readonly db: Kysely<CollectorDb>;
  readonly dialect: DialectName;
  readonly ingest: IngestStore;
  readonly query: QueryStore;
  readonly reports: ReportStore;
  readonly quarantine: QuarantineStore;
  readonly #database: Database<CollectorDb>;

  private constructor(database: Database<CollectorDb>, options: StorageOptions) {
    this.#database = database;
    this.dialect = database.dialect;
    this.db = database.db.withPlugin(new CamelCasePlugin());
    const statistics = database.dialect === 'postgres' ? new PostgresStatistics(this.db, { every: options.analyzeEvery, onError: options.onBackgroundError }) : undefined;
    const keys = new ObjectKeyIndex(database.dialect, options.indexBatch ?? INDEX_BATCH_OBJECTS, database.sqlite);
    this.ingest = new IngestStore(this.db, keys, database.sqlite, statistics);
    this.query = new QueryStore(this.db, this.dialect, keys);
    this.reports = new ReportStore(this.db, this.dialect, database.sqlite);
    this.quarantine = new QuarantineStore(this.db);
  }

  static async open(url: string, options: StorageOptions = {}): Promise<CollectorStorage> {
    // 8 KiB pages: a commit of a group of posts writes fewer WAL frames (measured: 3-6 % less CPU
    // per stored record than 4 KiB, +15 MB RSS; 16 KiB saved 8 % but cost +50 MB). A checkpoint
    // every 16,000 frames rather than SQLite's 1,000: an index page rewritten by many group commits
    // (the newest pages) is copied back once per checkpoint, and the checkpoint's fsync blocks the
    // event loop less often. With GUID ids at 1M records, measured before migration 0003 (when the
    // GUID primary keys still wrote random pages): 28.9k records/s at 4,000 frames, 31.4-31.7k at
    // 16,000, 31.0k at 32,000. All in BENCHMARKS.md.
    const database = await openDatabase<CollectorDb>(url, {
      sqliteSynchronous: options.sqliteSynchronous ?? 'FULL',
      poolSize: options.poolSize ?? 5,
      sqlitePageSize: 8192,
      sqliteWalAutocheckpoint: WAL_AUTOCHECKPOINT_FRAMES,
    });
    try {
      await migrateToLatest(database, 'collector', collectorMigrations(database.dialect));
    } catch (error) {
      await database.close();
      throw error;
    }
    return new CollectorStorage(database, options);
  }

  async close(): Promise<void> {
    await this.ingest.statistics?.idle();
    await this.#database.close();
  }
}
