/**
 * Integer object keys (`seq`) for calls, call legs and media sessions, in arrival order, so that
 * what a record or a leg refers to is indexed by an integer that grows with time instead of by a
 * GUID (a bridge's object ids are random: every GUID index entry lands on a random page, and a group
 * commit of 400 records rewrote about three index pages per record; BENCHMARKS.md, fourth session).
 *
 * - `call.seq`, `call_leg.seq`, `media_session.seq`: one shared numbering (`collector_sequence`
 *   row 'object'), so a record's `object_seq` names one object whatever its kind.
 * - `cdr_record.object_seq` replaces the GUID index `cdr_record_object`.
 * - `call_leg.call_seq` (the leg's call) replaces `call_leg_call`; legs whose call has not arrived
 *   yet keep `call_seq` NULL and sit in the small partial index `call_leg_orphan` on `call_id`
 *   until the call's first record stitches them.
 * - `call_meeting`, `call_co_space` and `call_leg_remote_party` go: their values are GUIDs or
 *   thousands of names, so they too cost a random page per call or leg. Filters by meeting, space
 *   or party read the time range's rows (the span indexes), or every row without a range.
 */
import { sql, type Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { CALL_LEG_RECORD_TYPES, CALL_RECORD_TYPES, RECORDING_RECORD_TYPES, STREAMING_RECORD_TYPES } from '../../domain/record.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';


function typeList(types: readonly string[]): ReturnType<typeof sql.join> {
  return sql.join(types.map((t) => sql.lit(t)));
}

export function objectSeq(_dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('call').addColumn('seq', 'bigint').execute();
      await db.schema.alterTable('call_leg').addColumn('seq', 'bigint').execute();
      await db.schema.alterTable('call_leg').addColumn('call_seq', 'bigint').execute();
      await db.schema.alterTable('media_session').addColumn('seq', 'bigint').execute();
      await db.schema.alterTable('cdr_record').addColumn('object_seq', 'bigint').execute();
      await db.schema
        .createTable('collector_sequence')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();

      // Existing objects: numbered table by table in (begin, id) order (arrival order is not kept on
      // Postgres), then the references.
      const number = async (table: string, order: string): Promise<void> => {
        await sql`UPDATE ${sql.table(table)} SET seq = n.rn + (SELECT coalesce(max(value), 0) FROM collector_sequence)
          FROM (SELECT id, row_number() OVER (ORDER BY ${sql.raw(order)}) AS rn FROM ${sql.table(table)}) AS n
          WHERE ${sql.table(table)}.id = n.id`.execute(db);
        await sql`DELETE FROM collector_sequence`.execute(db);
        await sql`INSERT INTO collector_sequence (name, value) SELECT 'object', coalesce(max(seq), 0) FROM (
          SELECT seq FROM call UNION ALL SELECT seq FROM call_leg UNION ALL SELECT seq FROM media_session) AS s`.execute(db);
      };
      await sql`INSERT INTO collector_sequence (name, value) VALUES ('object', 0)`.execute(db);
      await number('call', 'begin_ms, id');
      await number('call_leg', 'begin_ms, id');
      await number('media_session', 'start_ms, id');
      await sql`UPDATE call_leg SET call_seq = (SELECT c.seq FROM call c WHERE c.id = call_leg.call_id) WHERE call_id IS NOT NULL`.execute(db);
      const refer = async (table: string, types: readonly string[]): Promise<void> => {
        await sql`UPDATE cdr_record SET object_seq = (SELECT o.seq FROM ${sql.table(table)} o WHERE o.id = cdr_record.object_id)
          WHERE object_id IS NOT NULL AND type IN (${typeList(types)})`.execute(db);
      };
      await refer('call', CALL_RECORD_TYPES);
      await refer('call_leg', CALL_LEG_RECORD_TYPES);
      await refer('media_session', [...RECORDING_RECORD_TYPES, ...STREAMING_RECORD_TYPES]);

      await db.schema.dropIndex('cdr_record_object').execute();
      await db.schema.dropIndex('call_leg_call').execute();
      await db.schema.dropIndex('call_meeting').execute();
      await db.schema.dropIndex('call_leg_remote_party').execute();
      await db.schema.dropIndex('call_co_space').execute();
      await db.schema.createIndex('cdr_record_object_seq').on('cdr_record').column('object_seq').execute();
      await db.schema.createIndex('call_leg_call_seq').on('call_leg').column('call_seq').execute();
      await db.schema.createIndex('call_leg_orphan').on('call_leg').column('call_id').where(sql.ref('call_seq'), 'is', null).execute();
    },
  };
}
