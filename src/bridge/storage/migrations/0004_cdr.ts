import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

/**
 * CDR delivery: the receivers of each call bridge (local to the node, as in CMS) with their delivery
 * state, and the durable outbox of records not yet delivered to every receiver of their node.
 */
export function cdr(dialect: DialectName): Migration {
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('cdr_receiver'), dialect)
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('call_bridge', 'text', (c) => c.notNull())
        .addColumn('uri', 'text')
        .addColumn('legacy', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cursor_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('session', 'text')
        .addColumn('record_index', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('missing', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('drop_after', 'bigint')
        .addColumn('dropped_through', 'bigint')
        .addColumn('range_missing', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('cdr_receiver_call_bridge').on('cdr_receiver').columns(['call_bridge', 'seq']).execute();

      await withSeq(db.schema.createTable('cdr_outbox'), dialect)
        .addColumn('call_bridge', 'text', (c) => c.notNull())
        .addColumn('session', 'text', (c) => c.notNull())
        .addColumn('correlator_index', 'bigint', (c) => c.notNull())
        .addColumn('time_ms', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cdr_outbox_call_bridge').on('cdr_outbox').columns(['call_bridge', 'seq']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('cdr_outbox').execute();
      await db.schema.dropTable('cdr_receiver').execute();
    },
  };
}
