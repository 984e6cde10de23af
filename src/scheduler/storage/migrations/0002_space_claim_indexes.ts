import { sql, type Migration } from 'kysely';
import type { AnyDb } from '../../../shared/migration-helpers.ts';

/**
 * Space claims in a burst of starts: finding the space a meeting already holds and the lowest free one
 * were scans of the bridge's whole range (a thousand simultaneous claims on a thousand spaces: half a
 * million rows). A holder index and a partial index of free spaces make both look-ups direct.
 */
export function spaceClaimIndexes(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.createIndex('space_holder').on('space').columns(['bridge_id', 'holder']).execute();
      await db.schema.createIndex('space_free').on('space').columns(['bridge_id', 'number']).where(sql.ref('holder'), 'is', null).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('space_free').execute();
      await db.schema.dropIndex('space_holder').execute();
    },
  };
}
