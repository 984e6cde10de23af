/**
 * The outbox seqs of this call bridge's undelivered records, in memory, ascending. Seqs are not
 * contiguous (nodes of a cluster share the sequence), so a receiver's backlog is counted here rather
 * than by subtracting seqs, and the backlog bound finds the seq to drop through without a query.
 */
export class SeqLog {
  #seqs: number[] = [];
  #head = 0;

  get size(): number {
    return this.#seqs.length - this.#head;
  }

  get last(): number | undefined {
    return this.size === 0 ? undefined : this.#seqs[this.#seqs.length - 1];
  }

  /** Appends seqs greater than every seq already held. */
  append(seqs: readonly number[]): void {
    for (const seq of seqs) this.#seqs.push(seq);
  }

  /** Index of the first entry greater than `seq`. */
  #upper(seq: number): number {
    let lo = this.#head;
    let hi = this.#seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#seqs[mid] ?? 0) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  countAfter(seq: number): number {
    return this.#seqs.length - this.#upper(seq);
  }

  /** Entries in (after, through]. */
  countBetween(after: number, through: number): number {
    return through <= after ? 0 : this.#upper(through) - this.#upper(after);
  }

  /** The k-th entry (k ≥ 1) after `seq`, or undefined when there are fewer. */
  nthAfter(seq: number, k: number): number | undefined {
    return this.#seqs[this.#upper(seq) + k - 1];
  }

  /** Up to `limit` entries after `seq`, ascending. */
  after(seq: number, limit: number): number[] {
    const from = this.#upper(seq);
    return this.#seqs.slice(from, from + limit);
  }

  /** Forgets entries up to and including `seq`. */
  trimThrough(seq: number): void {
    this.#head = this.#upper(seq);
    if (this.#head > 1024 && this.#head * 2 > this.#seqs.length) {
      this.#seqs = this.#seqs.slice(this.#head);
      this.#head = 0;
    }
  }
}
