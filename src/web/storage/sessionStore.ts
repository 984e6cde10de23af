/** Web UI sessions: SQL only. Keyed by the SHA-256 of the cookie value. */
import type { Kysely } from 'kysely';
import type { WebDatabase } from './schema.ts';

export interface StoredSession {
  readonly tokenHash: string;
  readonly userId: string;
  readonly csrfToken: string;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  readonly expiresMs: number;
}

export class SessionStore {
  constructor(private readonly db: Kysely<WebDatabase>) {}

  async insert(session: StoredSession): Promise<void> {
    await this.db
      .insertInto('web_session')
      .values({
        token_hash: session.tokenHash,
        user_id: session.userId,
        csrf_token: session.csrfToken,
        created_ms: session.createdMs,
        last_seen_ms: session.lastSeenMs,
        expires_ms: session.expiresMs,
      })
      .execute();
  }

  async byTokenHash(tokenHash: string): Promise<StoredSession | undefined> {
    const row = await this.db.selectFrom('web_session').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!row) return undefined;
    return {
      tokenHash: row.token_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createdMs: row.created_ms,
      lastSeenMs: row.last_seen_ms,
      expiresMs: row.expires_ms,
    };
  }

  async touch(tokenHash: string, lastSeenMs: number, expiresMs: number): Promise<void> {
    await this.db.updateTable('web_session').set({ last_seen_ms: lastSeenMs, expires_ms: expiresMs }).where('token_hash', '=', tokenHash).execute();
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('web_session').where('token_hash', '=', tokenHash).execute();
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('web_session').where('user_id', '=', userId).execute();
  }

  /** Removes sessions that expired before `nowMs`; returns how many. */
  async deleteExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('web_session').where('expires_ms', '<', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
