import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

export function initial(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('managed_bridge'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('address', 'text', (c) => c.notNull().unique())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('password_enc', 'text', (c) => c.notNull())
        .addColumn('allow_self_signed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('domain', 'text')
        .addColumn('range_start', 'integer')
        .addColumn('range_end', 'integer')
        .addColumn('call_profile', 'text')
        .addColumn('call_leg_profile', 'text')
        .addColumn('bulk_parameter_set', 'text')
        .addColumn('bulk_sync', 'text')
        .addColumn('provision_state', 'text', (c) => c.notNull().defaultTo('none'))
        .addColumn('provision_error', 'text')
        .addColumn('missing_spaces', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('software_version', 'text')
        .addColumn('cluster', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('alternate_address', 'text')
        .addColumn('alternate_username', 'text')
        .addColumn('alternate_password_enc', 'text')
        .addColumn('alternate_allow_self_signed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();

      await withSeq(db.schema.createTable('space'), dialect)
        .addColumn('bridge_id', 'text', (c) => c.notNull().references('managed_bridge.id').onDelete('cascade'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('co_space_id', 'text')
        .addColumn('holder', 'text')
        .addUniqueConstraint('space_bridge_number', ['bridge_id', 'number'])
        .execute();

      await withSeq(db.schema.createTable('booking'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('organizer', 'text', (c) => c.notNull())
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cancelled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('booking_organizer').on('booking').column('organizer').execute();

      await withSeq(db.schema.createTable('meeting'), dialect)
        .addColumn('booking_id', 'text', (c) => c.notNull().references('booking.id').onDelete('cascade'))
        .addColumn('occurrence', 'integer', (c) => c.notNull())
        .addColumn('bridge_id', 'text')
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('end_ms', 'bigint', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('pin', 'text')
        .addColumn('participants', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('space_number', 'integer')
        .addColumn('co_space_id', 'text')
        .addColumn('call_id', 'text')
        .addColumn('secret', 'text')
        .addColumn('endpoint', 'text')
        .addColumn('space_opened', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('call_posting', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('meeting_booking_occurrence', ['booking_id', 'occurrence'])
        .execute();
      await db.schema.createIndex('meeting_window').on('meeting').columns(['bridge_id', 'start_ms', 'end_ms']).execute();

      await withSeq(db.schema.createTable('dial_out'), dialect)
        .addColumn('booking_id', 'text', (c) => c.notNull())
        .addColumn('occurrence', 'integer', (c) => c.notNull())
        .addColumn('uri', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('call_leg_id', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('dial_out_meeting', ['booking_id', 'occurrence'], 'meeting', ['booking_id', 'occurrence'], (fk) =>
          fk.onDelete('cascade'),
        )
        .addUniqueConstraint('dial_out_uri', ['booking_id', 'occurrence', 'uri'])
        .execute();

      await withSeq(db.schema.createTable('action'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('booking_id', 'text', (c) => c.notNull())
        .addColumn('occurrence', 'integer', (c) => c.notNull())
        .addColumn('due_ms', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until_ms', 'bigint')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('action_due').on('action').columns(['state', 'due_ms']).execute();
      await db.schema.createIndex('action_meeting').on('action').columns(['booking_id', 'occurrence']).execute();

      await withSeq(db.schema.createTable('audit'), dialect)
        .addColumn('booking_id', 'text')
        .addColumn('occurrence', 'integer')
        .addColumn('bridge_id', 'text')
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('method', 'text')
        .addColumn('path', 'text')
        .addColumn('fields', 'text')
        .addColumn('attempt', 'integer')
        .addColumn('status', 'integer')
        .addColumn('location', 'text')
        .addColumn('body', 'text')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'bigint')
        .execute();
      await db.schema.createIndex('audit_meeting').on('audit').columns(['booking_id', 'occurrence', 'seq']).execute();
      await db.schema.createIndex('audit_bridge').on('audit').columns(['bridge_id', 'seq']).execute();
    },
    async down(db: AnyDb) {
      for (const table of ['audit', 'action', 'dial_out', 'meeting', 'booking', 'space', 'managed_bridge']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
