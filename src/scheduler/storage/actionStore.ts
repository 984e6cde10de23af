/**
 * Durable runner actions (start, monitor, end of a meeting) claimed with leases: a claim sets
 * `lease_owner`/`lease_until_ms` on due rows whose lease is free or expired, in one statement
 * (`FOR UPDATE SKIP LOCKED` on Postgres), so several scheduler processes never run one action twice.
 */
import type { Expression, ExpressionBuilder, Kysely, QueryCreator, Selectable, SqlBool } from 'kysely';
import type { DialectName } from '../../shared/database.ts';
import { newGuid } from '../../shared/ids.ts';
import type { Action, ActionKind } from '../domain/meeting.ts';
import type { ActionTable, SchedulerDatabase } from './schema.ts';

function toAction(row: Selectable<ActionTable>): Action {
  return { id: row.id, kind: row.kind as ActionKind, bookingId: row.booking_id, occurrence: row.occurrence, dueMs: row.due_ms, attempts: row.attempts };
}

export class ActionStore {
  constructor(
    private readonly db: Kysely<SchedulerDatabase>,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Schedules an action; an existing pending, unclaimed action of the same kind for the meeting is moved
   * instead (a claimed one is running now: it gets a successor, e.g. the next monitor pass).
   */
  async schedule(kind: ActionKind, bookingId: string, occurrence: number, dueMs: number, nowMs: number): Promise<void> {
    const res = await this.db
      .updateTable('action')
      .set({ due_ms: dueMs })
      .where('kind', '=', kind)
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence)
      .where('state', '=', 'pending')
      .where('lease_owner', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) return;
    await this.db
      .insertInto('action')
      .values({
        id: newGuid(),
        kind,
        booking_id: bookingId,
        occurrence,
        due_ms: dueMs,
        state: 'pending',
        lease_owner: null,
        lease_until_ms: null,
        attempts: 0,
        last_error: null,
        created_ms: nowMs,
      })
      .execute();
  }

  /**
   * Claims up to `limit` due actions for `owner` until `nowMs + leaseMs`.
   *
   * On Postgres the due rows are picked once, in a MATERIALIZED CTE (`FOR UPDATE SKIP LOCKED`), and the
   * update joins on it. The shorter `UPDATE ... WHERE seq IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)`
   * lets the planner re-run the sub-select per row, so one claim could take every due action, ignoring
   * the limit (one process then held work meant for the others).
   */
  async claimDue(owner: string, nowMs: number, leaseMs: number, limit: number): Promise<Action[]> {
    const free = (eb: ExpressionBuilder<SchedulerDatabase, 'action'>): Expression<SqlBool> => eb.or([eb('action.lease_until_ms', 'is', null), eb('action.lease_until_ms', '<', nowMs)]);
    const due = (db: QueryCreator<SchedulerDatabase>) =>
      db
        .selectFrom('action')
        .select('action.seq')
        .where('action.state', '=', 'pending')
        .where('action.due_ms', '<=', nowMs)
        .where(free)
        .orderBy('action.due_ms')
        .orderBy('action.seq')
        .limit(limit);
    const lease = (eb: ExpressionBuilder<SchedulerDatabase, 'action'>) => ({ lease_owner: owner, lease_until_ms: nowMs + leaseMs, attempts: eb('action.attempts', '+', 1) });
    const rows =
      this.dialect === 'postgres'
        ? await this.db
            .with((cte) => cte('due').materialized(), (db) => due(db).forUpdate().skipLocked())
            .updateTable('action')
            .from('due')
            .set(lease)
            .whereRef('action.seq', '=', 'due.seq')
            .where('action.state', '=', 'pending')
            .returningAll('action')
            .execute()
        : await this.db.updateTable('action').set(lease).where('action.seq', 'in', due(this.db)).where('action.state', '=', 'pending').where(free).returningAll().execute();
    return rows.map(toAction).sort((a, b) => a.dueMs - b.dueMs);
  }

  /** Extends a lease the owner still holds; false when it was lost. */
  async renew(id: string, owner: string, untilMs: number): Promise<boolean> {
    const res = await this.db.updateTable('action').set({ lease_until_ms: untilMs }).where('id', '=', id).where('lease_owner', '=', owner).where('state', '=', 'pending').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async complete(id: string, owner: string): Promise<void> {
    await this.db.updateTable('action').set({ state: 'done', lease_owner: null, lease_until_ms: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  async fail(id: string, owner: string, error: string): Promise<void> {
    await this.db.updateTable('action').set({ state: 'failed', lease_owner: null, lease_until_ms: null, last_error: error }).where('id', '=', id).where('lease_owner', '=', owner).execute();
  }

  /** Gives the action back, to run again at `dueMs` (retry with backoff). */
  async retryAt(id: string, owner: string, dueMs: number, error: string): Promise<void> {
    await this.db
      .updateTable('action')
      .set({ due_ms: dueMs, lease_owner: null, lease_until_ms: null, last_error: error })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** Cancels pending actions of a meeting (all kinds, or one). */
  async cancel(bookingId: string, occurrence: number, kind?: ActionKind): Promise<void> {
    let q = this.db.updateTable('action').set({ state: 'cancelled' }).where('booking_id', '=', bookingId).where('occurrence', '=', occurrence).where('state', '=', 'pending');
    if (kind !== undefined) q = q.where('kind', '=', kind);
    await q.execute();
  }

  async pending(bookingId: string, occurrence: number): Promise<Action[]> {
    const rows = await this.db
      .selectFrom('action')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .where('occurrence', '=', occurrence)
      .where('state', '=', 'pending')
      .orderBy('due_ms')
      .execute();
    return rows.map(toAction);
  }

  /**
   * Earliest due time of any pending action, or of those due strictly after `afterMs` (the runner wakes
   * then: actions due at or before its last claim were either taken or are leased by another process).
   * One look-up in the (state, due_ms) index.
   */
  async nextDue(afterMs?: number): Promise<number | undefined> {
    let q = this.db
      .selectFrom('action')
      .select((eb) => eb.fn.min<number | null>('due_ms').as('due'))
      .where('state', '=', 'pending');
    if (afterMs !== undefined) q = q.where('due_ms', '>', afterMs);
    const row = await q.executeTakeFirst();
    return row?.due ?? undefined;
  }
}
