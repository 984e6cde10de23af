/** SQL for booking series (the whole BookingSeries is kept as JSON; organizer indexed for feeds). */
import { sql, type Kysely, type Selectable } from 'kysely';
import { fromFlag, toFlag, type DialectName } from '../../shared/database.ts';
import type { BookingSeries } from '../bookings/types.ts';
import type { BookingTable, SchedulerDatabase } from './schema.ts';

export interface StoredBooking {
  readonly series: BookingSeries;
  readonly createdMs: number;
  readonly updatedMs: number;
}

function toBooking(row: Selectable<BookingTable>): StoredBooking {
  const series = JSON.parse(row.series) as BookingSeries;
  return {
    series: { ...series, sequence: row.sequence, ...(fromFlag(row.cancelled) ? { cancelled: true } : {}) },
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
  };
}

/** The advisory lock key serialising booking changes across scheduler processes (any fixed number). */
const BOOKING_CHANGES_LOCK = 0x5b_b0_0c;

export class BookingStore {
  constructor(
    private readonly db: Kysely<SchedulerDatabase>,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Inside a transaction: waits until no other transaction (of any scheduler process on this
   * database) is changing bookings, and holds that until this one ends, so the conflict checks of
   * two bookings made at once cannot both pass on the last free space. Postgres: a transaction-level
   * advisory lock. SQLite: nothing to do (one process per file; the service serialises its changes).
   */
  async lockChanges(): Promise<void> {
    if (this.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${BOOKING_CHANGES_LOCK})`.execute(this.db);
  }

  async insert(series: BookingSeries, nowMs: number): Promise<void> {
    await this.db
      .insertInto('booking')
      .values({
        id: series.id,
        organizer: series.organizer.toLowerCase(),
        series: JSON.stringify(series),
        sequence: series.sequence,
        cancelled: toFlag(series.cancelled === true),
        created_ms: nowMs,
        updated_ms: nowMs,
      })
      .execute();
  }

  async update(series: BookingSeries, nowMs: number): Promise<void> {
    await this.db
      .updateTable('booking')
      .set({
        organizer: series.organizer.toLowerCase(),
        series: JSON.stringify(series),
        sequence: series.sequence,
        cancelled: toFlag(series.cancelled === true),
        updated_ms: nowMs,
      })
      .where('id', '=', series.id)
      .execute();
  }

  async get(id: string): Promise<StoredBooking | undefined> {
    const row = await this.db.selectFrom('booking').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toBooking(row) : undefined;
  }

  async list(options: { organizer?: string | undefined; includeCancelled?: boolean } = {}): Promise<StoredBooking[]> {
    let q = this.db.selectFrom('booking').selectAll().orderBy('seq');
    if (options.organizer !== undefined) q = q.where('organizer', '=', options.organizer.toLowerCase());
    if (options.includeCancelled !== true) q = q.where('cancelled', '=', 0);
    return (await q.execute()).map(toBooking);
  }
}
