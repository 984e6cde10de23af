import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

export function initial(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('call_bridge'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('address', 'text')
        .addColumn('sip_domain', 'text')
        .addColumn('call_bridge_group', 'text')
        .addColumn('is_node', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_seen_ms', 'bigint')
        .execute();

      await withSeq(db.schema.createTable('co_space'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('uri', 'text', (c) => c.unique())
        .addColumn('secondary_uri', 'text', (c) => c.unique())
        .addColumn('call_id', 'text', (c) => c.unique())
        .addColumn('passcode', 'text')
        .addColumn('secret', 'text')
        .addColumn('non_member_access', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('cdr_tag', 'text')
        .addColumn('default_layout', 'text')
        .addColumn('tenant', 'text')
        .addColumn('call_leg_profile', 'text')
        .addColumn('call_profile', 'text')
        .addColumn('call_branding_profile', 'text')
        .addColumn('dial_in_security_profile', 'text')
        .addColumn('owner_jid', 'text')
        .addColumn('owner_ad_guid', 'text')
        .addColumn('stream_url', 'text')
        .addColumn('meeting_scheduler', 'text')
        .addColumn('pane_placement_highest_importance', 'bigint')
        .addColumn('pane_placement_self_pane_mode', 'text')
        .addColumn('bulk_parameter_set', 'text')
        .addColumn('auto_generated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('call_correlator', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('co_space_tenant').on('co_space').column('tenant').execute();
      await db.schema.createIndex('co_space_bulk').on('co_space').column('bulk_parameter_set').execute();
      await db.schema.createIndex('co_space_call_leg_profile').on('co_space').column('call_leg_profile').execute();

      await withSeq(db.schema.createTable('access_method'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('co_space', 'text', (c) => c.notNull().references('co_space.id').onDelete('cascade'))
        .addColumn('uri', 'text')
        .addColumn('call_id', 'text')
        .addColumn('passcode', 'text')
        .addColumn('fields', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_method_co_space').on('access_method').column('co_space').execute();
      await db.schema.createIndex('access_method_uri').on('access_method').column('uri').execute();
      await db.schema.createIndex('access_method_call_id').on('access_method').column('call_id').execute();

      await withSeq(db.schema.createTable('co_space_user'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('co_space', 'text', (c) => c.notNull().references('co_space.id').onDelete('cascade'))
        .addColumn('user_jid', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('co_space_user_co_space').on('co_space_user').column('co_space').execute();

      await withSeq(db.schema.createTable('config_object'), dialect)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('tenant', 'text')
        .addColumn('fields', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('config_object_kind').on('config_object').columns(['kind', 'seq']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('config_object').execute();
      await db.schema.dropTable('co_space_user').execute();
      await db.schema.dropTable('access_method').execute();
      await db.schema.dropTable('co_space').execute();
      await db.schema.dropTable('call_bridge').execute();
    },
  };
}
