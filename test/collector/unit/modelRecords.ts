/**
 * Model records for the collector's unit tests: each built from a small CDR snippet read by the real
 * post parser (src/collector/ingest/parse.ts), so bodies have exactly the shape the model gets from a
 * post (and, for a re-fold, from a stored record).
 */
import { parseCdrPost } from '../../../src/collector/ingest/parse.ts';
import type { ModelRecord } from '../../../src/collector/domain/record.ts';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface RecordOptions {
  /** Seconds after T0 (the record's `time`). */
  readonly at?: number;
  readonly session?: string;
  readonly callBridge?: string | null;
}

/** One record of `type` at correlator position `order`, its body element given as XML. */
export function record(type: string, order: number, bodyXml: string, options: RecordOptions = {}): ModelRecord {
  const session = options.session ?? 'session-1';
  const callBridge = options.callBridge === undefined ? 'bridge-1' : options.callBridge;
  const time = new Date(T0 + (options.at ?? order) * 1000).toISOString();
  const bridge = callBridge === null ? '' : ` callBridge="${callBridge}"`;
  const post = parseCdrPost(
    `<?xml version="1.0"?>\n<records session="${session}"${bridge}>\n  <record type="${type}" time="${time}" correlatorIndex="${order}" recordIndex="${order + 1}">\n    ${bodyXml}\n  </record>\n</records>`,
  );
  const parsed = post.records[0];
  if (!parsed || parsed.timeMs === null) throw new Error(`snippet did not parse to one timed record: ${bodyXml}`);
  return { type: parsed.type, session: post.session, callBridge: post.callBridge, timeMs: parsed.timeMs, order: parsed.correlatorIndex ?? 0, body: parsed.body };
}

/** Every permutation of `items` (small arrays only). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
