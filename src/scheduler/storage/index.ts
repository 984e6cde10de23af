/**
 * The scheduler's storage port: per-concept stores bound to the database or to one transaction.
 * Migrations run with the `scheduler_migration` table.
 */
import type { Kysely } from 'kysely';
import { migrateToLatest, openDatabase, type Database, type DialectName } from '../../shared/database.ts';
import { ActionStore } from './actionStore.ts';
import { AuditStore } from './auditStore.ts';
import { BookingStore } from './bookingStore.ts';
import { BridgeStore } from './bridgeStore.ts';
import { MeetingStore } from './meetingStore.ts';
import { schedulerMigrations } from './migrations/index.ts';
import type { SchedulerDatabase } from './schema.ts';

export class SchedulerStores {
  readonly bridges: BridgeStore;
  readonly bookings: BookingStore;
  readonly meetings: MeetingStore;
  readonly actions: ActionStore;
  readonly audit: AuditStore;

  constructor(
    readonly db: Kysely<SchedulerDatabase>,
    readonly dialect: DialectName,
  ) {
    this.bridges = new BridgeStore(db);
    this.bookings = new BookingStore(db, dialect);
    this.meetings = new MeetingStore(db);
    this.actions = new ActionStore(db, dialect);
    this.audit = new AuditStore(db);
  }
}

export class SchedulerStorage extends SchedulerStores {
  private constructor(private readonly database: Database<SchedulerDatabase>) {
    super(database.db, database.dialect);
  }

  static async open(url: string): Promise<SchedulerStorage> {
    const database = await openDatabase<SchedulerDatabase>(url);
    try {
      await migrateToLatest(database, 'scheduler', schedulerMigrations(database.dialect));
    } catch (error) {
      await database.close();
      throw error;
    }
    return new SchedulerStorage(database);
  }

  transaction<T>(fn: (stores: SchedulerStores) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute((trx) => fn(new SchedulerStores(trx, this.dialect)));
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
