import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

/**
 * A narrow index over coSpace list order. On SQLite `seq` is the rowid, so the table is already in
 * that order, but stepping over N rows of it reads their whole records; this one-column index lets a
 * deep page (`offset=N`) skip N entries cheaply. Postgres already has its primary-key index.
 */
export function coSpaceSeqIndex(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      if (dialect === 'sqlite') await db.schema.createIndex('co_space_seq').on('co_space').column('seq').execute();
    },
    async down(db: AnyDb) {
      if (dialect === 'sqlite') await db.schema.dropIndex('co_space_seq').execute();
    },
  };
}
