/**
 * Long loops in request handling give the event loop a turn every so often, so that one request never
 * holds it (and with it every other service under `switchboard up`) for more than a few tens of
 * milliseconds: docs/bookings.md, "Bounded work per request". On SQLite every query completes
 * synchronously, so awaiting the database gives no turn; only these pauses do.
 *
 * Work is counted in units, not measured in time, so a run does the same on any machine and under a fake
 * clock. A unit is roughly 10 µs of work on a small server: an SQL statement about 10 units, a row read or
 * written or a participant copied 1 or 2.
 */
export const UNITS_PER_TURN = 1000;

/** Waits for the event loop's next turn (timers and I/O of other requests run first). */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export class Pacer {
  #spent = 0;

  constructor(private readonly unitsPerTurn = UNITS_PER_TURN) {}

  /** Counts `units` of work done; once a turn's worth is spent, waits for the event loop's next turn. */
  async spend(units = 1): Promise<void> {
    this.#spent += units;
    if (this.#spent < this.unitsPerTurn) return;
    await this.turn();
  }

  /** Gives the event loop a turn now (after a step of known size, such as expanding a series). */
  async turn(): Promise<void> {
    this.#spent = 0;
    await nextTurn();
  }
}
