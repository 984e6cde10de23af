/** SQL for users (`cms_user`). */
import { sql, type Kysely, type Selectable } from 'kysely';
import { newGuid } from '../../shared/ids.ts';
import type { User, UserEntry } from '../domain/user.ts';
import type { BridgeDatabase, CmsUserTable } from './schema.ts';

export interface UserListFilter {
  /** Case-insensitive substring over userJid and name. */
  readonly filter?: string | undefined;
  readonly tenant?: string | undefined;
  /** Exact, case-insensitive. */
  readonly email?: string | undefined;
  /** Exact. */
  readonly cdrTag?: string | undefined;
}

function toUser(row: Selectable<CmsUserTable>): User {
  return {
    id: row.id,
    userJid: row.user_jid,
    name: row.name,
    email: row.email,
    authenticationId: row.authentication_id,
    userProfile: row.user_profile,
    tenant: row.tenant,
    cdrTag: row.cdr_tag,
  };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class UserStore {
  constructor(private readonly db: Kysely<BridgeDatabase>) {}

  async get(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('cms_user').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async getByJid(userJid: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('cms_user').selectAll().where('user_jid', '=', userJid.toLowerCase()).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  /** Inserts new users and updates known ones (by jid), keeping their ids. Returns how many were new. */
  async upsert(entries: readonly UserEntry[]): Promise<number> {
    let added = 0;
    for (const e of entries) {
      const values = {
        name: e.name,
        email: e.email,
        authentication_id: e.authenticationId,
        user_profile: e.userProfile,
        tenant: e.tenant,
        cdr_tag: e.cdrTag,
      };
      const result = await this.db.updateTable('cms_user').set(values).where('user_jid', '=', e.userJid).executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        await this.db.insertInto('cms_user').values({ id: newGuid(), user_jid: e.userJid, ...values }).execute();
        added++;
      }
    }
    return added;
  }

  async list(filter: UserListFilter, offset: number, limit: number): Promise<{ total: number; items: User[] }> {
    let query = this.db.selectFrom('cms_user');
    if (filter.filter !== undefined && filter.filter !== '') {
      const pattern = `%${escapeLike(filter.filter.toLowerCase())}%`;
      query = query.where((eb) =>
        eb.or([eb('user_jid', 'like', sql<string>`${pattern} escape '\\'`), eb(sql`lower(name)`, 'like', sql`${pattern} escape '\\'`)]),
      );
    }
    if (filter.tenant !== undefined) query = query.where('tenant', '=', filter.tenant);
    if (filter.email !== undefined) query = query.where(sql`lower(email)`, '=', filter.email.toLowerCase());
    if (filter.cdrTag !== undefined) query = query.where('cdr_tag', '=', filter.cdrTag);
    const count = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const total = Number(count.n);
    if (limit === 0 || offset >= total) return { total, items: [] };
    const rows = await query.selectAll().orderBy('seq').limit(limit).offset(offset).execute();
    return { total, items: rows.map(toUser) };
  }
}
