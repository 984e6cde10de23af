/**
 * Committing CDR posts: every new record stored once (duplicates by (session, correlatorIndex), or
 * recordIndex when a record has no correlatorIndex, are counted and skipped), per-session counters,
 * and the normalised calls, call legs, recordings and streamings updated, all in ONE transaction per
 * group of posts. The caller answers 200 only after `commit` resolves. The first post of a new session
 * also closes what the older sessions of its source left open, in the same transaction (`sessionEnds.ts`).
 *
 * Objects are referred to by integer keys (`seq`, `schema.ts` ObjectKeys): every object a group
 * mentions is looked up by its GUID (`objectKeys.ts`) or numbered, when it is new, before its records
 * are stored, so each record carries its object's `object_seq` and each leg its call's `call_seq`.
 * Both grow with arrival time, so their index entries, and the model rows themselves (keyed by
 * `seq`), land on the few newest pages instead of a random page per record (GUIDs). When enough new
 * objects have gathered, the commit also writes their GUIDs to `object_key` in one batch.
 *
 * The steps are the same on both dialects (the pure functions below); only loading and saving
 * differ: kysely on Postgres, cached prepared statements on SQLite's own handle (the ingest hot
 * path: building and preparing large multi-row statements for every post cost more than the
 * inserts themselves).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { AnyTransaction } from '../../shared/migration-helpers.ts';
import { parseStoredRecord } from '../ingest/parse.ts';
import { applyCallRecord, type CallRow } from '../domain/call.ts';
import { applyCallLegRecord, foldCallLeg, isOutOfOrder, type CallLegRow } from '../domain/callLeg.ts';
import type { XmlElement } from '../domain/element.ts';
import { applyMediaRecord, type MediaSessionRow } from '../domain/media.ts';
import { CALL_LEG_RECORD_TYPES, objectIdOf, objectKindOf, type ModelRecord, type ObjectKind } from '../domain/record.ts';
import { callFromTable, callToTable, callValues, camelRow, legFromTable, legToTable, legValues, mediaToTable, mediaValues, snake } from './rows.ts';
import { OBJECT_TABLES, type ObjectKeyIndex, type ObjectSeqs, type ObjectTable } from './objectKeys.ts';
import { closeLateObjects, normaliseAddress, sessionChanges, SessionEnds, type SessionChanges, type UpsertedSession } from './sessionEnds.ts';
import type { PostgresStatistics } from './statistics.ts';
import type { CdrRecordTable, CdrSessionTable, CollectorDb } from './schema.ts';

export interface RecordInput {
  readonly type: string;
  readonly timeMs: number | null;
  readonly recordIndex: number | null;
  readonly correlatorIndex: number | null;
  readonly numPreceedingRecordsMissing: number | null;
  readonly body: XmlElement | undefined;
  readonly raw: string;
  /** The record's exact bytes when `raw` is not exact (`ingest/text.ts`); absent or null otherwise. */
  readonly rawBytes?: Uint8Array | null;
}

export interface PostInput {
  readonly session: string;
  readonly callBridge: string | null;
  /** The receiver URI's query string the post came with (e.g. `system_id=cms1`), secrets removed. */
  readonly source: string | null;
  /** The address the post came from (the source of a session without callBridge or query string, `sessionEnds.ts`). */
  readonly remoteAddress?: string | null | undefined;
  readonly receivedMs: number;
  readonly records: readonly RecordInput[];
}

export interface PostOutcome {
  readonly received: number;
  readonly stored: number;
  readonly duplicates: number;
}

type RecordRow = Omit<CdrRecordTable, 'seq'>;

const INSERT_CHUNK = 200;
const UPSERT_CHUNK = 100;
/** The advisory lock key space (two-int form) of the collector's model merge on Postgres: 'CDR1'. */
const MODEL_LOCK_CLASS = 0x43445231;

interface Candidate {
  readonly postIndex: number;
  readonly key: string;
  readonly row: RecordRow;
  readonly record: RecordInput;
  /** The model table the record feeds (with `row.objectId`), if any. */
  readonly table: ObjectTable | undefined;
}

function tableOf(kind: ObjectKind | undefined): ObjectTable | undefined {
  if (kind === undefined) return undefined;
  return kind === 'call' ? 'calls' : kind === 'callLeg' ? 'legs' : 'media';
}

/** The `collector_sequence` row that numbers objects: its value is the last seq handed out. */
const OBJECT_SEQUENCE = 'object';

/** A group's additions to one session's counters (the row is upserted by adding them). */
type SessionTally = Omit<CdrSessionTable, 'endedMs' | 'endedBy'>;

interface Work {
  readonly kind: ObjectKind;
  readonly id: string;
  readonly record: ModelRecord;
}

/** The rows a group of posts touches, loaded before merging and saved after, and the objects' keys. */
interface Loaded {
  readonly calls: Map<string, CallRow>;
  readonly legs: Map<string, CallLegRow>;
  readonly media: Map<string, MediaSessionRow>;
  /** The seq of every object the group mentions (stored, or numbered by this group) and of the legs' calls. */
  readonly seqs: ObjectSeqs;
  /** Calls first seen in this group: legs that arrived before them are stitched when they are saved. */
  readonly newCalls: Set<string>;
}

interface StoredLegRecord {
  objectId: string;
  type: string;
  session: string;
  callBridge: string | null;
  timeMs: number;
  keyIndex: number;
  raw: string;
}

// ---- the steps, dialect-free ----------------------------------------------------------------

function keyOf(session: string, kind: string, index: number): string {
  return `${session}\u0000${kind}\u0000${index}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Dedup keys in one total order: session, key kind, index (numerically, so a group's records keep their order). */
function compareKeys(a: RecordRow, b: RecordRow): number {
  return compareText(a.session, b.session) || compareText(a.keyKind, b.keyKind) || a.keyIndex - b.keyIndex;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One candidate row per distinct record of the group (a record repeated within the group is a duplicate). */
function buildCandidates(posts: readonly PostInput[]): Candidate[] {
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  posts.forEach((post, postIndex) => {
    for (const record of post.records) {
      const keyKind = record.correlatorIndex !== null ? 'c' : 'r';
      const keyIndex = record.correlatorIndex ?? record.recordIndex ?? 0;
      const key = keyOf(post.session, keyKind, keyIndex);
      if (seen.has(key)) continue;
      seen.add(key);
      const objectId = objectIdOf(record.body);
      candidates.push({
        postIndex,
        key,
        record,
        table: objectId === null ? undefined : tableOf(objectKindOf(record.type)),
        row: {
          session: post.session,
          keyKind,
          keyIndex,
          correlatorIndex: record.correlatorIndex,
          recordIndex: record.recordIndex,
          numPrecedingMissing: record.numPreceedingRecordsMissing,
          type: record.type,
          timeMs: record.timeMs ?? post.receivedMs,
          callBridge: post.callBridge,
          source: post.source,
          objectId,
          objectSeq: null,
          raw: record.raw,
          rawBytes: record.rawBytes ?? null,
          receivedMs: post.receivedMs,
        },
      });
    }
  });
  return candidates;
}

function outcomesFor(posts: readonly PostInput[], fresh: readonly Candidate[]): PostOutcome[] {
  const outcomes = posts.map((post) => ({ received: post.records.length, stored: 0, duplicates: 0 }));
  for (const c of fresh) {
    const outcome = outcomes[c.postIndex];
    if (outcome) outcome.stored += 1;
  }
  for (const outcome of outcomes) outcome.duplicates = outcome.received - outcome.stored;
  return outcomes;
}

/** The distinct objects the candidates are about, per model table. */
function objectIdsOf(candidates: readonly Candidate[]): Record<ObjectTable, string[]> {
  const ids: Record<ObjectTable, Set<string>> = { calls: new Set(), legs: new Set(), media: new Set() };
  for (const c of candidates) if (c.table !== undefined && c.row.objectId !== null) ids[c.table].add(c.row.objectId);
  return { calls: [...ids.calls], legs: [...ids.legs], media: [...ids.media] };
}

/** The objects the group mentions that have no seq yet (first seen now), in a fixed order. */
function newObjects(ids: Record<ObjectTable, readonly string[]>, loaded: Loaded): [ObjectTable, string][] {
  const out: [ObjectTable, string][] = [];
  for (const table of OBJECT_TABLES) for (const id of ids[table]) if (!loaded.seqs[table].has(id)) out.push([table, id]);
  return out;
}

/**
 * Gives the new objects the seqs after `before` (the sequence advanced past them already). A number
 * whose records all turn out to be duplicates is simply never used.
 */
function numberNewObjects(objects: readonly [ObjectTable, string][], loaded: Loaded, before: number): void {
  let next = before;
  for (const [table, id] of objects) {
    loaded.seqs[table].set(id, ++next);
    if (table === 'calls') loaded.newCalls.add(id);
  }
}

/** Advances the object sequence by `?` and answers its new value (SQLite; Postgres spells the same). */
const RESERVE_SEQS = `UPDATE collector_sequence SET value = value + ? WHERE name = '${OBJECT_SEQUENCE}' RETURNING value`;

function attachObjectSeqs(candidates: readonly Candidate[], seqs: ObjectSeqs): void {
  for (const c of candidates) {
    if (c.table !== undefined && c.row.objectId !== null) c.row.objectSeq = seqs[c.table].get(c.row.objectId) ?? null;
  }
}

/** The calls the saved legs belong to whose seq the group does not know yet (to look up). */
function unknownCallsOfLegs(work: readonly Work[], loaded: Loaded): string[] {
  const out = new Set<string>();
  for (const id of idsOf(work, ['callLeg'])) {
    const callId = loaded.legs.get(id)?.callId ?? null;
    if (callId !== null && !loaded.seqs.calls.has(callId)) out.add(callId);
  }
  return [...out];
}

function sessionTallies(posts: readonly PostInput[], outcomes: readonly PostOutcome[], fresh: readonly Candidate[]): SessionTally[] {
  const tallies = new Map<string, SessionTally>();
  posts.forEach((post, i) => {
    let t = tallies.get(post.session);
    if (!t) {
      t = {
        session: post.session,
        callBridge: post.callBridge,
        source: post.source,
        remoteAddress: normaliseAddress(post.remoteAddress),
        firstSeenMs: post.receivedMs,
        lastSeenMs: post.receivedMs,
        posts: 0,
        records: 0,
        correlatedRecords: 0,
        duplicates: 0,
        declaredMissing: 0,
        minCorrelator: null,
        maxCorrelator: null,
      };
      tallies.set(post.session, t);
    }
    t.posts += 1;
    t.duplicates += outcomes[i]?.duplicates ?? 0;
    t.lastSeenMs = Math.max(t.lastSeenMs, post.receivedMs);
  });
  for (const c of fresh) {
    const t = tallies.get(c.row.session);
    if (!t) continue;
    t.records += 1;
    t.declaredMissing += c.row.numPrecedingMissing ?? 0;
    const ci = c.row.correlatorIndex;
    if (ci !== null) {
      t.correlatedRecords += 1;
      t.minCorrelator = t.minCorrelator === null ? ci : Math.min(t.minCorrelator, ci);
      t.maxCorrelator = t.maxCorrelator === null ? ci : Math.max(t.maxCorrelator, ci);
    }
  }
  return [...tallies.values()];
}

/** The model records of the newly stored records, in arrival order. */
function modelWork(posts: readonly PostInput[], fresh: readonly Candidate[]): Work[] {
  const work: Work[] = [];
  for (const c of fresh) {
    const kind = objectKindOf(c.row.type);
    const id = c.row.objectId;
    if (kind === undefined || id === null) continue; // kept raw; not modelled
    work.push({
      kind,
      id,
      record: {
        type: c.row.type,
        session: c.row.session,
        callBridge: posts[c.postIndex]?.callBridge ?? null,
        timeMs: c.row.timeMs,
        order: c.row.keyIndex,
        body: c.record.body,
      },
    });
  }
  return work;
}

function idsOf(work: readonly Work[], kinds: readonly ObjectKind[]): string[] {
  return [...new Set(work.filter((w) => kinds.includes(w.kind)).map((w) => w.id))];
}

/** Merges the work into the loaded rows; returns the legs that must be rebuilt from all their records. */
function applyWork(work: readonly Work[], loaded: Loaded): Set<string> {
  const refold = new Set<string>();
  for (const w of work) {
    if (w.kind === 'call') loaded.calls.set(w.id, applyCallRecord(loaded.calls.get(w.id), w.id, w.record));
    else if (w.kind === 'callLeg') {
      const current = loaded.legs.get(w.id);
      if (current && isOutOfOrder(current, w.record)) refold.add(w.id);
      loaded.legs.set(w.id, applyCallLegRecord(current, w.id, w.record));
    } else loaded.media.set(w.id, applyMediaRecord(loaded.media.get(w.id), w.id, w.record));
  }
  return refold;
}

function seqOf(seqs: Map<string, number>, id: string): number {
  const seq = seqs.get(id);
  if (seq === undefined) throw new Error(`object ${id} has no seq`); // numberNewObjects numbered every object of the group
  return seq;
}

/** Rebuilds legs from all their stored records (a record older than one already merged arrived). */
function foldLegs(rows: readonly StoredLegRecord[]): Map<string, CallLegRow> {
  const byLeg = new Map<string, ModelRecord[]>();
  for (const r of rows) {
    const list = byLeg.get(r.objectId) ?? [];
    list.push({ type: r.type, session: r.session, callBridge: r.callBridge, timeMs: r.timeMs, order: r.keyIndex, body: parseStoredRecord(r.raw) });
    byLeg.set(r.objectId, list);
  }
  const out = new Map<string, CallLegRow>();
  for (const [id, records] of byLeg) {
    const row = foldCallLeg(id, records);
    if (row) out.set(id, row);
  }
  return out;
}

/** Closes the calls and legs the group touched of sessions a newer session ended (`sessionEnds.ts`). */
function closeLate(changes: SessionChanges, work: readonly Work[], loaded: Loaded): void {
  if (changes.ended.size === 0) return;
  closeLateObjects(
    changes.ended,
    idsOf(work, ['call']).map((id) => loaded.calls.get(id)),
    idsOf(work, ['callLeg']).map((id) => loaded.legs.get(id)),
  );
}

interface RowsToSave {
  readonly calls: { row: CallRow; seq: number }[];
  readonly legs: { row: CallLegRow; seq: number; callSeq: number | null }[];
  readonly media: { row: MediaSessionRow; seq: number }[];
  /** New calls whose earlier legs wait for their call_seq. */
  readonly stitch: { seq: number; id: string }[];
}

/** The rows to write, with their keys. */
function rowsToSave(work: readonly Work[], loaded: Loaded): RowsToSave {
  const { seqs } = loaded;
  const calls = idsOf(work, ['call']);
  return {
    calls: calls.map((id) => ({ row: loaded.calls.get(id) as CallRow, seq: seqOf(seqs.calls, id) })),
    legs: idsOf(work, ['callLeg']).map((id) => {
      const row = loaded.legs.get(id) as CallLegRow;
      return { row, seq: seqOf(seqs.legs, id), callSeq: row.callId === null ? null : (seqs.calls.get(row.callId) ?? null) };
    }),
    media: idsOf(work, ['recording', 'streaming']).map((id) => ({ row: loaded.media.get(id) as MediaSessionRow, seq: seqOf(seqs.media, id) })),
    stitch: calls.filter((id) => loaded.newCalls.has(id)).map((id) => ({ seq: seqOf(seqs.calls, id), id })),
  };
}

type LoadedRow = Record<string, unknown>;

/**
 * The stored rows of the objects a group mentions, as model rows, with their seqs (an object whose
 * key is known but whose row is gone, dropped by retention, counts as new).
 */
function loadedFrom(calls: readonly LoadedRow[], legs: readonly LoadedRow[], media: readonly LoadedRow[]): Loaded {
  const loaded: Loaded = { calls: new Map(), legs: new Map(), media: new Map(), seqs: { calls: new Map(), legs: new Map(), media: new Map() }, newCalls: new Set() };
  const add = <Row>(rows: readonly LoadedRow[], fromTable: (row: never) => Row, into: Map<string, Row>, seqs: Map<string, number>): void => {
    for (const r of rows) {
      into.set(r['id'] as string, fromTable(r as never));
      seqs.set(r['id'] as string, r['seq'] as number);
    }
  };
  add(calls, callFromTable, loaded.calls, loaded.seqs.calls);
  add(legs, legFromTable, loaded.legs, loaded.seqs.legs);
  add(media, (row: MediaSessionRow) => row, loaded.media, loaded.seqs.media);
  return loaded;
}

/** The SQLite statement's update clause (the kysely path spells the same in its builder). */
const SESSION_UPSERT_SET = `
  call_bridge = coalesce(excluded.call_bridge, cdr_session.call_bridge),
  source = coalesce(excluded.source, cdr_session.source),
  remote_address = coalesce(cdr_session.remote_address, excluded.remote_address),
  last_seen_ms = excluded.last_seen_ms,
  posts = cdr_session.posts + excluded.posts,
  records = cdr_session.records + excluded.records,
  correlated_records = cdr_session.correlated_records + excluded.correlated_records,
  duplicates = cdr_session.duplicates + excluded.duplicates,
  declared_missing = cdr_session.declared_missing + excluded.declared_missing,
  min_correlator = CASE WHEN cdr_session.min_correlator IS NULL OR excluded.min_correlator < cdr_session.min_correlator THEN excluded.min_correlator ELSE cdr_session.min_correlator END,
  max_correlator = CASE WHEN cdr_session.max_correlator IS NULL OR excluded.max_correlator > cdr_session.max_correlator THEN excluded.max_correlator ELSE cdr_session.max_correlator END`;

const RECORD_COLUMNS: readonly (keyof RecordRow)[] = [
  'session',
  'keyKind',
  'keyIndex',
  'correlatorIndex',
  'recordIndex',
  'numPrecedingMissing',
  'type',
  'timeMs',
  'callBridge',
  'source',
  'objectId',
  'objectSeq',
  'raw',
  'rawBytes',
  'receivedMs',
];
const SESSION_COLUMNS: readonly (keyof SessionTally)[] = [
  'session',
  'callBridge',
  'source',
  'firstSeenMs',
  'lastSeenMs',
  'posts',
  'records',
  'correlatedRecords',
  'duplicates',
  'declaredMissing',
  'minCorrelator',
  'maxCorrelator',
  'remoteAddress',
];


// ---- the store ----------------------------------------------------------------------------

export class IngestStore {
  readonly #db: Kysely<CollectorDb>;
  readonly #sqlite: BetterSqlite3.Database | undefined;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  readonly #upserts = new Map<string, { columns: readonly string[]; statement: BetterSqlite3.Statement }>();
  readonly #keys: ObjectKeyIndex;
  readonly #sessionEnds = new SessionEnds();

  /** Postgres: refreshes planner statistics after heavy ingest. */
  readonly statistics: PostgresStatistics | undefined;

  constructor(db: Kysely<CollectorDb>, keys: ObjectKeyIndex, sqlite?: BetterSqlite3.Database, statistics?: PostgresStatistics) {
    this.#db = db;
    this.#keys = keys;
    this.#sqlite = sqlite;
    this.statistics = statistics;
  }

  /** Commits a group of posts in one transaction; one outcome per post, in order. */
  commit(posts: readonly PostInput[]): Promise<PostOutcome[]> {
    const sqlite = this.#sqlite;
    if (sqlite) {
      // Holding a kysely connection serialises this with every other query on the handle.
      // BEGIN IMMEDIATE: the commit reads the rows and the object sequence before it writes, so it
      // takes the write lock first; another process sharing the file cannot commit in between.
      return this.#db.connection().execute(() => {
        try {
          return Promise.resolve(sqlite.transaction(() => this.#commitSqlite(sqlite, posts)).immediate());
        } catch (error) {
          this.#keys.invalidate(); // it may have read this transaction's own rows
          throw error;
        }
      });
    }
    return this.#db
      .transaction()
      .execute((trx) => this.#commitKysely(trx as unknown as AnyTransaction, posts))
      .then(
        (outcomes) => {
          this.statistics?.stored(outcomes.reduce((sum, o) => sum + o.stored, 0));
          return outcomes;
        },
        (error: unknown) => {
          this.#keys.invalidate();
          throw error;
        },
      );
  }

  // ---- SQLite: synchronous, cached prepared statements

  #statement(text: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = (this.#sqlite as BetterSqlite3.Database).prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /**
   * A model table's upsert and its columns (camelCase, in statement order), prepared once: the
   * columns are those of a table row built from the first model row saved (`*ToTable`).
   */
  #upsertSqlite(table: string, tableRow: () => object): { columns: readonly string[]; statement: BetterSqlite3.Statement } {
    let upsert = this.#upserts.get(table);
    if (!upsert) {
      const columns = Object.keys(tableRow());
      const names = columns.map(snake);
      // An object's seq never changes once given.
      const statement = (this.#sqlite as BetterSqlite3.Database).prepare(
        `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT (seq) DO UPDATE SET ${names
          .filter((n) => n !== 'id' && n !== 'seq')
          .map((n) => `${n} = excluded.${n}`)
          .join(', ')}`,
      );
      upsert = { columns, statement };
      this.#upserts.set(table, upsert);
    }
    return upsert;
  }

  /** Upserts one table's rows with its prepared statement, each row's values bound straight from the model row. */
  #saveSqlite<T>(table: string, rows: readonly T[], toTable: (row: T) => object, values: (row: T, columns: readonly string[]) => unknown[]): void {
    const first = rows[0];
    if (first === undefined) return;
    const { columns, statement } = this.#upsertSqlite(table, () => toTable(first));
    for (const row of rows) statement.run(...values(row, columns));
  }

  #loadSqlite(table: string, seqs: ReadonlyMap<string, number>): Record<string, unknown>[] {
    const statement = this.#statement(`SELECT * FROM ${table} WHERE seq = ?`);
    const out: Record<string, unknown>[] = [];
    for (const seq of seqs.values()) {
      const row = statement.get(seq) as Record<string, unknown> | undefined;
      if (row) out.push(camelRow(row));
    }
    return out;
  }

  #commitSqlite(sqlite: BetterSqlite3.Database, posts: readonly PostInput[]): PostOutcome[] {
    const candidates = buildCandidates(posts);
    const ids = objectIdsOf(candidates);
    const stored = this.#keys.resolveSqlite(ids);
    const loaded = loadedFrom(this.#loadSqlite('call', stored.calls), this.#loadSqlite('call_leg', stored.legs), this.#loadSqlite('media_session', stored.media));
    const unnumbered = newObjects(ids, loaded);
    if (unnumbered.length > 0) {
      const last = this.#statement(RESERVE_SEQS).pluck().get(unnumbered.length) as number;
      numberNewObjects(unnumbered, loaded, last - unnumbered.length);
    }
    attachObjectSeqs(candidates, loaded.seqs);

    const insert = this.#statement(
      `INSERT INTO cdr_record (${RECORD_COLUMNS.map(snake).join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (session, key_kind, key_index) DO NOTHING`,
    );
    const fresh = candidates.filter((c) => insert.run(...RECORD_COLUMNS.map((k) => c.row[k])).changes === 1);
    const outcomes = outcomesFor(posts, fresh);
    const upsertSession = this.#statement(
      `INSERT INTO cdr_session (${SESSION_COLUMNS.map(snake).join(', ')}) VALUES (${SESSION_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (session) DO UPDATE SET ${SESSION_UPSERT_SET} RETURNING posts, ended_ms`,
    );
    const upserted: UpsertedSession[] = [];
    for (const t of sessionTallies(posts, outcomes, fresh)) {
      const r = upsertSession.get(...SESSION_COLUMNS.map((k) => t[k])) as { posts: number; ended_ms: number | null };
      upserted.push({ session: t.session, tallied: t.posts, posts: r.posts, endedMs: r.ended_ms });
    }
    const changes = sessionChanges(posts, upserted);
    const work = modelWork(posts, fresh);
    if (work.length === 0) {
      if (changes.started.length > 0) this.#sessionEnds.endOlderSqlite(sqlite, changes.started);
      return outcomes;
    }
    const refold = applyWork(work, loaded);
    if (refold.size > 0) {
      const select = this.#statement(
        `SELECT object_id, type, session, call_bridge, time_ms, key_index, raw FROM cdr_record WHERE object_seq = ? AND type IN (${CALL_LEG_RECORD_TYPES.map((t) => `'${t}'`).join(', ')})`,
      );
      const rows = [...refold].flatMap((id) => (select.all(seqOf(loaded.seqs.legs, id)) as Record<string, unknown>[]).map((r) => camelRow(r) as unknown as StoredLegRecord));
      for (const [id, row] of foldLegs(rows)) loaded.legs.set(id, row);
    }
    const unknownCalls = unknownCallsOfLegs(work, loaded);
    if (unknownCalls.length > 0) for (const [id, seq] of this.#keys.resolveSqlite({ calls: unknownCalls }, false).calls) loaded.seqs.calls.set(id, seq);
    closeLate(changes, work, loaded);
    const save = rowsToSave(work, loaded);
    this.#saveSqlite('call', save.calls, (c) => callToTable(c.row, c.seq), (c, columns) => callValues(c.row, c.seq, columns));
    this.#saveSqlite('call_leg', save.legs, (l) => legToTable(l.row, l.seq, l.callSeq), (l, columns) => legValues(l.row, l.seq, l.callSeq, columns));
    this.#saveSqlite('media_session', save.media, (m) => mediaToTable(m.row, m.seq), (m, columns) => mediaValues(m.row, m.seq, columns));
    const stitch = this.#statement('UPDATE call_leg SET call_seq = ? WHERE call_id = ? AND call_seq IS NULL');
    for (const call of save.stitch) stitch.run(call.seq, call.id);
    if (changes.started.length > 0) this.#sessionEnds.endOlderSqlite(sqlite, changes.started);
    if (this.#keys.due) this.#keys.indexSqlite();
    return outcomes;
  }

  // ---- Postgres (and any kysely dialect): multi-row statements, one round trip per step

  async #upsertKysely(trx: AnyTransaction, table: string, rows: readonly object[]): Promise<void> {
    const first = rows[0];
    if (first === undefined) return;
    const columns = Object.keys(first).filter((c) => c !== 'id' && c !== 'seq');
    const set = Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]));
    for (const chunk of chunks(rows, UPSERT_CHUNK)) {
      await trx
        .insertInto(table)
        .values(chunk)
        .onConflict((oc) => oc.column('seq').doUpdateSet(set))
        .execute();
    }
  }

  async #loadKysely(trx: AnyTransaction, table: string, seqs: ReadonlyMap<string, number>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const chunk of chunks([...seqs.values()], 500)) out.push(...((await trx.selectFrom(table).selectAll().where('seq', 'in', chunk).execute()) as Record<string, unknown>[]));
    return out;
  }

  async #commitKysely(trx: AnyTransaction, posts: readonly PostInput[]): Promise<PostOutcome[]> {
    // One collector process at a time commits (a transaction-scoped advisory lock): numbering new
    // objects and the read-merge-write of their rows must not interleave with another process's, or
    // two processes would give one call leg two numbers, or overwrite each other's merge.
    await sql`SELECT pg_advisory_xact_lock(${MODEL_LOCK_CLASS}, 0)`.execute(trx);
    const candidates = buildCandidates(posts);
    const ids = objectIdsOf(candidates);
    const stored = await this.#keys.resolve(trx, ids);
    const loaded = loadedFrom(await this.#loadKysely(trx, 'call', stored.calls), await this.#loadKysely(trx, 'callLeg', stored.legs), await this.#loadKysely(trx, 'mediaSession', stored.media));
    const unnumbered = newObjects(ids, loaded);
    if (unnumbered.length > 0) {
      const { rows } = await sql<{ value: number }>`UPDATE collector_sequence SET value = value + ${unnumbered.length} WHERE name = ${OBJECT_SEQUENCE} RETURNING value`.execute(trx);
      const last = rows[0]?.value;
      if (last === undefined) throw new Error(`collector_sequence has no '${OBJECT_SEQUENCE}' row`);
      numberNewObjects(unnumbered, loaded, last - unnumbered.length);
    }
    attachObjectSeqs(candidates, loaded.seqs);

    const inserted = new Set<string>();
    // Rows are written in key order, so two collector processes storing overlapping records (a
    // bridge that pushes to both) wait on each other's rows in the same order, never in a cycle.
    const byKey = [...candidates].sort((a, b) => compareKeys(a.row, b.row));
    for (const chunk of chunks(byKey, INSERT_CHUNK)) {
      const rows = (await trx
        .insertInto('cdrRecord')
        .values(chunk.map((c) => c.row))
        .onConflict((oc) => oc.columns(['session', 'keyKind', 'keyIndex']).doNothing())
        .returning(['session', 'keyKind', 'keyIndex'])
        .execute()) as { session: string; keyKind: string; keyIndex: number }[];
      for (const r of rows) inserted.add(keyOf(r.session, r.keyKind, r.keyIndex));
    }
    const fresh = candidates.filter((c) => inserted.has(c.key));
    const outcomes = outcomesFor(posts, fresh);
    const tallies = sessionTallies(posts, outcomes, fresh).sort((a, b) => compareText(a.session, b.session));
    const upserted: UpsertedSession[] = [];
    for (const t of tallies) {
      const [r] = (await trx
        .insertInto('cdrSession')
        .values(t)
        .onConflict((oc) =>
          oc.column('session').doUpdateSet({
            callBridge: sql`coalesce(excluded.call_bridge, cdr_session.call_bridge)`,
            source: sql`coalesce(excluded.source, cdr_session.source)`,
            remoteAddress: sql`coalesce(cdr_session.remote_address, excluded.remote_address)`,
            lastSeenMs: sql`excluded.last_seen_ms`,
            posts: sql`cdr_session.posts + excluded.posts`,
            records: sql`cdr_session.records + excluded.records`,
            correlatedRecords: sql`cdr_session.correlated_records + excluded.correlated_records`,
            duplicates: sql`cdr_session.duplicates + excluded.duplicates`,
            declaredMissing: sql`cdr_session.declared_missing + excluded.declared_missing`,
            minCorrelator: sql`CASE WHEN cdr_session.min_correlator IS NULL OR excluded.min_correlator < cdr_session.min_correlator THEN excluded.min_correlator ELSE cdr_session.min_correlator END`,
            maxCorrelator: sql`CASE WHEN cdr_session.max_correlator IS NULL OR excluded.max_correlator > cdr_session.max_correlator THEN excluded.max_correlator ELSE cdr_session.max_correlator END`,
          }),
        )
        .returning(['posts', 'endedMs'])
        .execute()) as { posts: number; endedMs: number | null }[];
      if (r) upserted.push({ session: t.session, tallied: t.posts, posts: r.posts, endedMs: r.endedMs });
    }
    const changes = sessionChanges(posts, upserted);
    const work = modelWork(posts, fresh);
    if (work.length === 0) {
      if (changes.started.length > 0) await this.#sessionEnds.endOlderKysely(trx, changes.started);
      return outcomes;
    }
    const refold = applyWork(work, loaded);
    if (refold.size > 0) {
      const rows = (await trx
        .selectFrom('cdrRecord')
        .select(['objectId', 'type', 'session', 'callBridge', 'timeMs', 'keyIndex', 'raw'])
        .where('objectSeq', 'in', [...refold].map((id) => seqOf(loaded.seqs.legs, id)))
        .where('type', 'in', [...CALL_LEG_RECORD_TYPES])
        .execute()) as StoredLegRecord[];
      for (const [id, row] of foldLegs(rows)) loaded.legs.set(id, row);
    }
    const unknownCalls = unknownCallsOfLegs(work, loaded);
    if (unknownCalls.length > 0) for (const [id, seq] of (await this.#keys.resolve(trx, { calls: unknownCalls }, false)).calls) loaded.seqs.calls.set(id, seq);
    closeLate(changes, work, loaded);
    const save = rowsToSave(work, loaded);
    await this.#upsertKysely(trx, 'call', save.calls.map((c) => callToTable(c.row, c.seq)));
    await this.#upsertKysely(trx, 'callLeg', save.legs.map((l) => legToTable(l.row, l.seq, l.callSeq)));
    await this.#upsertKysely(trx, 'mediaSession', save.media.map((m) => mediaToTable(m.row, m.seq)));
    if (save.stitch.length > 0) {
      const calls = sql.join(save.stitch.map((c) => sql`(${c.id}, ${c.seq}::bigint)`));
      await sql`UPDATE call_leg SET call_seq = v.seq FROM (VALUES ${calls}) AS v (id, seq) WHERE call_leg.call_id = v.id AND call_leg.call_seq IS NULL`.execute(trx);
    }
    if (changes.started.length > 0) await this.#sessionEnds.endOlderKysely(trx, changes.started);
    if (this.#keys.due) await this.#keys.index(trx);
    return outcomes;
  }
}
