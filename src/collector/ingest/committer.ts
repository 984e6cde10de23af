/**
 * Group commit: posts that arrive while a transaction is running are committed together in the
 * next one, so one disk sync acknowledges many posts (several bridges push at once). Each post's
 * promise settles only after the transaction holding it committed. If a group fails, its posts are
 * retried one by one so a single bad post cannot fail the others.
 */

export interface CommitTarget<In, Out> {
  commit(items: readonly In[]): Promise<Out[]>;
}

interface PendingItem<In, Out> {
  readonly item: In;
  resolve(outcome: Out): void;
  reject(error: unknown): void;
}

export interface GroupLimit<In> {
  /** How much of the group an item takes (records, bytes, ...). */
  readonly weight: (item: In) => number;
  /** A group is closed before it would exceed this (a single heavier item still goes alone). */
  readonly max: number;
}

export class GroupCommitter<In, Out> {
  readonly #target: CommitTarget<In, Out>;
  readonly #limit: GroupLimit<In>;
  #queue: PendingItem<In, Out>[] = [];
  #running: Promise<void> | undefined;

  constructor(target: CommitTarget<In, Out>, limit: GroupLimit<In>) {
    this.#target = target;
    this.#limit = limit;
  }

  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#running ??= this.#drain().finally(() => {
        this.#running = undefined;
      });
    });
  }

  /** Resolves when everything submitted so far has been committed (or failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Let the event loop read requests that arrived during the last commit (SQLite commits block
      // it), so they join this group instead of each paying its own disk sync.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const group: PendingItem<In, Out>[] = [];
      let weight = 0;
      while (this.#queue.length > 0) {
        const next = this.#queue[0] as PendingItem<In, Out>;
        const w = this.#limit.weight(next.item);
        if (group.length > 0 && weight + w > this.#limit.max) break;
        group.push(next);
        this.#queue.shift();
        weight += w;
      }
      try {
        const outcomes = await this.#target.commit(group.map((p) => p.item));
        group.forEach((p, i) => p.resolve(outcomes[i] as Out));
      } catch (error) {
        if (group.length === 1) {
          group[0]?.reject(error);
          continue;
        }
        for (const p of group) {
          try {
            const [outcome] = await this.#target.commit([p.item]);
            p.resolve(outcome as Out);
          } catch (single) {
            p.reject(single);
          }
        }
      }
    }
  }
}
