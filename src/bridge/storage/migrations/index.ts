/**
 * The bridge's migrations, one set for both dialects. Only the auto-incrementing `seq` column (list
 * order = creation order, as CMS lists objects) differs by dialect.
 */
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { initial } from './0001_initial.ts';
import { users } from './0002_users.ts';

export type MigrationFactory = (dialect: DialectName) => Migration;

export function bridgeMigrations(dialect: DialectName): Record<string, Migration> {
  const factories: Record<string, MigrationFactory> = {
    '0001_initial': initial,
    '0002_users': users,
  };
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(dialect)]));
}

export type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
