/**
 * The CDR pipeline of one call bridge: the real `CdrSink`. `emit` stamps records with the session's
 * next correlatorIndex, synchronously and in call order, renders each body once and queues it; the
 * queue is committed to the outbox in one transaction per event-loop turn (group commit), and only
 * committed records are ever read by the pushers, so nothing is posted that a crash could lose.
 *
 * Durability window: a record is durable once the commit of its group finishes — at most one
 * event-loop turn plus one transaction after `emit` returned; `flush()` resolves when everything
 * emitted before it is committed. A process killed inside that window loses those records (and
 * only those); see docs/cdr-delivery.md.
 *
 * Receivers are per call bridge; each has its own pusher, cursor and recordIndex. A bridge started
 * with undelivered records of an earlier run delivers them under that run's session id; records of
 * this run carry the new session, never in the same post.
 */
import type { Clock } from '../../shared/clock.ts';
import { newGuid } from '../../shared/ids.ts';
import { maskUri, type Logger } from '../../shared/logger.ts';
import { assertRoomForReceiver, receiverTarget } from '../domain/cdrReceiver.ts';
import { bridgeErrors } from '../errors.ts';
import type { CdrReceiverRecord, OutboxInsert, OutboxRow, ReceiverDeliveryState } from '../storage/cdrStore.ts';
import type { BridgeStorage } from '../storage/index.ts';
import { ReceiverPusher, DEFAULT_CDR_DELIVERY, type CdrAlarm, type CdrDeliveryConfig, type PusherHost } from './pusher.ts';
import type { CdrRecordBody, CdrSink } from './recordBodies.ts';
import { SeqLog } from './seqLog.ts';
import { renderRecordBody } from './xml.ts';

export interface CdrPipelineOptions {
  readonly storage: BridgeStorage;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This call bridge's id (its row in /callBridges). */
  readonly callBridgeId: string;
  readonly config?: Partial<CdrDeliveryConfig> | undefined;
  /** Session id of this run; a new GUID unless given (tests). */
  readonly session?: string;
}

export interface CdrReceiverView {
  readonly id: string;
  readonly uri: string | null;
  readonly legacy: boolean;
}

/** Recently committed records kept in memory so pushers that keep up never read them back. */
const RECENT_CACHE = 20_000;
/** The outbox is cleaned once at least this many delivered records can go. */
const COLLECT_MIN = 500;

/** How long the "clustered?" answer (for the `callBridge` attribute) is reused. */
const CLUSTER_CHECK_MS = 10_000;

export class CdrPipeline implements CdrSink {
  readonly session: string;
  readonly config: CdrDeliveryConfig;
  readonly #storage: BridgeStorage;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #node: string;
  readonly #seqs = new SeqLog();
  readonly #host: PusherHost;
  #next = 0;
  #buffer: OutboxInsert[] = [];
  #flushScheduled = false;
  #commits: Promise<void> = Promise.resolve();
  #lastSeq = 0;
  readonly #recent = new Map<number, OutboxRow>();
  #receivers: CdrReceiverView[] = [];
  readonly #pushers = new Map<string, ReceiverPusher>();
  /** States of receivers without a pusher (no uri), kept as stored. */
  readonly #idleStates = new Map<string, ReceiverDeliveryState>();
  #configuring: Promise<unknown> = Promise.resolve();
  #collecting: Promise<void> | null = null;
  #collectAgain = false;
  #collectedThrough = 0;
  #clustered: { value: boolean; atMs: number } | undefined;
  #closed = false;

  private constructor(options: CdrPipelineOptions) {
    this.session = options.session ?? newGuid();
    this.config = { ...DEFAULT_CDR_DELIVERY, ...options.config };
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ component: 'cdr' });
    this.#node = options.callBridgeId;
    const cdr = this.#storage.cdr;
    this.#host = {
      clock: this.#clock,
      logger: this.#logger,
      config: this.config,
      seqs: this.#seqs,
      readRecords: (after, through, limit) => this.#readRecords(after, through, limit),
      saveState: (id, state) => cdr.saveState(this.#node, id, state),
      callBridgeAttribute: () => this.#callBridgeAttribute(),
      delivered: () => this.#collect(),
    };
  }

  /** Loads this node's receivers and undelivered records and starts delivering. */
  static async start(options: CdrPipelineOptions): Promise<CdrPipeline> {
    const pipeline = new CdrPipeline(options);
    await pipeline.#load();
    return pipeline;
  }

  async #load(): Promise<void> {
    const store = this.#storage.cdr;
    const receivers = await store.listReceivers(this.#node);
    this.#lastSeq = await store.maxSeq(this.#node);
    const active = receivers.filter((r) => r.uri !== null);
    const from = active.length === 0 ? this.#lastSeq : Math.min(...active.map((r) => r.state.cursorSeq));
    this.#seqs.append(await store.recordSeqs(this.#node, from));
    this.#collectedThrough = from;
    this.#receivers = receivers.map(view);
    for (const r of receivers) this.#startOrPark(r.id, r.uri, r.state);
    if (active.length === 0) await store.deleteRecordsThrough(this.#node, this.#lastSeq);
    const backlog = this.#seqs.size;
    this.#logger.info({ session: this.session, receivers: receivers.length, undelivered: backlog }, 'CDR pipeline started');
  }

  // ---- CdrSink ------------------------------------------------------------------------------------

  emit(atMs: number, records: readonly CdrRecordBody[]): void {
    const keep = this.#pushers.size > 0 && !this.#closed;
    if (this.#closed && records.length > 0) this.#logger.warn({ records: records.length }, 'CDRs emitted after the pipeline closed are not kept');
    for (const record of records) {
      const correlatorIndex = this.#next++;
      if (!keep) continue; // no receiver to keep it for: CMS keeps no records either
      this.#buffer.push({ session: this.session, correlatorIndex, timeMs: atMs, type: record.type, body: renderRecordBody(record) });
    }
    if (keep && records.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        void this.flush();
      });
    }
  }

  /** The correlatorIndex the next record will get (`/system/status` cdrCorrelatorIndex). */
  get nextCorrelatorIndex(): number {
    return this.#next;
  }

  /** Resolves once every record emitted before the call is committed to the outbox. */
  flush(): Promise<void> {
    this.#commits = this.#commits.catch(() => undefined).then(() => this.#commitBuffered());
    return this.#commits;
  }

  async #commitBuffered(): Promise<void> {
    while (this.#buffer.length > 0) {
      const rows = this.#buffer;
      this.#buffer = [];
      try {
        const seqs = await this.#storage.transaction((stores) => stores.cdr.appendRecords(this.#node, rows));
        this.#seqs.append(seqs);
        this.#lastSeq = seqs[seqs.length - 1] ?? this.#lastSeq;
        rows.forEach((row, i) => {
          const seq = seqs[i];
          if (seq !== undefined) this.#recent.set(seq, { ...row, seq });
        });
        for (const seq of this.#recent.keys()) {
          if (this.#recent.size <= RECENT_CACHE) break;
          this.#recent.delete(seq);
        }
        for (const pusher of this.#pushers.values()) pusher.notify();
      } catch (error) {
        // Keep them, in order, ahead of anything emitted since, and try again shortly.
        this.#buffer = rows.concat(this.#buffer);
        this.#logger.error({ err: error, records: rows.length }, 'writing CDRs to the outbox failed; retrying');
        await this.#clock.sleep(1_000).catch(() => undefined);
        if (this.#closed) throw error;
      }
    }
  }

  // ---- receivers ----------------------------------------------------------------------------------

  listReceivers(): readonly CdrReceiverView[] {
    return this.#receivers;
  }

  getReceiver(id: string): CdrReceiverView | undefined {
    return this.#receivers.find((r) => r.id === id);
  }

  /** Creates a receiver (`uri` null: a slot without a destination yet). Refuses a fifth. */
  createReceiver(uri: string | null, legacy = false): Promise<CdrReceiverView> {
    return this.#configure(async () => {
      assertRoomForReceiver(this.#receivers.length);
      const record: CdrReceiverRecord = { id: newGuid(), uri, legacy, state: await this.#freshState() };
      await this.#storage.cdr.insertReceiver(this.#node, record);
      this.#receivers = [...this.#receivers, view(record)];
      this.#startOrPark(record.id, uri, record.state);
      this.#logger.info({ cdrReceiver: record.id, uri: uri === null ? null : maskUri(uri) }, 'CDR receiver added');
      return view(record);
    });
  }

  /** Sets or clears a receiver's uri. A receiver given a uri after having none starts at the current record. */
  updateReceiver(id: string, uri: string | null): Promise<void> {
    return this.#configure(async () => {
      const current = this.getReceiver(id);
      if (!current) throw bridgeErrors.notFound('cdrReceiverDoesNotExist');
      if (current.uri === uri) return;
      const state = await this.#stopReceiver(id);
      const next = current.uri === null || state === undefined ? await this.#freshState() : state;
      await this.#storage.cdr.updateReceiverUri(this.#node, id, uri, next);
      this.#receivers = this.#receivers.map((r) => (r.id === id ? { ...r, uri } : r));
      this.#startOrPark(id, uri, next);
      this.#logger.info({ cdrReceiver: id, uri: uri === null ? null : maskUri(uri) }, 'CDR receiver changed');
      this.#collect();
    });
  }

  deleteReceiver(id: string): Promise<void> {
    return this.#configure(async () => {
      if (!this.getReceiver(id)) throw bridgeErrors.notFound('cdrReceiverDoesNotExist');
      await this.#stopReceiver(id);
      await this.#storage.cdr.deleteReceiver(this.#node, id);
      this.#receivers = this.#receivers.filter((r) => r.id !== id);
      this.#idleStates.delete(id);
      this.#logger.info({ cdrReceiver: id }, 'CDR receiver removed');
      this.#collect();
    });
  }

  /** The receiver of the deprecated single `/system/cdrReceiver`, if set. */
  legacyReceiver(): CdrReceiverView | undefined {
    return this.#receivers.find((r) => r.legacy);
  }

  /** `/system/cdrReceiver` PUT: an empty uri removes it; a uri sets it, creating it (new GUID) if needed. */
  async setLegacyReceiver(uri: string | null): Promise<void> {
    const legacy = this.legacyReceiver();
    if (uri === null) {
      if (legacy) await this.deleteReceiver(legacy.id);
      return;
    }
    if (legacy) await this.updateReceiver(legacy.id, uri);
    else await this.createReceiver(uri, true);
  }

  /** `cdrConnectionFailure` conditions: one per receiver whose posts are failing. */
  alarms(): CdrAlarm[] {
    const out: CdrAlarm[] = [];
    for (const r of this.#receivers) {
      const alarm = this.#pushers.get(r.id)?.alarm;
      if (alarm) out.push(alarm);
    }
    return out;
  }

  /** Delivery figures per receiver (logs, tests, benchmarks). */
  deliveryStatus(): Array<{ id: string; backlog: number; delivered: number; state: ReceiverDeliveryState }> {
    return [...this.#pushers.values()].map((p) => ({ id: p.id, backlog: p.backlog, delivered: p.deliveredRecords, state: p.state }));
  }

  /** Commits what was emitted and stops the pushers; undelivered records wait in the outbox for the next start. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    await this.#configuring.catch(() => undefined);
    await Promise.all([...this.#pushers.values()].map((p) => p.stop()));
    this.#pushers.clear();
    await this.#collecting;
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** Receiver changes run one at a time (the 4-receiver limit is checked against settled state). */
  #configure<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#configuring.then(() => {
      if (this.#closed) throw bridgeErrors.databaseNotReady();
      return fn();
    });
    this.#configuring = run.catch(() => undefined);
    return run;
  }

  /** Delivery state of a receiver that starts now: after every record emitted so far. */
  async #freshState(): Promise<ReceiverDeliveryState> {
    await this.flush();
    return { cursorSeq: this.#lastSeq, session: null, recordIndex: 0, missing: 0, dropAfter: null, droppedThrough: null, rangeMissing: 0 };
  }

  #startOrPark(id: string, uri: string | null, state: ReceiverDeliveryState): void {
    const target = uri === null ? undefined : receiverTarget(uri);
    if (uri === null || !target) {
      if (uri !== null) this.#logger.error({ cdrReceiver: id, uri: maskUri(uri) }, 'stored CDR receiver uri is not usable; not delivering to it');
      this.#idleStates.set(id, state);
      return;
    }
    this.#idleStates.delete(id);
    const pusher = new ReceiverPusher(this.#host, id, uri, target, state);
    this.#pushers.set(id, pusher);
    if (!this.#closed) pusher.start();
  }

  /** Stops a receiver's pusher and returns its settled delivery state. */
  async #stopReceiver(id: string): Promise<ReceiverDeliveryState | undefined> {
    const pusher = this.#pushers.get(id);
    if (!pusher) return this.#idleStates.get(id);
    this.#pushers.delete(id);
    await pusher.stop();
    return pusher.state;
  }

  /** Records for a pusher: from memory when all are still there, else from the outbox. */
  #readRecords(after: number, through: number | null, limit: number): Promise<OutboxRow[]> {
    const rows: OutboxRow[] = [];
    for (const seq of this.#seqs.after(after, limit)) {
      if (through !== null && seq > through) break;
      const row = this.#recent.get(seq);
      if (!row) return this.#storage.cdr.readRecords(this.#node, after, through, limit);
      rows.push(row);
    }
    return Promise.resolve(rows);
  }

  async #callBridgeAttribute(): Promise<string | undefined> {
    const now = this.#clock.now();
    if (!this.#clustered || now - this.#clustered.atMs >= CLUSTER_CHECK_MS || now < this.#clustered.atMs) {
      const bridges = await this.#storage.callBridges.list();
      this.#clustered = { value: bridges.length > 1, atMs: now };
    }
    return this.#clustered.value ? this.#node : undefined;
  }

  /** Deletes outbox records every receiver is done with. One pass at a time. */
  #collect(): void {
    if (this.#collecting) {
      this.#collectAgain = true;
      return;
    }
    if (this.#closed) return;
    let through = this.#lastSeq;
    for (const pusher of this.#pushers.values()) through = Math.min(through, pusher.savedState.cursorSeq);
    if (through <= this.#collectedThrough) return;
    if (this.#seqs.countBetween(this.#collectedThrough, through) < COLLECT_MIN && this.#pushers.size > 0) return;
    this.#collecting = this.#storage.cdr
      .deleteRecordsThrough(this.#node, through)
      .then(() => {
        this.#collectedThrough = through;
        this.#seqs.trimThrough(through);
        for (const seq of this.#recent.keys()) {
          if (seq > through) break;
          this.#recent.delete(seq);
        }
      })
      .catch((error: unknown) => this.#logger.error({ err: error }, 'removing delivered CDRs failed'))
      .finally(() => {
        this.#collecting = null;
        if (this.#collectAgain) {
          this.#collectAgain = false;
          this.#collect();
        }
      });
  }
}

function view(r: CdrReceiverRecord): CdrReceiverView {
  return { id: r.id, uri: r.uri, legacy: r.legacy };
}
