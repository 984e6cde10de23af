/**
 * Login throttling: after MAX_FAILURES failed logins for one username (or from one client address)
 * within WINDOW_MS, further attempts are refused until the window has passed. In memory, per process
 * (a restart forgets it), on the injected Clock.
 */
import type { Clock } from '../../shared/clock.ts';

export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60_000;
const MAX_KEYS = 10_000;

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  #recent(key: string): number[] {
    const since = this.clock.now() - WINDOW_MS;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** True when another attempt for this username from this client may be tried. */
  allowed(username: string, client: string): boolean {
    return this.#recent(`u:${username}`).length < MAX_FAILURES && this.#recent(`c:${client}`).length < MAX_FAILURES * 4;
  }

  failed(username: string, client: string): void {
    if (this.#failures.size > MAX_KEYS) this.#failures.clear();
    const now = this.clock.now();
    for (const key of [`u:${username}`, `c:${client}`]) this.#failures.set(key, [...this.#recent(key), now]);
  }

  succeeded(username: string): void {
    this.#failures.delete(`u:${username}`);
  }
}
