/** The scheduler's migrations (table `scheduler_migration`), one set for both dialects. */
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { initial } from './0001_initial.ts';
import { spaceClaimIndexes } from './0002_space_claim_indexes.ts';

export type MigrationFactory = (dialect: DialectName) => Migration;

export function schedulerMigrations(dialect: DialectName): Record<string, Migration> {
  const factories: Record<string, MigrationFactory> = {
    '0001_initial': initial,
    '0002_space_claim_indexes': spaceClaimIndexes,
  };
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(dialect)]));
}

export type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
