/**
 * Sessions kept in the database: a random cookie value (only its SHA-256 is stored), a per-session
 * synchronizer CSRF token, an idle timeout that slides with use and an absolute lifetime.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import type { WebStorage } from '../storage/index.ts';
import type { WebUser } from '../storage/userStore.ts';

export const IDLE_TIMEOUT_MS = 8 * 3600_000;
export const ABSOLUTE_LIFETIME_MS = 7 * 24 * 3600_000;
/** Sliding the expiry is a write; do it at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ActiveSession {
  readonly tokenHash: string;
  readonly csrfToken: string;
  readonly user: WebUser;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function csrfTokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Sessions {
  constructor(
    private readonly storage: WebStorage,
    private readonly clock: Clock,
  ) {}

  /** Starts a session; returns the cookie value (never stored). */
  async start(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.storage.sessions.insert({
      tokenHash: hashToken(token),
      userId,
      csrfToken: randomBytes(32).toString('base64url'),
      createdMs: now,
      lastSeenMs: now,
      expiresMs: now + IDLE_TIMEOUT_MS,
    });
    return token;
  }

  /** The live session a cookie value names, sliding its idle expiry; undefined when unknown or expired. */
  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (token === undefined || token === '' || token.length > 128) return undefined;
    const tokenHash = hashToken(token);
    const session = await this.storage.sessions.byTokenHash(tokenHash);
    if (!session) return undefined;
    const now = this.clock.now();
    if (session.expiresMs <= now || session.createdMs + ABSOLUTE_LIFETIME_MS <= now) {
      await this.storage.sessions.delete(tokenHash);
      return undefined;
    }
    const user = await this.storage.users.byId(session.userId);
    if (!user) return undefined;
    if (now - session.lastSeenMs >= TOUCH_INTERVAL_MS) {
      await this.storage.sessions.touch(tokenHash, now, Math.min(now + IDLE_TIMEOUT_MS, session.createdMs + ABSOLUTE_LIFETIME_MS));
    }
    const { passwordHash: _hash, ...rest } = user;
    return { tokenHash, csrfToken: session.csrfToken, user: rest };
  }

  async end(token: string | undefined): Promise<void> {
    if (token === undefined || token === '') return;
    await this.storage.sessions.delete(hashToken(token));
  }

  purgeExpired(): Promise<number> {
    return this.storage.sessions.deleteExpired(this.clock.now());
  }
}
