/**
 * The web UI's storage: users and sessions, migrated in their own migration table (`web_migration`) so
 * any service can host them in its database next to its own tables — or in a database of their own.
 */
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database, type DialectName } from '../../shared/database.ts';
import { webMigrations } from './migrations/index.ts';
import type { WebDatabase } from './schema.ts';
import { SessionStore } from './sessionStore.ts';
import { WebUserStore } from './userStore.ts';

export class WebStorage {
  readonly users: WebUserStore;
  readonly sessions: SessionStore;

  private constructor(
    readonly db: Kysely<WebDatabase>,
    readonly dialect: DialectName,
    private readonly owned: Database<WebDatabase> | undefined,
  ) {
    this.users = new WebUserStore(db);
    this.sessions = new SessionStore(db);
  }

  /** Opens (and migrates) a database of its own; `close` closes it. */
  static async open(url: string): Promise<WebStorage> {
    const database = await openDatabase<WebDatabase>(url);
    try {
      await migrateToLatest(database, 'web', webMigrations(database.dialect));
    } catch (error) {
      await database.close();
      throw error;
    }
    return new WebStorage(database.db, database.dialect, database);
  }

  /** Hosts the web tables in a service's already-open database; `close` leaves that database open. */
  static async within(database: Database<unknown>): Promise<WebStorage> {
    const hosted = database as unknown as Database<WebDatabase>;
    await migrateToLatest(hosted, 'web', webMigrations(hosted.dialect));
    return new WebStorage(hosted.db, hosted.dialect, undefined);
  }

  transaction<T>(fn: (stores: { users: WebUserStore; sessions: SessionStore }) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn({ users: new WebUserStore(trx), sessions: new SessionStore(trx) }));
  }

  async close(): Promise<void> {
    if (this.owned) await this.owned.close();
  }
}
