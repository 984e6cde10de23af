/**
 * Group commit: posts that arrive while a transaction is running are committed together in the
 * next one, so one disk sync acknowledges many posts (several bridges push at once). Each post's
 * promise settles only after the transaction holding it committed. If a group fails, its posts are
 * retried one by one so a single bad post cannot fail the others.
 */
import type { PostInput, PostOutcome } from '../store/ingestStore.ts';

export interface CommitTarget {
  commit(posts: readonly PostInput[]): Promise<PostOutcome[]>;
}

interface Pending {
  readonly post: PostInput;
  resolve(outcome: PostOutcome): void;
  reject(error: unknown): void;
}

export class GroupCommitter {
  readonly #target: CommitTarget;
  readonly #maxRecords: number;
  #queue: Pending[] = [];
  #running: Promise<void> | undefined;

  constructor(target: CommitTarget, maxRecordsPerGroup = 2000) {
    this.#target = target;
    this.#maxRecords = maxRecordsPerGroup;
  }

  submit(post: PostInput): Promise<PostOutcome> {
    return new Promise<PostOutcome>((resolve, reject) => {
      this.#queue.push({ post, resolve, reject });
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
      const group: Pending[] = [];
      let records = 0;
      while (this.#queue.length > 0 && (group.length === 0 || records + (this.#queue[0]?.post.records.length ?? 0) <= this.#maxRecords)) {
        const next = this.#queue.shift() as Pending;
        group.push(next);
        records += next.post.records.length;
      }
      try {
        const outcomes = await this.#target.commit(group.map((p) => p.post));
        group.forEach((p, i) => p.resolve(outcomes[i] as PostOutcome));
      } catch (error) {
        if (group.length === 1) {
          group[0]?.reject(error);
          continue;
        }
        for (const p of group) {
          try {
            const [outcome] = await this.#target.commit([p.post]);
            p.resolve(outcome as PostOutcome);
          } catch (single) {
            p.reject(single);
          }
        }
      }
    }
  }
}
