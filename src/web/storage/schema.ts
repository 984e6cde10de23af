/** The web UI's tables, as kysely sees them. Prefixed `web_` so any service can host them in its database. */
import type { Generated } from 'kysely';

export interface WebUserTable {
  seq: Generated<number>;
  id: string;
  /** Lower-case login name; unique. */
  username: string;
  /** `scrypt$N$r$p$salt$hash` (see auth/password.ts). */
  password_hash: string;
  role: string;
  created_ms: number;
  updated_ms: number;
}

export interface WebSessionTable {
  seq: Generated<number>;
  /** SHA-256 of the session cookie value: a leaked table does not hand out sessions. */
  token_hash: string;
  user_id: string;
  /** Synchronizer token checked on every unsafe request of this session. */
  csrf_token: string;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
}

export interface WebDatabase {
  web_user: WebUserTable;
  web_session: WebSessionTable;
}
