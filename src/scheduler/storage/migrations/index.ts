/** The scheduler's migrations (table `scheduler_migration`), one set for both dialects. */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import type { MigrationFactory } from '../../../shared/migration-helpers.ts';
import { initial } from './0001_initial.ts';
import { spaceClaimIndexes } from './0002_space_claim_indexes.ts';

export function schedulerMigrations(dialect: DialectName): Record<string, Migration> {
  const factories: Record<string, MigrationFactory> = {
    '0001_initial': initial,
    '0002_space_claim_indexes': spaceClaimIndexes,
  };
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(dialect)]));
}
