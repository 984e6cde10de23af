/** Feeds records straight to a collector store (no HTTP): parsed posts and one commit per post. */
import { parseCdrPost } from '../../src/collector/ingest/parse.ts';
import type { CollectorStorage } from '../../src/collector/storage/index.ts';
import type { PostInput } from '../../src/collector/storage/ingestStore.ts';
import { recordsXml, type RecordSpec } from './cdrXml.ts';

/** Posts of `size` records each, as parsed input, received at `receivedMs`. */
export function parsedPosts(session: string, list: readonly RecordSpec[], size: number, receivedMs: number): PostInput[] {
  const out: PostInput[] = [];
  for (let i = 0; i < list.length; i += size) {
    const parsed = parseCdrPost(recordsXml(session, list.slice(i, i + size)));
    out.push({ session: parsed.session, callBridge: parsed.callBridge, source: null, receivedMs, records: parsed.records });
  }
  return out;
}

/** Commits the posts one at a time, in order. */
export async function commitEach(storage: CollectorStorage, list: readonly PostInput[]): Promise<void> {
  for (const post of list) await storage.ingest.commit([post]);
}
