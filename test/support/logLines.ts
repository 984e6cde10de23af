/** A log destination for tests: the lines a real logger wrote, and a wait for a line that is woken by each write. */
import { Writable } from 'node:stream';

export class LogLines {
  /** Every line written, in order (blank lines dropped). */
  readonly lines: string[] = [];
  /** The destination to give the logger. */
  readonly stream: Writable;
  readonly #watchers = new Set<() => void>();

  constructor() {
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        for (const check of [...this.#watchers]) check();
        done();
      },
    });
  }

  /**
   * Resolves with the first line at or after index `from` that `matches`: checked on each write, not
   * on a timer. Fails after `timeoutMs` of real time (a guard against a hang, not a timing assertion).
   */
  line(matches: (line: string) => boolean, what: string, from = 0, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.slice(from).find(matches);
        if (found === undefined) return;
        stop();
        resolve(found);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no log line: ${what}\n${this.lines.slice(from).join('\n')}`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }
}
