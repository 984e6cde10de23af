/**
 * A small in-process job runner: work that must not hold up the API request that asked for it (a bulk
 * sync of thousands of coSpaces) is queued here and runs one job at a time, in order, started through
 * the injected Clock (a zero-delay timer), so a FakeClock decides exactly when queued work begins.
 * Jobs keep their own state in storage; the queue holds nothing that a restart would lose (see
 * `recoverBulkSyncs` for how a restarted bridge picks its jobs up again).
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';

interface Job {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export class JobQueue {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #queue: Job[] = [];
  #timer: TimerHandle | undefined;
  #draining: Promise<void> | undefined;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Number of jobs waiting (not counting the one running). */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Queues a job; it starts after the current request, once the clock's zero-delay timer fires. */
  enqueue(name: string, run: () => Promise<void>): void {
    if (this.#closed) {
      this.#logger.warn({ job: name }, 'job queue closed; job not started');
      return;
    }
    this.#queue.push({ name, run });
    this.#schedule();
  }

  /** Resolves once nothing is queued or running. With a FakeClock, queued work starts only on `advance`. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking jobs, drops the queued ones (their stored state says they are still to do) and waits for the running one. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#queue.length = 0;
    await this.#draining;
    this.#notifyIdle();
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#draining === undefined && this.#timer === undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#draining !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#draining = this.#drain().finally(() => {
        this.#draining = undefined;
        if (this.#queue.length > 0 && !this.#closed) this.#schedule();
        else this.#notifyIdle();
      });
    }, 0);
  }

  async #drain(): Promise<void> {
    for (let job = this.#queue.shift(); job !== undefined && !this.#closed; job = this.#queue.shift()) {
      try {
        await job.run();
      } catch (error) {
        this.#logger.error({ err: error, job: job.name }, 'job failed');
      }
    }
  }

  #notifyIdle(): void {
    if (!this.#isIdle() && !this.#closed) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
