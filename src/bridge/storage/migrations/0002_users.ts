import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

/** `/users`: on a real CMS they come from LDAP; here from `switchboard bridge --users FILE.json`. */
export function users(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('cms_user'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        /** Lower-cased; unique. */
        .addColumn('user_jid', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('email', 'text')
        .addColumn('authentication_id', 'text')
        .addColumn('user_profile', 'text')
        .addColumn('tenant', 'text')
        .addColumn('cdr_tag', 'text')
        .execute();
      await db.schema.createIndex('cms_user_tenant').on('cms_user').column('tenant').execute();
      await db.schema.createIndex('co_space_user_jid').on('co_space_user').column('user_jid').execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('co_space_user_jid').execute();
      await db.schema.dropTable('cms_user').execute();
    },
  };
}
