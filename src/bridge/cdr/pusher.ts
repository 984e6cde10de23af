/**
 * One pusher per CDR receiver: reads committed records from the outbox, posts them in batches over
 * one keep-alive connection, one batch in flight, and moves its cursor only when the receiver answers
 * 2xx. Anything else (refused, reset, timeout, non-2xx, a 2xx arriving after the timeout) leaves the
 * batch in flight and retries it, byte for byte, after a capped exponential backoff on the injected
 * clock. Its recordIndexes are therefore stable across retries, and a receiver sees duplicates only
 * where an acknowledgement was lost.
 *
 * Backlog bound: when more than `maxBacklog` records wait for this receiver, the oldest ones that are
 * not in flight are dropped; the next record delivered after them carries
 * `numPreceedingRecordsMissing` with their exact count. Drops behind an in-flight batch are kept as a
 * range (dropAfter, droppedThrough] that the cursor jumps once that batch is acknowledged.
 */
import { Agent } from 'undici';
import type { Clock } from '../../shared/clock.ts';
import { newGuid } from '../../shared/ids.ts';
import type { Logger } from '../../shared/logger.ts';
import type { CdrReceiverTarget } from '../domain/cdrReceiver.ts';
import type { OutboxRow, ReceiverDeliveryState } from '../storage/cdrStore.ts';
import type { SeqLog } from './seqLog.ts';
import { CDR_CONTENT_TYPE, renderRecords, type PostedRecord } from './xml.ts';

export interface CdrDeliveryConfig {
  /** Records per post. */
  readonly batchSize: number;
  /** Records kept per receiver while it cannot take them; older ones are dropped beyond this. */
  readonly maxBacklog: number;
  /** A post not answered within this time counts as failed (its answer, if any, is ignored). */
  readonly postTimeoutMs: number;
  /** First retry delay; doubles per consecutive failure up to `maxBackoffMs`. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Idle keep-alive connections are closed after this. */
  readonly keepAliveMs: number;
}

export const DEFAULT_CDR_DELIVERY: CdrDeliveryConfig = {
  batchSize: 100,
  maxBacklog: 100_000,
  postTimeoutMs: 15_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  keepAliveMs: 30_000,
};

/** `failureReason` values of the `/system/alarms` catalogue that a failed post maps to. */
export type CdrFailureReason = 'connectFailure' | 'dnsFailure' | 'internalServerError' | 'serviceUnavailable' | 'error';

export interface CdrAlarm {
  readonly id: string;
  readonly receiverId: string;
  readonly sinceMs: number;
  readonly failureReason: CdrFailureReason;
}

/** What a pusher needs from its pipeline. */
export interface PusherHost {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: CdrDeliveryConfig;
  readonly seqs: SeqLog;
  readRecords(afterSeq: number, throughSeq: number | null, limit: number): Promise<OutboxRow[]>;
  saveState(receiverId: string, state: ReceiverDeliveryState): Promise<void>;
  /** The `callBridge` attribute: this bridge's id when clustered, else undefined. */
  callBridgeAttribute(): Promise<string | undefined>;
  /** Called after a moved cursor was stored. */
  delivered(): void;
}

interface Batch {
  readonly session: string;
  readonly lastSeq: number;
  readonly lastRecordIndex: number;
  readonly count: number;
  readonly body: string;
}

type PushOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: CdrFailureReason; readonly detail: string };

class PostTimeout extends Error {
  constructor() {
    super('no answer within the post timeout');
  }
}

export class ReceiverPusher {
  readonly #host: PusherHost;
  readonly #target: CdrReceiverTarget;
  readonly #agent: Agent;
  readonly #stop = new AbortController();
  #state: ReceiverDeliveryState;
  /** The state as last written to the database (the outbox is collected only behind it). */
  #savedState: ReceiverDeliveryState;
  #inflight: Batch | null = null;
  #composing = false;
  #pending = true;
  #wake: (() => void) | null = null;
  #saving: Promise<void> = Promise.resolve();
  #running: Promise<void> = Promise.resolve();
  #failures = 0;
  #alarm: CdrAlarm | null = null;
  #deliveredRecords = 0;

  constructor(
    host: PusherHost,
    readonly id: string,
    readonly uri: string,
    target: CdrReceiverTarget,
    state: ReceiverDeliveryState,
  ) {
    this.#host = host;
    this.#target = target;
    this.#state = state;
    this.#savedState = state;
    this.#agent = new Agent({
      connect: { rejectUnauthorized: false },
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: host.config.keepAliveMs,
      keepAliveMaxTimeout: host.config.keepAliveMs,
      // The post timeout runs on the injected clock; these are only a backstop.
      headersTimeout: 10 * 60_000,
      bodyTimeout: 10 * 60_000,
    });
  }

  get state(): ReceiverDeliveryState {
    return this.#state;
  }

  /**
   * The delivery state known to be stored. Records up to its cursor may be forgotten: a restart
   * resumes from the stored cursor and numbers records by position after it, so the records between a
   * stored and a newer in-memory cursor must survive until the newer one is written.
   */
  get savedState(): ReceiverDeliveryState {
    return this.#savedState;
  }

  get alarm(): CdrAlarm | null {
    return this.#alarm;
  }

  get deliveredRecords(): number {
    return this.#deliveredRecords;
  }

  /** Records waiting for this receiver (in flight included, dropped ones not). */
  get backlog(): number {
    const s = this.#state;
    const seqs = this.#host.seqs;
    if (s.dropAfter !== null && s.droppedThrough !== null) return seqs.countBetween(s.cursorSeq, s.dropAfter) + seqs.countAfter(s.droppedThrough);
    return seqs.countAfter(s.cursorSeq);
  }

  start(): void {
    this.enforceBound();
    this.#running = this.#run();
  }

  /** New records were committed. */
  notify(): void {
    this.#pending = true;
    this.enforceBound();
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Stops delivery: aborts a post in flight (it stays undelivered), waits for state writes. */
  async stop(): Promise<void> {
    this.#stop.abort();
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    await this.#running;
    await this.#saving;
    this.#alarm = null;
    await this.#agent.destroy().catch(() => undefined);
  }

  #isStopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    while (!this.#isStopped()) {
      try {
        const batch = this.#inflight ?? (await this.#compose());
        if (this.#isStopped()) break;
        if (!batch) {
          await this.#waitForRecords();
          continue;
        }
        const outcome = await this.#post(batch);
        if (this.#isStopped()) break;
        if (outcome.ok) {
          this.#acknowledge(batch);
          continue;
        }
        await this.#failed(outcome.reason, outcome.detail);
      } catch (error) {
        if (this.#isStopped()) break;
        // Storage trouble while composing: keep the cursor, try again later.
        await this.#failed('error', error instanceof Error ? error.message : String(error));
      }
    }
  }

  async #failed(reason: CdrFailureReason, detail: string): Promise<void> {
    this.#failures += 1;
    const { clock, config, logger } = this.#host;
    this.#alarm ??= { id: newGuid(), receiverId: this.id, sinceMs: clock.now(), failureReason: reason };
    if (this.#alarm.failureReason !== reason) this.#alarm = { ...this.#alarm, failureReason: reason };
    const delay = Math.min(config.maxBackoffMs, config.initialBackoffMs * 2 ** Math.min(this.#failures - 1, 30));
    logger.warn({ cdrReceiver: this.id, reason, detail, failures: this.#failures, retryInMs: delay }, 'CDR post failed');
    try {
      await clock.sleep(delay, this.#stop.signal);
    } catch {
      // stopped
    }
  }

  #waitForRecords(): Promise<void> {
    if (this.#pending || this.#isStopped()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Applies a drop range once the batch in front of it is done. */
  #normalize(): void {
    const s = this.#state;
    if (s.dropAfter !== null && s.droppedThrough !== null && s.cursorSeq >= s.dropAfter && this.#inflight === null) {
      this.#setState({
        ...s,
        cursorSeq: Math.max(s.cursorSeq, s.droppedThrough),
        missing: s.missing + s.rangeMissing,
        dropAfter: null,
        droppedThrough: null,
        rangeMissing: 0,
      });
    }
  }

  async #compose(): Promise<Batch | null> {
    this.#pending = false;
    this.#normalize();
    this.enforceBound();
    this.#composing = true;
    try {
      const s = this.#state;
      const { config } = this.#host;
      const rows = await this.#host.readRecords(s.cursorSeq, s.dropAfter, config.batchSize);
      if (this.#isStopped()) return null;
      if (rows.length === 0) {
        if (s.dropAfter !== null && s.cursorSeq < s.dropAfter) {
          // Nothing left before the drop range (already collected): jump it.
          this.#setState({ ...s, cursorSeq: s.dropAfter });
          this.#normalize();
          this.#pending = true;
        }
        return null;
      }
      const first = rows[0];
      if (!first) return null;
      const session = first.session;
      const base = session === s.session ? s.recordIndex : 0;
      const records: PostedRecord[] = [];
      let lastSeq = first.seq;
      for (const row of rows) {
        if (row.session !== session) {
          this.#pending = true; // the next session's records follow in their own post
          break;
        }
        records.push({
          type: row.type,
          timeMs: row.timeMs,
          correlatorIndex: row.correlatorIndex,
          recordIndex: base + records.length + 1,
          missing: records.length === 0 ? s.missing : 0,
          body: row.body,
        });
        lastSeq = row.seq;
      }
      if (rows.length === config.batchSize) this.#pending = true;
      const callBridge = await this.#host.callBridgeAttribute();
      const batch: Batch = {
        session,
        lastSeq,
        lastRecordIndex: base + records.length,
        count: records.length,
        body: renderRecords(session, callBridge, records),
      };
      this.#inflight = batch;
      return batch;
    } finally {
      this.#composing = false;
      this.enforceBound();
    }
  }

  async #post(batch: Batch): Promise<PushOutcome> {
    const { clock, config } = this.#host;
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(this.#stop.signal.reason);
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    const timer = clock.setTimeout(() => attempt.abort(new PostTimeout()), config.postTimeoutMs);
    try {
      const response = await this.#agent.request({
        origin: this.#target.origin,
        path: this.#target.path,
        method: 'POST',
        headers: { 'content-type': CDR_CONTENT_TYPE },
        body: batch.body,
        signal: attempt.signal,
      });
      // Read the answer to the end so the connection can carry the next batch.
      await response.body.dump({ limit: 1024 * 1024 });
      if (attempt.signal.aborted) return { ok: false, reason: 'connectFailure', detail: 'answered after the post timeout' };
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      const reason: CdrFailureReason = status === 503 ? 'serviceUnavailable' : status >= 500 ? 'internalServerError' : 'error';
      return { ok: false, reason, detail: `HTTP ${status}` };
    } catch (error) {
      const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
      const reason: CdrFailureReason = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'dnsFailure' : 'connectFailure';
      const detail = attempt.signal.reason instanceof PostTimeout ? 'timeout' : error instanceof Error ? `${typeof code === 'string' ? code : ''} ${error.message}`.trim() : String(error);
      return { ok: false, reason, detail };
    } finally {
      timer.cancel();
      this.#stop.signal.removeEventListener('abort', onStop);
    }
  }

  #acknowledge(batch: Batch): void {
    this.#inflight = null;
    this.#failures = 0;
    if (this.#alarm) this.#host.logger.info({ cdrReceiver: this.id }, 'CDR receiver reachable again');
    this.#alarm = null;
    this.#deliveredRecords += batch.count;
    this.#setState({ ...this.#state, cursorSeq: batch.lastSeq, session: batch.session, recordIndex: batch.lastRecordIndex, missing: 0 });
    this.#normalize();
  }

  /** Drops the oldest records not in flight while more than `maxBacklog` wait. */
  enforceBound(): void {
    if (this.#composing || this.#isStopped()) return;
    const excess = this.backlog - this.#host.config.maxBacklog;
    if (excess <= 0) return;
    const s = this.#state;
    const seqs = this.#host.seqs;
    const rangeOpen = s.dropAfter !== null && s.droppedThrough !== null;
    const start = s.droppedThrough ?? (this.#inflight ? this.#inflight.lastSeq : s.cursorSeq);
    const k = Math.min(excess, seqs.countAfter(start));
    if (k <= 0) return;
    const end = seqs.nthAfter(start, k);
    if (end === undefined) return;
    if (rangeOpen) this.#setState({ ...s, droppedThrough: end, rangeMissing: s.rangeMissing + k });
    else if (this.#inflight) this.#setState({ ...s, dropAfter: this.#inflight.lastSeq, droppedThrough: end, rangeMissing: k });
    else this.#setState({ ...s, cursorSeq: end, missing: s.missing + k });
    this.#host.logger.warn({ cdrReceiver: this.id, dropped: k }, 'CDR backlog over its bound: oldest records dropped');
  }

  /** Records the new state and writes it, in order, behind earlier writes. */
  #setState(state: ReceiverDeliveryState): void {
    this.#state = state;
    this.#saving = this.#saving
      .then(async () => {
        await this.#host.saveState(this.id, state);
        const cursorMoved = state.cursorSeq > this.#savedState.cursorSeq;
        this.#savedState = state;
        if (cursorMoved) this.#host.delivered();
      })
      .catch((error: unknown) => this.#host.logger.error({ err: error, cdrReceiver: this.id }, 'saving CDR receiver state failed'));
  }
}
