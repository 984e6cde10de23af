/**
 * The bridge's migrations, one set for both dialects. Only the auto-incrementing `seq` column (list
 * order = creation order, as CMS lists objects) differs by dialect.
 */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import type { MigrationFactory } from '../../../shared/migration-helpers.ts';
import { initial } from './0001_initial.ts';
import { users } from './0002_users.ts';
import { cdr } from './0004_cdr.ts';
import { bulk } from './0003_bulk.ts';
import { coSpaceSeqIndex } from './0005_co_space_seq_index.ts';

export function bridgeMigrations(dialect: DialectName): Record<string, Migration> {
  const factories: Record<string, MigrationFactory> = {
    '0001_initial': initial,
    '0002_users': users,
    '0004_cdr': cdr,
    '0003_bulk': bulk,
    '0005_co_space_seq_index': coSpaceSeqIndex,
  };
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(dialect)]));
}
