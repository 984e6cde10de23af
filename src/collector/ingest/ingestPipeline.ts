/**
 * From a received CDR post to committed records: decode and parse, then group commit
 * (`committer.ts`), all on the main thread.
 *
 * Never stall delivery: a complete post the collector cannot use (it cannot be parsed, fails a
 * rule of `parse.ts`, or the database refuses it for a reason a retry cannot fix,
 * `storage/failures.ts`) is quarantined: its bytes and the reason are kept (`storage/quarantineStore.ts`)
 * and nothing else of it, and it is answered like a stored post, so the sender moves on to the
 * records behind it. Only a transient failure (the database down, locked or full) leaves the post
 * unanswered for the sender to send again (503).
 *
 * Parsing: the scanner checks and reads a plain post in one pass (`scanner.ts`); only the others
 * go through fast-xml-parser's validator (large posts on worker threads, `validation.ts`) and parser.
 * A post is read as UTF-8 (`text.ts`); when its bytes are not, each record whose bytes the decoding
 * changed keeps them exactly besides its text.
 *
 * (Committing on a worker thread with its own SQLite connection was tried and measured: on two
 * cores it was not faster and cost more memory; see BENCHMARKS.md.)
 */
import { CollectorError, collectorErrors, type CollectorErrorCode } from '../errors.ts';
import { isTransientStorageError } from '../storage/failures.ts';
import type { IngestStore, PostInput, PostOutcome, RecordInput } from '../storage/ingestStore.ts';
import type { QuarantineStore } from '../storage/quarantineStore.ts';
import { GroupCommitter } from './committer.ts';
import { parseCdrPost, parsePlainCdrPost, recordRanges, type ParsedRecord } from './parse.ts';
import { decodePost, isUtf8 } from './text.ts';
import type { XmlValidatorPool } from './validation.ts';

/** A post as the receiver got it, and where it came from. */
export interface ReceivedPost {
  /** The body exactly as received. */
  readonly body: Buffer;
  /** The receiver URI's query string the post came with, secrets removed. */
  readonly source: string | null;
  /** The sender's address, as the connection shows it. */
  readonly remoteAddress: string | null;
  readonly receivedMs: number;
}

export type IngestResult =
  | { readonly kind: 'stored'; readonly session: string; readonly outcome: PostOutcome }
  /** Kept in the quarantine (`id`), nothing else of it stored: the sender may move on. */
  | { readonly kind: 'quarantined'; readonly id: number; readonly code: CollectorErrorCode; readonly reason: string; readonly session: string | null }
  /** Not stored, for a transient reason: the sender must send it again. */
  | { readonly kind: 'failed'; readonly session: string | null; readonly reason: string };

/** Records per group: bounds how long one commit holds the event loop. */
export const MAX_GROUP_RECORDS = 2000;

/** A quarantine reason longer than this is cut (it may quote the post). */
const MAX_REASON_CHARS = 500;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a post that could not be read is refused: our own refusal, or the XML library's. */
function refusalOf(error: unknown): CollectorError {
  return error instanceof CollectorError ? error : collectorErrors.malformedXml(messageOf(error));
}

/**
 * The records of a post whose bytes are not UTF-8, each with its exact bytes when its text is not
 * exact. The records are found in the bytes read as latin1 (one character per byte; the markup is
 * ASCII, so the decoding did not move it).
 */
function withExactBytes(records: readonly ParsedRecord[], body: Buffer): RecordInput[] {
  const ranges = recordRanges(body.toString('latin1'));
  if (ranges.length !== records.length) throw collectorErrors.malformedXml('the records could not be located in the bytes received');
  return records.map((record, i) => {
    const [start, end] = ranges[i] as [number, number];
    const bytes = body.subarray(start, end);
    return isUtf8(bytes) && !record.rawBytes ? record : { ...record, rawBytes: Buffer.from(bytes) };
  });
}

export class CdrIngest {
  readonly #committer: GroupCommitter<PostInput, PostOutcome>;
  readonly #quarantine: Pick<QuarantineStore, 'add'>;
  readonly #validator: XmlValidatorPool;
  /** Posts being read, committed or quarantined. */
  readonly #inFlight = new Set<Promise<IngestResult>>();

  /** `validator` checks the posts the scanner does not take; it is closed with this. */
  constructor(store: Pick<IngestStore, 'commit'>, quarantine: Pick<QuarantineStore, 'add'>, validator: XmlValidatorPool) {
    this.#committer = new GroupCommitter(store, { weight: (post) => post.records.length, max: MAX_GROUP_RECORDS });
    this.#quarantine = quarantine;
    this.#validator = validator;
  }

  async #read(post: ReceivedPost): Promise<PostInput> {
    const decoded = decodePost(post.body);
    const xml = decoded.text;
    const parsed = parsePlainCdrPost(xml) ?? parseCdrPost(xml, await this.#validator.validate(xml));
    const records = decoded.utf8 ? parsed.records : withExactBytes(parsed.records, post.body);
    return { session: parsed.session, callBridge: parsed.callBridge, source: post.source, remoteAddress: post.remoteAddress, receivedMs: post.receivedMs, records };
  }

  submit(post: ReceivedPost): Promise<IngestResult> {
    const result = this.#submit(post);
    this.#inFlight.add(result);
    void result.finally(() => this.#inFlight.delete(result));
    return result;
  }

  async #submit(post: ReceivedPost): Promise<IngestResult> {
    let input: PostInput;
    try {
      input = await this.#read(post);
    } catch (error) {
      return this.#toQuarantine(post, refusalOf(error), null);
    }
    const { session } = input;
    try {
      return { kind: 'stored', session, outcome: await this.#committer.submit(input) };
    } catch (error) {
      if (isTransientStorageError(error)) return { kind: 'failed', session, reason: messageOf(error) };
      return this.#toQuarantine(post, collectorErrors.storageRefused(messageOf(error)), session);
    }
  }

  async #toQuarantine(post: ReceivedPost, refusal: CollectorError, session: string | null): Promise<IngestResult> {
    const reason = refusal.message.length > MAX_REASON_CHARS ? `${refusal.message.slice(0, MAX_REASON_CHARS)}…` : refusal.message;
    try {
      const id = await this.#quarantine.add({
        receivedMs: post.receivedMs,
        code: refusal.code,
        reason,
        session,
        source: post.source,
        remoteAddress: post.remoteAddress,
        body: post.body,
      });
      return { kind: 'quarantined', id, code: refusal.code, reason, session };
    } catch (error) {
      // Not even the quarantine could keep it (the database is down): the sender sends it again.
      return { kind: 'failed', session, reason: `${reason}; quarantining it failed: ${messageOf(error)}` };
    }
  }

  /** Resolves when every post submitted so far is committed, quarantined or failed. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#committer.idle();
  }

  async close(): Promise<void> {
    await this.idle();
    await this.#validator.close();
  }
}
