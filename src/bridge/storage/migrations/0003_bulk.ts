/** Bulk coSpaces: `/cospaceBulkParameterSets` and `/cospaceBulkSyncs`. */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from './index.ts';

export function bulk(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('co_space_bulk_parameter_set'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('start_index', 'bigint', (c) => c.notNull())
        .addColumn('end_index', 'bigint', (c) => c.notNull())
        .addColumn('uri_mapping', 'text')
        .addColumn('name_mapping', 'text')
        .addColumn('call_id_mapping', 'text')
        .addColumn('tenant', 'text')
        .addColumn('call_profile', 'text')
        .addColumn('call_leg_profile', 'text')
        .addColumn('call_branding_profile', 'text')
        .addColumn('non_member_access', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();

      await withSeq(db.schema.createTable('co_space_bulk_sync'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('parameter_set', 'text', (c) => c.notNull())
        .addColumn('remove_all', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('call_bridge', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('co_space_bulk_sync_node').on('co_space_bulk_sync').columns(['call_bridge', 'status']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('co_space_bulk_sync').execute();
      await db.schema.dropTable('co_space_bulk_parameter_set').execute();
    },
  };
}
