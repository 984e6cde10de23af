/**
 * Bridge restarts at the collector: a call bridge that restarts begins a new CDR session, and the
 * calls and legs its old session left open (no callEnd / callLegEnd: the bridge died with them) would
 * count as active forever. When a new session starts from the same source, those objects are closed
 * (`closeCallAtSessionEnd`, `closeCallLegAtSessionEnd`: reason "sessionEnded", at the old session's
 * last record), in the same transaction as the new session's first records.
 *
 * The source of a session: its `callBridge` attribute and the receiver URI's query string (`source`)
 * when either is present; else the address its posts come from (a single-node CMS with a plain
 * receiver URI). A session older than the new one is one of the same source whose last record is not
 * later than the new session's first record (a session re-sent from long ago never ends a current one).
 *
 * Cost: a group of posts finds its new sessions and the ended sessions it touches in the RETURNING of
 * the session upsert it runs anyway (read inside its transaction, so several collector processes on
 * one database agree); the rest runs only when a session starts. Open objects are read through the
 * partial indexes `call_open` / `call_leg_open` (migration 0005).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import type { AnyTransaction } from '../../shared/migration-helpers.ts';
import { closeCallAtSessionEnd, type CallRow } from '../domain/call.ts';
import { closeCallLegAtSessionEnd, type CallLegRow } from '../domain/callLeg.ts';
import { callFromTable, callToTable, camelRow, legFromTable, legToTable, snake } from './rows.ts';
import type { CallLegTable, CallTable } from './schema.ts';


/** A post as this step needs it (`PostInput`). */
export interface SessionPost {
  readonly session: string;
  readonly callBridge: string | null;
  readonly source: string | null;
  readonly remoteAddress?: string | null | undefined;
  readonly receivedMs: number;
  readonly records: readonly { readonly timeMs: number | null }[];
}

/** A session's row after the group's upsert: `posts` counts this group's (`tallied`) and earlier ones. */
export interface UpsertedSession {
  readonly session: string;
  readonly tallied: number;
  readonly posts: number;
  readonly endedMs: number | null;
}

/** A session first stored by this group, and what tells its source. */
export interface StartedSession {
  readonly session: string;
  readonly callBridge: string | null;
  readonly source: string | null;
  readonly remoteAddress: string | null;
  /** Its earliest record's time in the group (the receive time when the post had none). */
  readonly firstMs: number;
}

export interface SessionChanges {
  /** Sessions the group started: older sessions of the same source end now. */
  readonly started: readonly StartedSession[];
  /** Sessions of the group that a newer session ended already: session → when (late records). */
  readonly ended: ReadonlyMap<string, number>;
}

const NO_ENDED: ReadonlyMap<string, number> = new Map();

/** A CMS sends "::ffff:10.0.0.1" or "10.0.0.1" depending on the listener: one address either way. */
export function normaliseAddress(address: string | null | undefined): string | null {
  if (address === null || address === undefined || address === '') return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The group's new sessions (its upsert inserted the row: the row counts only this group's posts) and
 * the ended sessions it touches. Costs a loop over the group's sessions when none is new or ended.
 */
export function sessionChanges(posts: readonly SessionPost[], upserted: readonly UpsertedSession[]): SessionChanges {
  let started: StartedSession[] | undefined;
  let ended: Map<string, number> | undefined;
  for (const u of upserted) {
    if (u.endedMs !== null) (ended ??= new Map()).set(u.session, u.endedMs);
    if (u.posts !== u.tallied) continue;
    let first: SessionPost | undefined;
    let firstMs = Infinity;
    for (const post of posts) {
      if (post.session !== u.session) continue;
      first ??= post;
      for (const r of post.records) firstMs = Math.min(firstMs, r.timeMs ?? post.receivedMs);
      if (post.records.length === 0) firstMs = Math.min(firstMs, post.receivedMs);
    }
    if (!first) continue;
    (started ??= []).push({ session: u.session, callBridge: first.callBridge, source: first.source, remoteAddress: normaliseAddress(first.remoteAddress), firstMs });
  }
  return { started: (started ?? []).sort((a, b) => a.firstMs - b.firstMs || (a.session < b.session ? -1 : 1)), ended: ended ?? NO_ENDED };
}

/**
 * Late records of an ended session (they arrived after a newer session ended it): the calls and
 * legs they touch that are still open, and began before the session's end, are closed like the
 * others (a leg rebuilt from its records after a late, older record is closed again here).
 */
export function closeLateObjects(ended: ReadonlyMap<string, number>, calls: Iterable<CallRow | undefined>, legs: Iterable<CallLegRow | undefined>): void {
  for (const row of calls) {
    const endedMs = row ? ended.get(row.session) : undefined;
    if (row && endedMs !== undefined && row.beginMs <= endedMs) closeCallAtSessionEnd(row, endedMs);
  }
  for (const row of legs) {
    const endedMs = row ? ended.get(row.session) : undefined;
    if (row && endedMs !== undefined && row.beginMs <= endedMs) closeCallLegAtSessionEnd(row, endedMs);
  }
}

/** An older session of the started one's source, not ended yet. */
interface OlderSession {
  readonly session: string;
}

/**
 * Older sessions of a source, not ended yet: labelled by callBridge and/or query string, else by
 * address. Each test is an equality or `IS NULL` (never `IS NOT DISTINCT FROM`, which Postgres cannot
 * read through an index), so the partial indexes of open sessions (`cdr_session_open_*`, migration
 * 0005) answer it in a few entries however many sessions the database holds.
 */
function olderQuery(s: StartedSession): { text: string; params: unknown[] } | undefined {
  if (labelled(s)) {
    const params: unknown[] = [s.session];
    const bridge = s.callBridge === null ? 'call_bridge IS NULL' : (params.push(s.callBridge), 'call_bridge = ?');
    const source = s.source === null ? 'source IS NULL' : (params.push(s.source), 'source = ?');
    return { text: `SELECT session FROM cdr_session WHERE session <> ? AND ended_ms IS NULL AND ${bridge} AND ${source} ORDER BY session`, params };
  }
  if (s.remoteAddress === null) return undefined;
  return {
    text: 'SELECT session FROM cdr_session WHERE session <> ? AND ended_ms IS NULL AND call_bridge IS NULL AND source IS NULL AND remote_address = ? ORDER BY session',
    params: [s.session, s.remoteAddress],
  };
}

/** `?` placeholders as Postgres's `$1, $2, …`. */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
/** A session's last record of one key kind (an index probe on the dedup key). */
const LAST_RECORD = 'SELECT time_ms FROM cdr_record WHERE session = ? AND key_kind = ? ORDER BY key_index DESC LIMIT 1';
const MARK_ENDED = 'UPDATE cdr_session SET ended_ms = ?, ended_by = ? WHERE session = ?';
/** Open objects of a session, through the partial indexes (the literal terms match their predicate). */
const OPEN_CALLS = 'SELECT * FROM call WHERE session = ? AND has_end = 0 AND session_ended = 0';
const OPEN_LEGS = 'SELECT * FROM call_leg WHERE session = ? AND has_end = 0 AND session_ended = 0';

function labelled(s: StartedSession): boolean {
  return s.callBridge !== null || s.source !== null;
}

/** When an older session ended: its last record; it is not older when that is after the new session's first. */
function endOf(last: readonly (number | null | undefined)[], started: StartedSession): number | undefined {
  let endedMs: number | undefined;
  for (const t of last) if (t !== null && t !== undefined) endedMs = Math.max(endedMs ?? t, t);
  if (endedMs === undefined) return started.firstMs; // no records: nothing of it to close
  return endedMs <= started.firstMs ? endedMs : undefined;
}

/** The table rows of a session's open calls and legs, closed at `endedMs`. */
function closedRows(calls: readonly Record<string, unknown>[], legs: readonly Record<string, unknown>[], endedMs: number): { calls: CallTable[]; legs: CallLegTable[] } {
  const outCalls: CallTable[] = [];
  for (const stored of calls) {
    const row = callFromTable(stored as unknown as CallTable);
    if (closeCallAtSessionEnd(row, endedMs)) outCalls.push(callToTable(row, stored['seq'] as number));
  }
  const outLegs: CallLegTable[] = [];
  for (const stored of legs) {
    const row = legFromTable(stored as unknown as CallLegTable);
    if (closeCallLegAtSessionEnd(row, endedMs)) outLegs.push(legToTable(row, stored['seq'] as number, (stored['callSeq'] as number | null) ?? null));
  }
  return { calls: outCalls, legs: outLegs };
}

/** Ends the older sessions of the group's new sessions and closes their open calls and legs. */
export class SessionEnds {
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  #statement(sqlite: BetterSqlite3.Database, text: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** SQLite, inside the commit's transaction. */
  endOlderSqlite(sqlite: BetterSqlite3.Database, started: readonly StartedSession[]): void {
    for (const s of started) {
      const query = olderQuery(s);
      if (!query) continue;
      const older = this.#statement(sqlite, query.text).all(...query.params) as OlderSession[];
      const last = this.#statement(sqlite, LAST_RECORD).pluck();
      for (const o of older) {
        const endedMs = endOf([last.get(o.session, 'c') as number | undefined, last.get(o.session, 'r') as number | undefined], s);
        if (endedMs === undefined) continue;
        this.#statement(sqlite, MARK_ENDED).run(endedMs, s.session, o.session);
        const rows = closedRows(
          (this.#statement(sqlite, OPEN_CALLS).all(o.session) as Record<string, unknown>[]).map(camelRow),
          (this.#statement(sqlite, OPEN_LEGS).all(o.session) as Record<string, unknown>[]).map(camelRow),
          endedMs,
        );
        this.#saveSqlite(sqlite, 'call', rows.calls);
        this.#saveSqlite(sqlite, 'call_leg', rows.legs);
      }
    }
  }

  /** Writes every column of the rows but their keys (`seq`, `id`), by seq. */
  #saveSqlite(sqlite: BetterSqlite3.Database, table: string, rows: readonly object[]): void {
    for (const row of rows) {
      const columns = Object.keys(row).filter((c) => c !== 'seq' && c !== 'id');
      const update = this.#statement(sqlite, `UPDATE ${table} SET ${columns.map((c) => `${snake(c)} = ?`).join(', ')} WHERE seq = ?`);
      const values = row as Record<string, unknown>;
      update.run(...columns.map((c) => values[c]), values['seq']);
    }
  }

  /** Postgres (any kysely dialect), inside the commit's transaction and its advisory lock. */
  async endOlderKysely(trx: AnyTransaction, started: readonly StartedSession[]): Promise<void> {
    for (const s of started) {
      const query = olderQuery(s);
      if (!query) continue;
      const older = (await trx.executeQuery<OlderSession>(CompiledQuery.raw(numbered(query.text), query.params))).rows;
      for (const o of older) {
        const last = async (kind: string): Promise<number | undefined> => {
          const { rows } = await sql<{ timeMs: number | string }>`
            SELECT time_ms FROM cdr_record WHERE session = ${o.session} AND key_kind = ${kind} ORDER BY key_index DESC LIMIT 1`.execute(trx);
          return rows[0] === undefined ? undefined : Number(rows[0].timeMs);
        };
        const endedMs = endOf([await last('c'), await last('r')], s);
        if (endedMs === undefined) continue;
        await sql`UPDATE cdr_session SET ended_ms = ${endedMs}, ended_by = ${s.session} WHERE session = ${o.session}`.execute(trx);
        const calls = (await sql<Record<string, unknown>>`SELECT * FROM call WHERE session = ${o.session} AND has_end = 0 AND session_ended = 0`.execute(trx)).rows;
        const legs = (await sql<Record<string, unknown>>`SELECT * FROM call_leg WHERE session = ${o.session} AND has_end = 0 AND session_ended = 0`.execute(trx)).rows;
        const rows = closedRows(calls, legs, endedMs);
        await upsertKysely(trx, 'call', rows.calls);
        await upsertKysely(trx, 'callLeg', rows.legs);
      }
    }
  }
}

const UPSERT_CHUNK = 100;

async function upsertKysely(trx: AnyTransaction, table: string, rows: readonly object[]): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const columns = Object.keys(first).filter((c) => c !== 'id' && c !== 'seq');
  const set = Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]));
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + UPSERT_CHUNK))
      .onConflict((oc) => oc.column('seq').doUpdateSet(set))
      .execute();
  }
}
