/** The collector's migrations (table `collector_migration`), one set for SQLite and Postgres. */
import type { Migration } from 'kysely';
import type { DialectName } from '../../../shared/database.ts';
import { initial } from './0001_initial.ts';
import { objectSeq } from './0002_object_seq.ts';
import { objectKey } from './0003_object_key.ts';
import { quarantine } from './0004_quarantine.ts';
import { sessionEnd } from './0005_session_end.ts';

export function collectorMigrations(dialect: DialectName): Record<string, Migration> {
  const factories: Record<string, (dialect: DialectName) => Migration> = {
    '0001_initial': initial,
    '0002_object_seq': objectSeq,
    '0003_object_key': objectKey,
    '0004_quarantine': quarantine,
    '0005_session_end': sessionEnd,
  };
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(dialect)]));
}
