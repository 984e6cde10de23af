/** Drops records older than N days, once at start and then every interval, on the injected Clock. */
import type { Clock, TimerHandle } from '../shared/clock.ts';
import type { Logger } from '../shared/logger.ts';
import { DAY_MS, type ReportStore } from './storage/reportStore.ts';

export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export class RetentionSchedule {
  readonly #store: ReportStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #days: number;
  readonly #intervalMs: number;
  #timer: TimerHandle | undefined;
  #stopped = false;
  /** The running (or last) sweep, so tests and close can wait for it. */
  lastRun: Promise<void> = Promise.resolve();

  constructor(store: ReportStore, clock: Clock, logger: Logger, days: number, intervalMs = DEFAULT_RETENTION_INTERVAL_MS) {
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
    this.#days = days;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#tick();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  /** One sweep now. */
  async runOnce(): Promise<{ records: number; calls: number; callLegs: number; quarantined: number }> {
    const cutoff = this.#clock.now() - this.#days * DAY_MS;
    const dropped = await this.#store.deleteOlderThan(cutoff);
    if (dropped.records + dropped.calls + dropped.callLegs + dropped.quarantined > 0) this.#logger.info({ cutoff: new Date(cutoff).toISOString(), ...dropped }, 'retention: dropped old CDR data');
    return dropped;
  }

  #tick(): void {
    if (this.#stopped) return;
    this.lastRun = this.runOnce()
      .then(() => undefined)
      .catch((error: unknown) => this.#logger.error({ err: error }, 'retention sweep failed'))
      .finally(() => {
        if (!this.#stopped) this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#intervalMs);
      });
  }
}
