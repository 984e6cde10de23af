/** SQL for meetings (materialised occurrences) and their dial-outs. */
import type { Kysely, Selectable, Updateable } from 'kysely';
import { fromFlag, toFlag } from '../../shared/database.ts';
import type { BookingParticipant, BookingType } from '../bookings/types.ts';
import type { DialOut, DialOutState, Endpoint, Meeting, MeetingState } from '../domain/meeting.ts';
import type { DialOutTable, MeetingTable, SchedulerDatabase } from './schema.ts';

function toMeeting(row: Selectable<MeetingTable>): Meeting {
  return {
    bookingId: row.booking_id,
    occurrence: row.occurrence,
    bridgeId: row.bridge_id,
    startMs: row.start_ms,
    endMs: row.end_ms,
    title: row.title,
    pin: row.pin,
    participants: JSON.parse(row.participants) as BookingParticipant[],
    type: row.type as BookingType,
    state: row.state as MeetingState,
    spaceNumber: row.space_number,
    coSpaceId: row.co_space_id,
    callId: row.call_id,
    secret: row.secret,
    endpoint: row.endpoint as Endpoint | null,
    spaceOpened: fromFlag(row.space_opened),
    callPosting: fromFlag(row.call_posting),
    error: row.error,
    updatedMs: row.updated_ms,
  };
}

export type MeetingChanges = Partial<
  Pick<
    Meeting,
    | 'bridgeId'
    | 'startMs'
    | 'endMs'
    | 'title'
    | 'pin'
    | 'participants'
    | 'type'
    | 'state'
    | 'spaceNumber'
    | 'coSpaceId'
    | 'callId'
    | 'secret'
    | 'endpoint'
    | 'spaceOpened'
    | 'callPosting'
    | 'error'
  >
>;

function changesToRow(c: MeetingChanges): Updateable<MeetingTable> {
  const row: Updateable<MeetingTable> = {};
  if (c.bridgeId !== undefined) row.bridge_id = c.bridgeId;
  if (c.startMs !== undefined) row.start_ms = c.startMs;
  if (c.endMs !== undefined) row.end_ms = c.endMs;
  if (c.title !== undefined) row.title = c.title;
  if (c.pin !== undefined) row.pin = c.pin;
  if (c.participants !== undefined) row.participants = JSON.stringify(c.participants);
  if (c.type !== undefined) row.type = c.type;
  if (c.state !== undefined) row.state = c.state;
  if (c.spaceNumber !== undefined) row.space_number = c.spaceNumber;
  if (c.coSpaceId !== undefined) row.co_space_id = c.coSpaceId;
  if (c.callId !== undefined) row.call_id = c.callId;
  if (c.secret !== undefined) row.secret = c.secret;
  if (c.endpoint !== undefined) row.endpoint = c.endpoint;
  if (c.spaceOpened !== undefined) row.space_opened = toFlag(c.spaceOpened);
  if (c.callPosting !== undefined) row.call_posting = toFlag(c.callPosting);
  if (c.error !== undefined) row.error = c.error;
  return row;
}

const DIAL_OUT_ROWS_PER_INSERT = 500;

function toDialOut(row: Selectable<DialOutTable>): DialOut {
  return {
    bookingId: row.booking_id,
    occurrence: row.occurrence,
    uri: row.uri,
    name: row.name,
    state: row.state as DialOutState,
    callLegId: row.call_leg_id,
    attempts: row.attempts,
    updatedMs: row.updated_ms,
  };
}

export class MeetingStore {
  constructor(private readonly db: Kysely<SchedulerDatabase>) {}

  async insert(m: Meeting): Promise<void> {
    await this.db
      .insertInto('meeting')
      .values({
        booking_id: m.bookingId,
        occurrence: m.occurrence,
        bridge_id: m.bridgeId,
        start_ms: m.startMs,
        end_ms: m.endMs,
        title: m.title,
        pin: m.pin,
        participants: JSON.stringify(m.participants),
        type: m.type,
        state: m.state,
        space_number: m.spaceNumber,
        co_space_id: m.coSpaceId,
        call_id: m.callId,
        secret: m.secret,
        endpoint: m.endpoint,
        space_opened: toFlag(m.spaceOpened),
        call_posting: toFlag(m.callPosting),
        error: m.error,
        updated_ms: m.updatedMs,
      })
      .execute();
  }

  async get(bookingId: string, occurrence: number): Promise<Meeting | undefined> {
    const row = await this.db
      .selectFrom('meeting')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence)
      .executeTakeFirst();
    return row ? toMeeting(row) : undefined;
  }

  /** Several meetings by key, in one query per 500 keys (a burst of starts reads them at once); missing ones are left out. */
  async getMany(keys: ReadonlyArray<{ bookingId: string; occurrence: number }>): Promise<Meeting[]> {
    const out: Meeting[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const rows = await this.db
        .selectFrom('meeting')
        .selectAll()
        .where((eb) => eb(eb.refTuple('booking_id', 'occurrence'), 'in', chunk.map((k) => eb.tuple(k.bookingId, k.occurrence))))
        .execute();
      out.push(...rows.map(toMeeting));
    }
    return out;
  }

  async ofBooking(bookingId: string): Promise<Meeting[]> {
    const rows = await this.db.selectFrom('meeting').selectAll().where('booking_id', '=', bookingId).orderBy('occurrence').execute();
    return rows.map(toMeeting);
  }

  /**
   * The first meeting of a booking (by occurrence) holding a space that has not ended by `nowMs`, else the
   * first holding one at all; undefined when none has a space.
   */
  async firstWithSpace(bookingId: string, nowMs: number): Promise<Meeting | undefined> {
    const withSpace = this.db.selectFrom('meeting').selectAll().where('booking_id', '=', bookingId).where('space_number', 'is not', null).orderBy('occurrence').limit(1);
    const row = (await withSpace.where('end_ms', '>', nowMs).executeTakeFirst()) ?? (await withSpace.executeTakeFirst());
    return row ? toMeeting(row) : undefined;
  }

  /** Meetings on a bridge (or any, with bridgeId undefined) overlapping [fromMs, toMs), not finished. */
  async overlapping(fromMs: number, toMs: number, bridgeId?: string): Promise<Meeting[]> {
    let q = this.db
      .selectFrom('meeting')
      .selectAll()
      .where('start_ms', '<', toMs)
      .where('end_ms', '>', fromMs)
      .where('state', 'not in', ['ended', 'failed', 'cancelled']);
    if (bridgeId !== undefined) q = q.where('bridge_id', '=', bridgeId);
    return (await q.orderBy('start_ms').execute()).map(toMeeting);
  }

  /** Updates fields; `expectState` makes it a compare-and-set. Returns whether a row changed. */
  async update(bookingId: string, occurrence: number, changes: MeetingChanges, nowMs: number, expectState?: MeetingState): Promise<boolean> {
    let q = this.db
      .updateTable('meeting')
      .set({ ...changesToRow(changes), updated_ms: nowMs })
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence);
    if (expectState !== undefined) q = q.where('state', '=', expectState);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async delete(bookingId: string, occurrence: number): Promise<void> {
    await this.db.deleteFrom('meeting').where('booking_id', '=', bookingId).where('occurrence', '=', occurrence).execute();
  }

  // ---- dial-outs ----

  async setDialOuts(bookingId: string, occurrence: number, participants: ReadonlyArray<{ uri: string; name?: string | undefined }>, nowMs: number): Promise<void> {
    await this.db.deleteFrom('dial_out').where('booking_id', '=', bookingId).where('occurrence', '=', occurrence).execute();
    const seen = new Set<string>();
    const rows = [];
    for (const p of participants) {
      if (seen.has(p.uri)) continue;
      seen.add(p.uri);
      rows.push({ booking_id: bookingId, occurrence, uri: p.uri, name: p.name ?? null, state: 'pending', call_leg_id: null, attempts: 0, updated_ms: nowMs });
    }
    // Several rows per statement (8 parameters each: well under SQLite's and Postgres' limits), in order.
    for (let i = 0; i < rows.length; i += DIAL_OUT_ROWS_PER_INSERT) {
      await this.db.insertInto('dial_out').values(rows.slice(i, i + DIAL_OUT_ROWS_PER_INSERT)).execute();
    }
  }

  /** The dial-outs of a booking's occurrences `from` to `to` (inclusive), by occurrence, in the order they were set. */
  async dialOutsOfOccurrences(bookingId: string, from: number, to: number): Promise<DialOut[]> {
    const rows = await this.db
      .selectFrom('dial_out')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .where('occurrence', '>=', from)
      .where('occurrence', '<=', to)
      .orderBy('occurrence')
      .orderBy('seq')
      .execute();
    return rows.map(toDialOut);
  }

  async dialOuts(bookingId: string, occurrence: number): Promise<DialOut[]> {
    const rows = await this.db
      .selectFrom('dial_out')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence)
      .orderBy('seq')
      .execute();
    return rows.map(toDialOut);
  }

  async updateDialOut(
    bookingId: string,
    occurrence: number,
    uri: string,
    changes: { state?: DialOutState; callLegId?: string | null; attempts?: number },
    nowMs: number,
  ): Promise<void> {
    await this.db
      .updateTable('dial_out')
      .set({
        ...(changes.state === undefined ? {} : { state: changes.state }),
        ...(changes.callLegId === undefined ? {} : { call_leg_id: changes.callLegId }),
        ...(changes.attempts === undefined ? {} : { attempts: changes.attempts }),
        updated_ms: nowMs,
      })
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence)
      .where('uri', '=', uri)
      .execute();
  }
}
