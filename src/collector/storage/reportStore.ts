/**
 * Report queries: aggregated in the database (both dialects), so a report at a million records
 * never loads the rows into the process. Times are epoch ms; days/hours are UTC buckets.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DialectName } from '../../shared/database.ts';
import type { CollectorDb } from './schema.ts';
import { KEY_KIND } from './objectKeys.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export interface ReportRange {
  readonly from: number;
  readonly to: number;
}

export type UsageGroup = 'coSpace' | 'remoteParty' | 'tenant';

export interface UsageRow {
  readonly day: number;
  readonly key: string | null;
  readonly name: string | null;
  readonly minutes: number;
  readonly callLegs: number;
}

export interface TopRow {
  readonly key: string | null;
  readonly name: string | null;
  readonly minutes: number;
  readonly callLegs: number;
  readonly calls: number;
}

export interface ConcurrencyBucket {
  /** Hour index (epoch ms / 3_600_000). */
  readonly hour: number;
  readonly peak: number;
  /** Active at the last event of the hour (carried into following hours without events). */
  readonly closing: number;
}

export interface ReasonRow {
  readonly reason: string | null;
  readonly remoteTeardown: boolean | null;
  readonly callLegs: number;
}

export interface QualityRow {
  readonly day: number;
  readonly callLegs: number;
  readonly withAlarms: number;
  readonly withPacketLoss: number;
  readonly packetLossAlarms: number;
  readonly avgRxAudioLossDensity: number | null;
  readonly avgRxVideoLossDensity: number | null;
}

/** Columns of the call a usage row is grouped by (remote parties are grouped on the leg itself). */
const GROUP_COLUMN: Record<Exclude<UsageGroup, 'remoteParty'>, RawBuilder<unknown>> = {
  coSpace: sql.raw('c.co_space'),
  tenant: sql.raw('c.tenant'),
};

const GROUP_NAME: Record<Exclude<UsageGroup, 'remoteParty'>, RawBuilder<unknown>> = {
  coSpace: sql.raw('MAX(c.name)'),
  tenant: sql.raw('NULL'),
};

/** A comma-separated list of non-negative integers, read without intermediate strings. */
export function parseNumberList(list: string | null | undefined): Float64Array {
  if (list === null || list === undefined || list === '') return new Float64Array(0);
  let count = 1;
  for (let i = 0; i < list.length; i++) if (list.charCodeAt(i) === 44) count += 1;
  const out = new Float64Array(count);
  let n = 0;
  let value = 0;
  let fraction = false; // digits after a decimal point (a REAL rendered as 123.0) are ignored
  for (let i = 0; i < list.length; i++) {
    const code = list.charCodeAt(i);
    if (code === 44) {
      out[n++] = value;
      value = 0;
      fraction = false;
    } else if (code === 46) {
      fraction = true;
    } else if (!fraction && code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
    }
  }
  out[n] = value;
  return out;
}

/** Hourly peaks and closing counts from sorted begin and end instants (ends first on ties). */
export function sweepByHour(begins: Float64Array, ends: Float64Array): ConcurrencyBucket[] {
  const out: ConcurrencyBucket[] = [];
  let active = 0;
  let b = 0;
  let e = 0;
  let current: { hour: number; peak: number; closing: number } | undefined;
  while (b < begins.length || e < ends.length) {
    const nextEnd = e < ends.length ? (ends[e] as number) : Infinity;
    const nextBegin = b < begins.length ? (begins[b] as number) : Infinity;
    let at: number;
    if (nextEnd <= nextBegin) {
      at = nextEnd;
      active -= 1;
      e += 1;
    } else {
      at = nextBegin;
      active += 1;
      b += 1;
    }
    const hour = Math.floor(at / HOUR_MS);
    if (current?.hour !== hour) {
      if (current) out.push(current);
      current = { hour, peak: active, closing: active };
    }
    current.peak = Math.max(current.peak, active);
    current.closing = active;
  }
  if (current) out.push(current);
  return out;
}

/** One UTC day of the remote-party usage report (SQLite), sorted by party (NULL first, as ORDER BY on SQLite). */
const PARTY_DAY_SQL = `SELECT remote_party, MAX(display_name), SUM(duration_seconds) / 60.0, COUNT(*) FROM call_leg
  WHERE begin_ms >= ? AND begin_ms < ? AND duration_seconds IS NOT NULL GROUP BY 1 ORDER BY 1`;
/** The first leg that begins in a range (an index probe), so days without legs are skipped. */
const FIRST_BEGIN_SQL = 'SELECT MIN(begin_ms) FROM call_leg WHERE begin_ms >= ? AND begin_ms < ?';

export class ReportStore {
  readonly #db: Kysely<CollectorDb>;
  readonly #dialect: DialectName;
  readonly #sqlite: BetterSqlite3.Database | undefined;
  #partyDay: { day: BetterSqlite3.Statement; first: BetterSqlite3.Statement } | undefined;

  constructor(db: Kysely<CollectorDb>, dialect: DialectName, sqlite?: BetterSqlite3.Database) {
    this.#db = db;
    this.#dialect = dialect;
    this.#sqlite = sqlite;
  }

  /**
   * Minutes of ended call legs per UTC day and space / remote party / tenant. Legs are first summed
   * per (day, call), so the join to the call (space, tenant) sees one row per call, not per leg.
   */
  async usage(group: UsageGroup, range: ReportRange): Promise<UsageRow[]> {
    const sqlite = this.#sqlite;
    if (group === 'remoteParty' && sqlite && range.from >= 0) {
      // Holding a kysely connection serialises this with every other query on the handle.
      return this.#db.connection().execute(() => Promise.resolve(this.#usageByPartySqlite(sqlite, range)));
    }
    const legs = await this.#legs(range);
    const day = sql`CAST(begin_ms / ${sql.lit(DAY_MS)} AS BIGINT)`;
    const where = sql`begin_ms >= ${range.from} AND begin_ms < ${range.to} AND duration_seconds IS NOT NULL`;
    type DayRow = { day: number; key: string | null; name: string | null; minutes: number; callLegs: number };
    const result =
      group === 'remoteParty'
        ? await sql<DayRow>`
            SELECT ${day} AS day, remote_party AS key, MAX(display_name) AS name, SUM(duration_seconds) / 60.0 AS minutes, COUNT(*) AS call_legs
            FROM ${legs} WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.#db)
        : await sql<DayRow>`
            SELECT l.day AS day, ${GROUP_COLUMN[group]} AS key, ${GROUP_NAME[group]} AS name, SUM(l.seconds) / 60.0 AS minutes, SUM(l.legs) AS call_legs
            FROM (SELECT ${day} AS day, call_seq, SUM(duration_seconds) AS seconds, COUNT(*) AS legs FROM ${legs} WHERE ${where} GROUP BY 1, 2) l
            LEFT JOIN call c ON c.seq = l.call_seq
            GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.#db);
    return result.rows.map((r) => ({ day: r.day, key: r.key, name: r.name, minutes: r.minutes, callLegs: r.callLegs }));
  }

  /**
   * Remote-party usage on SQLite, one UTC day at a time: each day's legs are found with the
   * call_leg_span index and grouped in a small sort. One statement over the whole range sorts every
   * leg at once (a temp B-tree of (day, party)), which measured about 1.5 times slower at a million
   * records. Same rows and order as the single statement (days are non-negative here, so the
   * integer division of the SQL and Math.floor agree).
   */
  #usageByPartySqlite(sqlite: BetterSqlite3.Database, range: ReportRange): UsageRow[] {
    this.#partyDay ??= { day: sqlite.prepare(PARTY_DAY_SQL).raw(true), first: sqlite.prepare(FIRST_BEGIN_SQL).pluck(true) };
    const { day: perDay, first } = this.#partyDay;
    const out: UsageRow[] = [];
    let from = range.from;
    for (;;) {
      const begin = first.get(from, range.to) as number | null;
      if (begin === null) break;
      const day = Math.floor(begin / DAY_MS);
      const end = Math.min((day + 1) * DAY_MS, range.to);
      for (const r of perDay.all(begin, end) as [string | null, string | null, number, number][]) {
        out.push({ day, key: r[0], name: r[1], minutes: r[2], callLegs: r[3] });
      }
      from = end;
    }
    return out;
  }

  /**
   * The call_leg table of a range aggregate. On SQLite a range that covers most of the legs' begin
   * span reads the table in one scan (NOT INDEXED): walking call_leg_span and looking up every row
   * measured 1.3-1.5 times slower when nearly all rows match. The span comes from two index probes
   * and stands in for the share of rows (begins spread evenly). The measured break-even was about
   * 2/3 of the span; the scan is chosen from 3/4, so an uneven spread rarely makes it the slower one.
   */
  async #legs(range: ReportRange): Promise<RawBuilder<unknown>> {
    if (this.#dialect !== 'sqlite') return sql.raw('call_leg');
    const result = await sql<{ lo: number | null; hi: number | null }>`
      SELECT (SELECT MIN(begin_ms) FROM call_leg) AS lo, (SELECT MAX(begin_ms) FROM call_leg) AS hi`.execute(this.#db);
    const { lo, hi } = result.rows[0] ?? { lo: null, hi: null };
    if (lo === null || hi === null) return sql.raw('call_leg');
    const covered = Math.min(hi + 1, range.to) - Math.max(lo, range.from);
    return covered >= 0.75 * (hi + 1 - lo) ? sql.raw('call_leg NOT INDEXED') : sql.raw('call_leg');
  }

  /** The spaces, remote parties or tenants with the most minutes. */
  async top(group: UsageGroup, range: ReportRange, limit: number): Promise<TopRow[]> {
    const legs = await this.#legs(range);
    const where = sql`begin_ms >= ${range.from} AND begin_ms < ${range.to}`;
    type GroupRow = { key: string | null; name: string | null; minutes: number; callLegs: number; calls: number };
    const result =
      group === 'remoteParty'
        ? await sql<GroupRow>`
            SELECT remote_party AS key, MAX(display_name) AS name, COALESCE(SUM(duration_seconds), 0) / 60.0 AS minutes,
                   COUNT(*) AS call_legs, COUNT(DISTINCT call_id) AS calls
            FROM ${legs} WHERE ${where} AND remote_party IS NOT NULL
            GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ${limit}`.execute(this.#db)
        : await sql<GroupRow>`
            SELECT ${GROUP_COLUMN[group]} AS key, ${GROUP_NAME[group]} AS name, COALESCE(SUM(l.seconds), 0) / 60.0 AS minutes,
                   SUM(l.legs) AS call_legs, COUNT(*) AS calls
            FROM (SELECT call_seq, SUM(duration_seconds) AS seconds, COUNT(*) AS legs FROM ${legs} WHERE ${where} AND call_seq IS NOT NULL GROUP BY 1) l
            JOIN call c ON c.seq = l.call_seq
            WHERE ${GROUP_COLUMN[group]} IS NOT NULL
            GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT ${limit}`.execute(this.#db);
    return result.rows.map((r) => ({ key: r.key, name: r.name, minutes: r.minutes, callLegs: r.callLegs, calls: r.calls }));
  }

  /**
   * Peak concurrent call legs or calls per hour: a sweep over begin (+1) and end (-1) events with a
   * running count; ends sort before begins at the same instant. Objects without an end count as
   * active until `range.to`. The database returns the two event lists as one compact row (a
   * window function over every event was several times slower at a million records); the sweep
   * runs here over typed arrays.
   */
  async concurrency(table: 'call_leg' | 'call', range: ReportRange): Promise<ConcurrencyBucket[]> {
    const t = sql.table(table);
    const agg = (expr: RawBuilder<unknown>): RawBuilder<string | null> =>
      this.#dialect === 'postgres' ? sql`string_agg(CAST(${expr} AS text), ',')` : sql`group_concat(${expr}, ',')`;
    const begin = sql`CASE WHEN begin_ms < ${range.from} THEN CAST(${range.from} AS BIGINT) ELSE begin_ms END`;
    const end = sql`CASE WHEN end_ms > ${range.from} AND end_ms < ${range.to} THEN end_ms END`;
    const result = await sql<{ begins: string | null; ends: string | null }>`
      SELECT ${agg(begin)} AS begins, ${agg(end)} AS ends
      FROM ${t} WHERE begin_ms < ${range.to} AND (end_ms IS NULL OR end_ms > ${range.from})`.execute(this.#db);
    const row = result.rows[0];
    return sweepByHour(parseNumberList(row?.begins).sort(), parseNumberList(row?.ends).sort());
  }

  /** Ended legs per reason: a callLegEnd's, or "sessionEnded" for legs closed when their session ended. */
  async disconnectReasons(range: ReportRange): Promise<ReasonRow[]> {
    const legs = await this.#legs(range);
    const result = await sql<{ reason: string | null; remoteTeardown: number | null; callLegs: number }>`
      SELECT reason, remote_teardown, COUNT(*) AS call_legs FROM ${legs}
      WHERE (has_end = 1 OR session_ended = 1) AND begin_ms >= ${range.from} AND begin_ms < ${range.to}
      GROUP BY reason, remote_teardown ORDER BY 3 DESC, 1, 2`.execute(this.#db);
    return result.rows.map((r) => ({
      reason: r.reason,
      remoteTeardown: r.remoteTeardown === null ? null : r.remoteTeardown === 1,
      callLegs: r.callLegs,
    }));
  }

  /** Per UTC day: ended legs, legs with alarms, legs that lost packets, mean receive loss density. */
  async quality(range: ReportRange): Promise<QualityRow[]> {
    const legs = await this.#legs(range);
    const result = await sql<{
      day: number;
      callLegs: number;
      withAlarms: number;
      withPacketLoss: number;
      packetLossAlarms: number;
      avgRxAudioLossDensity: number | null;
      avgRxVideoLossDensity: number | null;
    }>`
      SELECT CAST(begin_ms / ${sql.lit(DAY_MS)} AS BIGINT) AS day, COUNT(*) AS call_legs,
             SUM(CASE WHEN alarm_count > 0 THEN 1 ELSE 0 END) AS with_alarms,
             SUM(CASE WHEN COALESCE(rx_audio_loss_density, 0) > 0 OR COALESCE(rx_video_loss_density, 0) > 0 THEN 1 ELSE 0 END) AS with_packet_loss,
             SUM(CASE WHEN packet_loss_alarm_pct IS NOT NULL THEN 1 ELSE 0 END) AS packet_loss_alarms,
             AVG(rx_audio_loss_density) AS avg_rx_audio_loss_density,
             AVG(rx_video_loss_density) AS avg_rx_video_loss_density
      FROM ${legs} WHERE has_end = 1 AND begin_ms >= ${range.from} AND begin_ms < ${range.to}
      GROUP BY CAST(begin_ms / ${sql.lit(DAY_MS)} AS BIGINT) ORDER BY 1`.execute(this.#db);
    return result.rows.map((r) => ({
      day: r.day,
      callLegs: r.callLegs,
      withAlarms: r.withAlarms,
      withPacketLoss: r.withPacketLoss,
      packetLossAlarms: r.packetLossAlarms,
      avgRxAudioLossDensity: r.avgRxAudioLossDensity === null ? null : r.avgRxAudioLossDensity,
      avgRxVideoLossDensity: r.avgRxVideoLossDensity === null ? null : r.avgRxVideoLossDensity,
    }));
  }

  /**
   * Drops everything older than `cutoffMs`: records, ended calls/legs, media sessions (and their
   * GUIDs in `object_key`), idle sessions, quarantined posts received before it. When objects
   * went, 'pruned' moves on, so processes that hold the newest GUIDs in memory reread them
   * (`objectKeys.ts`).
   */
  async deleteOlderThan(cutoffMs: number): Promise<{ records: number; calls: number; callLegs: number; quarantined: number }> {
    return this.#db.transaction().execute(async (trx) => {
      const records = await trx.deleteFrom('cdrRecord').where('timeMs', '<', cutoffMs).executeTakeFirst();
      const keys = async (kind: string, table: string, begin: string): Promise<void> => {
        await sql`DELETE FROM object_key WHERE kind = ${kind} AND (id, seq) IN (
          SELECT id, seq FROM ${sql.table(table)} WHERE coalesce(end_ms, ${sql.ref(begin)}) < ${cutoffMs})`.execute(trx);
      };
      await keys(KEY_KIND.calls, 'call', 'begin_ms');
      await keys(KEY_KIND.legs, 'call_leg', 'begin_ms');
      await keys(KEY_KIND.media, 'media_session', 'start_ms');
      const calls = await trx
        .deleteFrom('call')
        .where((eb) => eb(eb.fn.coalesce('endMs', 'beginMs'), '<', cutoffMs))
        .executeTakeFirst();
      const legs = await trx
        .deleteFrom('callLeg')
        .where((eb) => eb(eb.fn.coalesce('endMs', 'beginMs'), '<', cutoffMs))
        .executeTakeFirst();
      const media = await trx
        .deleteFrom('mediaSession')
        .where((eb) => eb(eb.fn.coalesce('endMs', 'startMs'), '<', cutoffMs))
        .executeTakeFirst();
      if (Number(calls.numDeletedRows) + Number(legs.numDeletedRows) + Number(media.numDeletedRows) > 0) {
        await sql`UPDATE collector_sequence SET value = value + 1 WHERE name = 'pruned'`.execute(trx);
      }
      await trx.deleteFrom('cdrSession').where('lastSeenMs', '<', cutoffMs).execute();
      const quarantined = await trx.deleteFrom('cdrQuarantine').where('receivedMs', '<', cutoffMs).executeTakeFirst();
      return {
        records: Number(records.numDeletedRows),
        calls: Number(calls.numDeletedRows),
        callLegs: Number(legs.numDeletedRows),
        quarantined: Number(quarantined.numDeletedRows),
      };
    });
  }
}
