/**
 * The well-formedness check of CDR posts (fast-xml-parser's XMLValidator), run on worker threads
 * for large posts so the event loop keeps receiving and committing while a batch is checked (the
 * check was the largest CPU cost of a batched post left on the collector's one thread). Small posts
 * (a single record) are checked inline: a round trip to a worker would cost more than the check.
 *
 * A post's answer still waits for the check: nothing of a malformed post is stored. If a worker
 * fails, its posts and every later one are checked inline.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { XMLValidator } from 'fast-xml-parser';

/** `true`, or why the XML is not well-formed. */
export type Validity = true | string;

export function validateXml(xml: string): Validity {
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const valid = XMLValidator.validate(xml);
  return valid === true ? true : `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`;
}

// CommonJS source evaluated as the worker (no TypeScript loader needed in the thread); the same
// fast-xml-parser package, through its CommonJS entry.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { XMLValidator } = require(workerData.parser);
parentPort.on('message', ({ id, xml }) => {
  const valid = XMLValidator.validate(xml);
  parentPort.postMessage({ id, result: valid === true ? true : valid.err.msg + ' (line ' + valid.err.line + ', column ' + valid.err.col + ')' });
});
`;

/** Posts longer than this (characters) are checked inline, within the main heap's larger limit. */
const MAX_WORKER_LENGTH = 4 * 1024 * 1024;

interface Waiting {
  readonly xml: string;
  resolve(validity: Validity): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiting>;
}

export interface ValidatorPoolOptions {
  /** Worker threads; 0 = validate inline. Default: one per core beyond the first, at most 2. */
  readonly threads?: number;
  /** Posts shorter than this (characters) are validated inline. */
  readonly minLength?: number;
}

export class XmlValidatorPool {
  readonly #minLength: number;
  readonly #threads: number;
  #started = false;
  #workers: PoolWorker[] = [];
  #nextId = 0;
  #turn = 0;

  constructor(options: ValidatorPoolOptions = {}) {
    this.#minLength = options.minLength ?? 8192;
    this.#threads = options.threads ?? Math.min(2, Math.max(0, availableParallelism() - 1));
  }

  /**
   * The workers start with the first post that needs one: plain posts (what bridges send) are
   * checked by the scanner, so a collector may never need them (each costs ~20 MB).
   */
  #start(): void {
    this.#started = true;
    const parser = createRequire(import.meta.url).resolve('fast-xml-parser');
    for (let i = 0; i < this.#threads; i++) {
      // A small heap: the check allocates little, and the collector's RSS budget is shared.
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { parser }, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 } });
      const entry: PoolWorker = { worker, waiting: new Map() };
      entry.worker.unref();
      entry.worker.on('message', (message: { id: number; result: Validity }) => {
        const waiting = entry.waiting.get(message.id);
        entry.waiting.delete(message.id);
        waiting?.resolve(message.result);
      });
      const fail = (): void => this.#drop(entry);
      entry.worker.on('error', fail);
      entry.worker.on('exit', fail);
      this.#workers.push(entry);
    }
  }

  /** Checks a post; large posts on a worker thread. */
  validate(xml: string): Validity | Promise<Validity> {
    if (xml.length < this.#minLength || xml.length > MAX_WORKER_LENGTH) return validateXml(xml);
    if (!this.#started) this.#start();
    const count = this.#workers.length;
    if (count === 0) return validateXml(xml);
    // the worker with the fewest posts waiting (round robin on ties)
    let entry = this.#workers[this.#turn++ % count] as PoolWorker;
    for (const candidate of this.#workers) if (candidate.waiting.size < entry.waiting.size) entry = candidate;
    const id = this.#nextId++;
    return new Promise<Validity>((resolve) => {
      entry.waiting.set(id, { xml, resolve });
      entry.worker.postMessage({ id, xml });
    });
  }

  /** A failed worker: its waiting posts are checked inline, later posts go to the others. */
  #drop(entry: PoolWorker): void {
    this.#workers = this.#workers.filter((w) => w !== entry);
    for (const waiting of entry.waiting.values()) waiting.resolve(validateXml(waiting.xml));
    entry.waiting.clear();
  }

  async close(): Promise<void> {
    this.#started = true; // no workers after closing
    const workers = this.#workers;
    this.#workers = [];
    for (const entry of workers) {
      for (const waiting of entry.waiting.values()) waiting.resolve(validateXml(waiting.xml));
      entry.waiting.clear();
    }
    await Promise.all(workers.map((entry) => entry.worker.terminate()));
  }
}
