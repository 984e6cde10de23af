import type { CreateTableBuilder } from 'kysely';
import type { DialectName } from './database.ts';

/** Adds the auto-incrementing `seq` primary key that orders rows by creation on either dialect. */
export function withSeq<T extends string>(table: CreateTableBuilder<T>, dialect: DialectName): CreateTableBuilder<T, 'seq'> {
  return dialect === 'sqlite'
    ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());
}
