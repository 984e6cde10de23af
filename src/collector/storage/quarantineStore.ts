/**
 * Posts the collector could not use (`ingest/ingestPipeline.ts`): kept byte for byte with their reason,
 * listed newest first, counted, and dropped by retention with the records.
 */
import type { Kysely } from 'kysely';
import { escapeNul, escapeNullable } from '../ingest/text.ts';
import type { CollectorDb } from './schema.ts';

export interface QuarantineInput {
  readonly receivedMs: number;
  readonly code: string;
  readonly reason: string;
  readonly session: string | null;
  readonly source: string | null;
  readonly remoteAddress: string | null;
  readonly body: Uint8Array;
}

/** A quarantined post without its body (lists). */
export interface QuarantineSummary extends Omit<QuarantineInput, 'body'> {
  readonly id: number;
  readonly size: number;
}

export interface QuarantinedPost extends QuarantineSummary {
  readonly body: Buffer;
}

const SUMMARY_COLUMNS = ['seq', 'receivedMs', 'code', 'reason', 'session', 'source', 'remoteAddress', 'size'] as const;

function summary(row: { seq: number; receivedMs: number; code: string; reason: string; session: string | null; source: string | null; remoteAddress: string | null; size: number }): QuarantineSummary {
  return {
    id: row.seq,
    receivedMs: row.receivedMs,
    code: row.code,
    reason: row.reason,
    session: row.session,
    source: row.source,
    remoteAddress: row.remoteAddress,
    size: row.size,
  };
}

export class QuarantineStore {
  readonly #db: Kysely<CollectorDb>;

  constructor(db: Kysely<CollectorDb>) {
    this.#db = db;
  }

  /** Keeps a post; answers its id. Text that may come from the post is stored as records are (`text.ts`). */
  async add(post: QuarantineInput): Promise<number> {
    const row = await this.#db
      .insertInto('cdrQuarantine')
      .values({
        receivedMs: post.receivedMs,
        code: post.code,
        reason: escapeNul(post.reason),
        session: escapeNullable(post.session),
        source: escapeNullable(post.source),
        remoteAddress: escapeNullable(post.remoteAddress),
        size: post.body.byteLength,
        body: post.body,
      })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return row.seq;
  }

  /** Newest first. */
  async list(page: { limit: number; offset: number }): Promise<{ total: number; posts: QuarantineSummary[] }> {
    const total = await this.count();
    const rows = await this.#db.selectFrom('cdrQuarantine').select(SUMMARY_COLUMNS).orderBy('seq', 'desc').limit(page.limit).offset(page.offset).execute();
    return { total, posts: rows.map(summary) };
  }

  async get(id: number): Promise<QuarantinedPost | undefined> {
    const row = await this.#db.selectFrom('cdrQuarantine').select([...SUMMARY_COLUMNS, 'body']).where('seq', '=', id).executeTakeFirst();
    return row ? { ...summary(row), body: Buffer.from(row.body) } : undefined;
  }

  async count(): Promise<number> {
    const { n } = await this.#db.selectFrom('cdrQuarantine').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return n;
  }
}
