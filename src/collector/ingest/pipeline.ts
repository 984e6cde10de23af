/**
 * From a received CDR post to committed records: parse (a post that cannot be parsed is refused
 * whole, nothing of it stored), then group commit (`committer.ts`), all on the main thread.
 *
 * Parsing: the scanner checks and reads a plain post in one pass (`scanner.ts`); only the others
 * go through fast-xml-parser's validator (large posts on worker threads, `validation.ts`) and parser.
 *
 * (Committing on a worker thread with its own SQLite connection was tried and measured: on two
 * cores it was not faster and cost more memory; see BENCHMARKS.md.)
 */
import { CollectorError } from '../errors.ts';
import type { IngestStore, PostInput, PostOutcome } from '../store/ingestStore.ts';
import { GroupCommitter } from './committer.ts';
import { parseCdrPost, parsePlainCdrPost } from './parse.ts';
import type { XmlValidatorPool } from './validation.ts';

/** A post as the receiver got it, and where it came from. */
export interface ReceivedPost {
  readonly body: string;
  /** The receiver URI's query string the post came with, secrets removed. */
  readonly source: string | null;
  readonly receivedMs: number;
}

export type IngestResult =
  | { readonly kind: 'stored'; readonly session: string; readonly outcome: PostOutcome }
  | { readonly kind: 'refused'; readonly error: CollectorError }
  /** Parsed but not committed (storage failure): the sender must send it again. */
  | { readonly kind: 'failed'; readonly session: string; readonly reason: string };

/** Records per group: bounds how long one commit holds the event loop. */
export const MAX_GROUP_RECORDS = 2000;

export class CdrIngest {
  readonly #committer: GroupCommitter<PostInput, PostOutcome>;
  readonly #validator: XmlValidatorPool;

  /** `validator` checks the posts the scanner does not take; it is closed with this. */
  constructor(store: Pick<IngestStore, 'commit'>, validator: XmlValidatorPool) {
    this.#committer = new GroupCommitter(store, { weight: (post) => post.records.length, max: MAX_GROUP_RECORDS });
    this.#validator = validator;
  }

  async #parse(post: ReceivedPost): Promise<PostInput> {
    const parsed = parsePlainCdrPost(post.body) ?? parseCdrPost(post.body, await this.#validator.validate(post.body));
    return { session: parsed.session, callBridge: parsed.callBridge, source: post.source, receivedMs: post.receivedMs, records: parsed.records };
  }

  async submit(post: ReceivedPost): Promise<IngestResult> {
    let input: PostInput;
    try {
      input = await this.#parse(post);
    } catch (error) {
      if (error instanceof CollectorError) return { kind: 'refused', error };
      throw error;
    }
    const { session } = input;
    try {
      return { kind: 'stored', session, outcome: await this.#committer.submit(input) };
    } catch (error) {
      return { kind: 'failed', session, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Resolves when every post submitted so far is committed or answered. */
  idle(): Promise<void> {
    return this.#committer.idle();
  }

  async close(): Promise<void> {
    await this.idle();
    await this.#validator.close();
  }
}
