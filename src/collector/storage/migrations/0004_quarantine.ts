/**
 * Posts the collector cannot use, and the exact bytes of records whose text is not exact.
 *
 * - `cdr_quarantine`: one row per complete post that was quarantined (`ingest/ingestPipeline.ts`): its
 *   body byte for byte, why (`code`, `reason`), when, from where (`source`: the receiver URI's query
 *   string without the ingest token; `remote_address`), and its session when it was read that far.
 *   Listed newest first by `seq`.
 * - `cdr_record.raw_bytes`: a record's exact bytes when its `raw` text cannot represent them (bytes
 *   that are not UTF-8, or a 0x00 byte, stored escaped: `ingest/text.ts`); NULL otherwise (almost
 *   always), so it costs nothing on the ingest path.
 */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { withSeq } from '../../../shared/migration-helpers.ts';
import type { AnyDb } from '../../../shared/migration-helpers.ts';


export function quarantine(dialect: DialectName): Migration {
  const bytes = dialect === 'sqlite' ? 'blob' : 'bytea';
  return {
    async up(db: AnyDb) {
      await withSeq(db.schema.createTable('cdr_quarantine'), dialect)
        .addColumn('received_ms', 'bigint', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('session', 'text')
        .addColumn('source', 'text')
        .addColumn('remote_address', 'text')
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('body', bytes, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('cdr_record').addColumn('raw_bytes', bytes).execute();
    },
  };
}
