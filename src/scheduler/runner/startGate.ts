/**
 * Start priority on one bridge. A meeting's start time is the moment its `POST /calls` is answered, so
 * in a burst of starts (a thousand meetings at 10:00) the requests that decide it go first:
 *
 * - `beforeCall` counts a start from its first step until its call is recorded;
 * - `slot` lets at most `concurrency` starts run their steps up to the call at once, in arrival order,
 *   so the first calls are posted while later starts are still claiming spaces instead of every start
 *   doing each step in lock-step with all the others;
 * - `quiet` holds back the rest of the bridge's work (a started meeting's checks and dial-outs, monitor
 *   passes) while any start is before its call, but never longer than `maxHoldMs`.
 *
 * In-process only: each scheduler process orders its own work. No HTTP, no SQL.
 */
import type { Clock } from '../../shared/clock.ts';

export interface StartGateOptions {
  /** Starts running their steps up to the call at once (Infinity: no limit). */
  readonly concurrency: number;
  /** Longest time `quiet` holds work back. */
  readonly maxHoldMs: number;
}

export class StartGate {
  #beforeCall = 0;
  #inSlot = 0;
  readonly #slotQueue: Array<() => void> = [];
  readonly #quietWaiters = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly options: StartGateOptions,
  ) {}

  /** Starts that have not got their call yet. */
  get starting(): number {
    return this.#beforeCall;
  }

  /** Work held back by `quiet` right now. */
  get held(): number {
    return this.#quietWaiters.size;
  }

  /** Runs a start's steps up to its call, counted as a start before its call until `steps` settles. */
  async beforeCall<T>(steps: () => Promise<T>): Promise<T> {
    this.#beforeCall++;
    try {
      return await steps();
    } finally {
      this.#beforeCall--;
      if (this.#beforeCall === 0) for (const release of [...this.#quietWaiters]) release();
    }
  }

  /** Runs `steps` once fewer than `concurrency` others are running theirs (first come, first served). */
  async slot<T>(steps: () => Promise<T>): Promise<T> {
    if (this.#inSlot < this.options.concurrency) this.#inSlot++;
    else await new Promise<void>((resolve) => this.#slotQueue.push(resolve));
    try {
      return await steps();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot overtake it.
      const next = this.#slotQueue.shift();
      if (next) next();
      else this.#inSlot--;
    }
  }

  /** Resolves when no start is before its call, or after `maxHoldMs` at the latest. */
  quiet(): Promise<void> {
    if (this.#beforeCall === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const release = (): void => {
        timer.cancel();
        this.#quietWaiters.delete(release);
        resolve();
      };
      const timer = this.clock.setTimeout(release, this.options.maxHoldMs);
      this.#quietWaiters.add(release);
    });
  }
}
