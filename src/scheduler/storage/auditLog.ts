/**
 * Group commit for the audit log: entries appended during one turn of the event loop are written
 * together, in one INSERT, instead of one statement (and one commit) each. Every `append` resolves only
 * once its entry is stored, and rejects if the write failed, so a caller that awaits it (the runner
 * awaits every entry before its next step) loses nothing on a stop or a crash that it would not lose
 * with one INSERT per entry.
 */
import type { AuditEntry, AuditStore } from './auditStore.ts';

interface PendingEntry {
  readonly entry: AuditEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class AuditLog {
  #queue: PendingEntry[] = [];
  #scheduled = false;

  constructor(private readonly store: Pick<AuditStore, 'appendMany'>) {}

  append(entry: AuditEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ entry, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    try {
      await this.store.appendMany(batch.map((p) => p.entry));
      for (const p of batch) p.resolve();
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
