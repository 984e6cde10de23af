/**
 * Calls and legs closed when their session ends (`storage/sessionEnds.ts`): a bridge that restarts
 * starts a new session, and the calls and legs its old session left open are closed by the collector.
 *
 * - `call.session_ended`, `call_leg.session_ended`: 1 when the collector closed the object (no end
 *   record); an end record merged later sets it back to 0.
 * - `cdr_session.remote_address`: the address the session's first post came from (the source of a session
 *   whose posts carry neither `callBridge` nor a receiver query string); `ended_ms`, `ended_by`: when
 *   a newer session of the same source ended this one, and which.
 * - `call_open`, `call_leg_open`: the objects still open, by session (partial indexes: only open
 *   objects are in them, so closing a session's objects reads a few index entries, whatever the size
 *   of the database). An object leaves its index when it ends, in the same write that ends it.
 * - `cdr_session_open_labelled`, `cdr_session_open_address`: the sessions not ended yet, by what tells
 *   their source, so finding the older sessions of a new one reads a few entries, not every session.
 */
import { sql, type Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';


export function sessionEnd(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      for (const table of ['call', 'call_leg']) {
        await db.schema
          .alterTable(table)
          .addColumn('session_ended', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      }
      await db.schema.alterTable('cdr_session').addColumn('remote_address', 'text').execute();
      await db.schema.alterTable('cdr_session').addColumn('ended_ms', 'bigint').execute();
      await db.schema.alterTable('cdr_session').addColumn('ended_by', 'text').execute();
      await sql`CREATE INDEX call_open ON call (session) WHERE has_end = 0 AND session_ended = 0`.execute(db);
      await sql`CREATE INDEX call_leg_open ON call_leg (session) WHERE has_end = 0 AND session_ended = 0`.execute(db);
      await sql`CREATE INDEX cdr_session_open_labelled ON cdr_session (source, call_bridge) WHERE ended_ms IS NULL`.execute(db);
      await sql`CREATE INDEX cdr_session_open_address ON cdr_session (remote_address) WHERE ended_ms IS NULL AND call_bridge IS NULL AND source IS NULL`.execute(db);
    },
  };
}
