import type { CreateTableBuilder, Kysely, Migration, Transaction } from 'kysely';
import type { DialectName } from './database.ts';

/** Adds the auto-incrementing `seq` primary key that orders rows by creation on either dialect. */
export function withSeq<T extends string>(table: CreateTableBuilder<T>, dialect: DialectName): CreateTableBuilder<T, 'seq'> {
  return dialect === 'sqlite'
    ? table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('seq', 'bigserial', (c) => c.primaryKey());
}

/** A database handle of no particular schema: what migrations and schema-wide steps work on. */
export type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A transaction of no particular schema. */
export type AnyTransaction = Transaction<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One migration, made for a dialect. */
export type MigrationFactory = (dialect: DialectName) => Migration;
