/** Web UI users: SQL only. */
import type { Kysely } from 'kysely';
import type { Role } from '../auth/roles.ts';
import type { WebDatabase, WebUserTable } from './schema.ts';

export interface WebUser {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly createdMs: number;
}

export interface WebUserWithHash extends WebUser {
  readonly passwordHash: string;
}

type UserRow = Pick<WebUserTable, 'id' | 'username' | 'role' | 'created_ms' | 'password_hash'>;

function toUser(row: UserRow): WebUserWithHash {
  return { id: row.id, username: row.username, role: row.role as Role, createdMs: row.created_ms, passwordHash: row.password_hash };
}

export class WebUserStore {
  constructor(private readonly db: Kysely<WebDatabase>) {}

  async insert(user: { id: string; username: string; passwordHash: string; role: Role; nowMs: number }): Promise<void> {
    await this.db
      .insertInto('web_user')
      .values({ id: user.id, username: user.username, password_hash: user.passwordHash, role: user.role, created_ms: user.nowMs, updated_ms: user.nowMs })
      .execute();
  }

  async byUsername(username: string): Promise<WebUserWithHash | undefined> {
    const row = await this.db.selectFrom('web_user').select(['id', 'username', 'role', 'created_ms', 'password_hash']).where('username', '=', username).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byId(id: string): Promise<WebUserWithHash | undefined> {
    const row = await this.db.selectFrom('web_user').select(['id', 'username', 'role', 'created_ms', 'password_hash']).where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async list(): Promise<WebUser[]> {
    const rows = await this.db.selectFrom('web_user').select(['id', 'username', 'role', 'created_ms', 'password_hash']).orderBy('username').execute();
    return rows.map((r) => {
      const { passwordHash: _hash, ...user } = toUser(r);
      return user;
    });
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('web_user').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  }

  async countWithRole(role: Role): Promise<number> {
    const row = await this.db.selectFrom('web_user').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', role).executeTakeFirstOrThrow();
    return row.n;
  }

  async setRole(id: string, role: Role, nowMs: number): Promise<boolean> {
    const result = await this.db.updateTable('web_user').set({ role, updated_ms: nowMs }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setPasswordHash(id: string, passwordHash: string, nowMs: number): Promise<boolean> {
    const result = await this.db.updateTable('web_user').set({ password_hash: passwordHash, updated_ms: nowMs }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('web_user').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
