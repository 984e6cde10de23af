/**
 * How much a CDR sender can make the collector hold. A post's body is limited (`CDR_BODY_LIMIT`),
 * and the bodies being received, parsed and committed at once share a byte budget
 * (`CDR_BODY_BUDGET`): a post is given its share before a byte of it is read, and returns it once
 * it has been answered. A post that does not fit is answered 503 with Retry-After at once (a retry
 * fixes it), so many concurrent large posts cannot push the collector's memory up.
 *
 * A post in flight costs about ten times its size (its parsed records: 10 MB retained for a 1 MiB
 * post of records), and the garbage of parsing and committing it lets V8's heap grow further before
 * it is collected: 24 senders posting 1 MiB posts without pause peaked at 257-297 MB RSS with these
 * values (2 MiB of budget: 316-346 MB; no budget: 736-1046 MB), bench/collector-bodies.bench.ts.
 */

/**
 * The largest CDR post (bytes). A bridge sends one batch at a time per receiver, of at most a few
 * hundred records of 0.3-1 KB (this bridge posts at most 100: 30-100 KB); 1 MiB is ten times that.
 */
export const CDR_BODY_LIMIT = 1024 * 1024;

/**
 * The bytes of CDR post bodies in flight at once: one post of the largest size and others beside
 * it, or some 15-50 bridges' batches at the same instant (one more waits for a retry).
 */
export const CDR_BODY_BUDGET = 1536 * 1024;

/** A share of the budget; returned when every holder has let go of it. */
export interface BodyShare {
  /** Another holder (e.g. the handler besides the connection). */
  hold(): void;
  /** One holder lets go; the bytes return to the budget when the last one does. */
  release(): void;
}

export class BodyBudget {
  readonly capacity: number;
  #used = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Bytes given out now. */
  get used(): number {
    return this.#used;
  }

  /** A share of `bytes` held once, or undefined when it does not fit now. */
  take(bytes: number): BodyShare | undefined {
    if (bytes > this.capacity - this.#used) return undefined;
    this.#used += bytes;
    let holders = 1;
    return {
      hold: () => {
        if (holders > 0) holders += 1;
      },
      release: () => {
        if (holders === 0) return;
        holders -= 1;
        if (holders === 0) this.#used -= bytes;
      },
    };
  }
}
