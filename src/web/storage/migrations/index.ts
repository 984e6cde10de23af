/** The web UI's migrations, kept in their own migration table (`web_migration`). */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { usersAndSessions } from './0001_users_sessions.ts';

export function webMigrations(dialect: DialectName): Record<string, Migration> {
  return { '0001_users_sessions': usersAndSessions(dialect) };
}
