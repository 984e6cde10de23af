/** Bulk coSpaces: `/cospaceBulkParameterSets` and `/cospaceBulkSyncs`. */
import { sql, type Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

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

      // The number of coSpaces, kept by triggers: every unfiltered `/coSpaces` page reports `total`,
      // and counting 100,000 rows per request (a full scan on Postgres) was the list's hot spot.
      await db.schema
        .createTable('co_space_count')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into co_space_count (id, n) select 1, count(*) from co_space`.execute(db);
      if (dialect === 'sqlite') {
        await sql`create trigger co_space_count_insert after insert on co_space begin update co_space_count set n = n + 1 where id = 1; end`.execute(db);
        await sql`create trigger co_space_count_delete after delete on co_space begin update co_space_count set n = n - 1 where id = 1; end`.execute(db);
      } else {
        // Statement-level with transition tables: a bulk insert of 10,000 rows updates the counter once.
        await sql`create function co_space_count_insert() returns trigger language plpgsql as $$
          begin update co_space_count set n = n + (select count(*) from new_rows) where id = 1; return null; end $$`.execute(db);
        await sql`create function co_space_count_delete() returns trigger language plpgsql as $$
          begin update co_space_count set n = n - (select count(*) from old_rows) where id = 1; return null; end $$`.execute(db);
        await sql`create trigger co_space_count_insert after insert on co_space referencing new table as new_rows for each statement execute function co_space_count_insert()`.execute(db);
        await sql`create trigger co_space_count_delete after delete on co_space referencing old table as old_rows for each statement execute function co_space_count_delete()`.execute(db);
      }
    },
    async down(db: AnyDb) {
      for (const name of ['co_space_count_insert', 'co_space_count_delete']) {
        if (dialect === 'sqlite') await sql`drop trigger if exists ${sql.id(name)}`.execute(db);
        else {
          await sql`drop trigger if exists ${sql.id(name)} on co_space`.execute(db);
          await sql`drop function if exists ${sql.id(name)}()`.execute(db);
        }
      }
      await db.schema.dropTable('co_space_count').execute();
      await db.schema.dropTable('co_space_bulk_sync').execute();
      await db.schema.dropTable('co_space_bulk_parameter_set').execute();
    },
  };
}
