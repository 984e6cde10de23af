/**
 * Login throttling: at most MAX_FAILURES failed logins for one username, and MAX_FAILURES_PER_CLIENT
 * from one client address, within WINDOW_MS; further attempts are refused until the window has passed.
 *
 * An attempt is reserved, synchronously, before the password is checked (the check is an async scrypt):
 * the reservation counts as a failure from that moment, so parallel attempts cannot all pass the check
 * before the first one is recorded. A successful login releases its reservation and clears the
 * username's failures. In memory, per process (a restart forgets it), on the injected Clock.
 */
import type { Clock } from '../../shared/clock.ts';

export const MAX_FAILURES = 5;
export const MAX_FAILURES_PER_CLIENT = MAX_FAILURES * 4;
export const WINDOW_MS = 15 * 60_000;
const MAX_KEYS = 10_000;

/** One reserved attempt, handed back on success. */
export interface LoginAttempt {
  readonly username: string;
  readonly client: string;
  readonly at: number;
}

export class LoginThrottle {
  /** Times of failed (or still running) attempts per key, oldest first. */
  readonly #attempts = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  #recent(key: string): number[] {
    const since = this.clock.now() - WINDOW_MS;
    const list = (this.#attempts.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#attempts.delete(key);
    else this.#attempts.set(key, list);
    return list;
  }

  /** Keeps the table bounded: expired keys go first, then the longest-known ones. */
  #makeRoom(): void {
    if (this.#attempts.size < MAX_KEYS) return;
    for (const key of [...this.#attempts.keys()]) this.#recent(key);
    for (const key of this.#attempts.keys()) {
      if (this.#attempts.size < MAX_KEYS) break;
      this.#attempts.delete(key);
    }
  }

  /**
   * Reserves an attempt for this username from this client, or answers undefined when the limit is
   * reached (the attempt is throttled and must not reach the password check).
   */
  reserve(username: string, client: string): LoginAttempt | undefined {
    const userKey = `u:${username}`;
    const clientKey = `c:${client}`;
    if (this.#recent(userKey).length >= MAX_FAILURES || this.#recent(clientKey).length >= MAX_FAILURES_PER_CLIENT) return undefined;
    this.#makeRoom();
    const at = this.clock.now();
    for (const key of [userKey, clientKey]) this.#attempts.set(key, [...this.#recent(key), at]);
    return { username, client, at };
  }

  /** The attempt succeeded: it is not a failure, and the username's earlier failures are forgotten. */
  succeeded(attempt: LoginAttempt): void {
    this.#attempts.delete(`u:${attempt.username}`);
    const clientKey = `c:${attempt.client}`;
    const list = this.#recent(clientKey);
    const index = list.indexOf(attempt.at);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.#attempts.delete(clientKey);
  }
}
