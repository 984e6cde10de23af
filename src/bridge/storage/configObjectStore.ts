/** SQL for the small configuration objects kept as one row with JSON fields each. */
import type { Kysely, Selectable } from 'kysely';
import type { BridgeDatabase, ConfigObjectTable } from './schema.ts';

export type StoredFields = Record<string, string | number | boolean>;

export interface ConfigObject {
  readonly kind: string;
  readonly id: string;
  readonly fields: StoredFields;
}

function toObject(row: Selectable<ConfigObjectTable>): ConfigObject {
  return { kind: row.kind, id: row.id, fields: JSON.parse(row.fields) as StoredFields };
}

function nameOf(fields: StoredFields): string | null {
  const name = fields['name'];
  return typeof name === 'string' ? name : null;
}

function tenantOf(fields: StoredFields): string | null {
  const tenant = fields['tenant'];
  return typeof tenant === 'string' ? tenant : null;
}

export class ConfigObjectStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  async get(kind: string, id: string): Promise<ConfigObject | undefined> {
    const row = await this.db
      .selectFrom('config_object')
      .selectAll()
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toObject(row) : undefined;
  }

  async exists(kind: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('config_object')
      .select('id')
      .where('kind', '=', kind)
      .where('id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Every object of a kind, in creation order (these lists are small: profiles, rules, tenants). */
  async list(kind: string): Promise<ConfigObject[]> {
    const rows = await this.db.selectFrom('config_object').selectAll().where('kind', '=', kind).orderBy('seq').execute();
    return rows.map(toObject);
  }

  async count(kind: string): Promise<number> {
    const row = await this.db
      .selectFrom('config_object')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('kind', '=', kind)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insert(object: ConfigObject): Promise<void> {
    await this.db
      .insertInto('config_object')
      .values({
        kind: object.kind,
        id: object.id,
        name: nameOf(object.fields),
        tenant: tenantOf(object.fields),
        fields: JSON.stringify(object.fields),
      })
      .execute();
  }

  async update(object: ConfigObject): Promise<void> {
    await this.db
      .updateTable('config_object')
      .set({ name: nameOf(object.fields), tenant: tenantOf(object.fields), fields: JSON.stringify(object.fields) })
      .where('kind', '=', object.kind)
      .where('id', '=', object.id)
      .execute();
  }

  async delete(kind: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('config_object').where('kind', '=', kind).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
