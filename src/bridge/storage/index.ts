/**
 * The bridge's storage port: one object that hands out the per-concept stores, bound either to the
 * database or to one transaction. Writes that touch the coSpace namespace (uri / callId uniqueness)
 * run under `namespaceTransaction`, which serialises them across a whole cluster on Postgres.
 */
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database, type DialectName } from '../../shared/database.ts';
import { AccessMethodStore } from './accessMethodStore.ts';
import { CallBridgeStore } from './callBridgeStore.ts';
import { CdrStore } from './cdrStore.ts';
import { CoSpaceBulkStore } from './coSpaceBulkStore.ts';
import { CoSpaceStore } from './coSpaceStore.ts';
import { ConfigObjectStore } from './configObjectStore.ts';
import { CoSpaceUserStore } from './coSpaceUserStore.ts';
import { DialInStore } from './dialInStore.ts';
import { bridgeMigrations } from './migrations/index.ts';
import { ReferenceStore } from './referenceStore.ts';
import type { BridgeDatabase } from './schema.ts';
import { UserStore } from './userStore.ts';

export class BridgeStores {
  readonly coSpaces: CoSpaceStore;
  readonly configObjects: ConfigObjectStore;
  readonly callBridges: CallBridgeStore;
  readonly accessMethods: AccessMethodStore;
  readonly coSpaceUsers: CoSpaceUserStore;
  readonly users: UserStore;
  readonly references: ReferenceStore;
  readonly cdr: CdrStore;
  readonly dialIn: DialInStore;
  readonly coSpaceBulk: CoSpaceBulkStore;

  constructor(readonly db: Kysely<BridgeDatabase>) {
    this.coSpaces = new CoSpaceStore(db);
    this.configObjects = new ConfigObjectStore(db);
    this.callBridges = new CallBridgeStore(db);
    this.accessMethods = new AccessMethodStore(db);
    this.coSpaceUsers = new CoSpaceUserStore(db);
    this.users = new UserStore(db);
    this.references = new ReferenceStore(db);
    this.cdr = new CdrStore(db);
    this.dialIn = new DialInStore(db);
    this.coSpaceBulk = new CoSpaceBulkStore(db);
  }
}

/** Lock key for writes to the coSpace uri / callId namespace (any constant unique to this purpose). */
const NAMESPACE_LOCK = 0x5b1d9e;

export class BridgeStorage extends BridgeStores {
  private constructor(
    private readonly database: Database<BridgeDatabase>,
  ) {
    super(database.db);
  }

  get dialect(): DialectName {
    return this.database.dialect;
  }

  static async open(url: string): Promise<BridgeStorage> {
    const database = await openDatabase<BridgeDatabase>(url);
    try {
      await migrateToLatest(database, 'bridge', bridgeMigrations(database.dialect));
    } catch (error) {
      await database.close();
      throw error;
    }
    return new BridgeStorage(database);
  }

  /** Runs `fn` in one transaction; everything it writes commits together or not at all. */
  transaction<T>(fn: (stores: BridgeStores) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute((trx) => fn(new BridgeStores(trx)));
  }

  /** A transaction that also holds the cluster-wide lock over the coSpace namespace. */
  namespaceTransaction<T>(fn: (stores: BridgeStores) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute(async (trx) => {
      if (this.database.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${NAMESPACE_LOCK})`.execute(trx);
      return fn(new BridgeStores(trx));
    });
  }

  /**
   * Refreshes the planner's statistics after a bulk change (a bulk sync of thousands of coSpaces).
   * Without it Postgres plans `/coSpaces` pages on a freshly filled table as a full scan and sort per
   * request until autovacuum comes round. SQLite plans by index choice alone and needs nothing.
   */
  async refreshStatistics(): Promise<void> {
    if (this.database.dialect === 'postgres') await sql`analyze co_space`.execute(this.database.db);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
