/** SQL for the audit log: every CMS request/response a meeting (or a bridge operation) caused, and notes. */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CmsExchange } from '../../clients/cms/client.ts';
import type { AuditTable, SchedulerDatabase } from './schema.ts';

export interface AuditEntry {
  readonly bookingId: string | null;
  readonly occurrence: number | null;
  readonly bridgeId: string | null;
  readonly atMs: number;
  /** 'cms' = one request and its answer; 'note' = a runner decision (failover, retry, give up). */
  readonly kind: 'cms' | 'note';
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  /** Form fields sent, passcodes masked. */
  readonly fields?: Readonly<Record<string, string>> | undefined;
  readonly attempt?: number | undefined;
  readonly status?: number | undefined;
  readonly location?: string | undefined;
  readonly body?: string | undefined;
  readonly error?: string | undefined;
  readonly durationMs?: number | undefined;
}

/** The audit row for one CMS request and its answer, caused by a meeting or a bridge operation. */
export function cmsAuditEntry(e: CmsExchange, scope: Pick<AuditEntry, 'bookingId' | 'occurrence' | 'bridgeId'>): AuditEntry {
  return {
    ...scope,
    atMs: e.startedAtMs,
    kind: 'cms',
    method: e.method,
    path: e.path,
    fields: e.fields,
    attempt: e.attempt,
    status: e.status,
    location: e.location,
    body: e.body,
    error: e.error,
    durationMs: e.durationMs,
  };
}

export interface StoredAuditEntry extends AuditEntry {
  readonly seq: number;
}

function toEntry(row: Selectable<AuditTable>): StoredAuditEntry {
  return {
    seq: row.seq,
    bookingId: row.booking_id,
    occurrence: row.occurrence,
    bridgeId: row.bridge_id,
    atMs: row.at_ms,
    kind: row.kind as 'cms' | 'note',
    method: row.method ?? undefined,
    path: row.path ?? undefined,
    fields: row.fields === null ? undefined : (JSON.parse(row.fields) as Record<string, string>),
    attempt: row.attempt ?? undefined,
    status: row.status ?? undefined,
    location: row.location ?? undefined,
    body: row.body ?? undefined,
    error: row.error ?? undefined,
    durationMs: row.duration_ms ?? undefined,
  };
}

function toRow(e: AuditEntry): Insertable<AuditTable> {
  return {
    booking_id: e.bookingId,
    occurrence: e.occurrence,
    bridge_id: e.bridgeId,
    at_ms: e.atMs,
    kind: e.kind,
    method: e.method ?? null,
    path: e.path ?? null,
    fields: e.fields === undefined ? null : JSON.stringify(e.fields),
    attempt: e.attempt ?? null,
    status: e.status ?? null,
    location: e.location ?? null,
    body: e.body ?? null,
    error: e.error ?? null,
    duration_ms: e.durationMs ?? null,
  };
}

export class AuditStore {
  constructor(private readonly db: Kysely<SchedulerDatabase>) {}

  async append(e: AuditEntry): Promise<void> {
    await this.db.insertInto('audit').values(toRow(e)).execute();
  }

  /** Several entries in one statement, in order (their seq ascending in the order given). */
  async appendMany(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.insertInto('audit').values(entries.map(toRow)).execute();
  }

  async ofMeeting(bookingId: string, occurrence?: number): Promise<StoredAuditEntry[]> {
    let q = this.db.selectFrom('audit').selectAll().where('booking_id', '=', bookingId);
    if (occurrence !== undefined) q = q.where('occurrence', '=', occurrence);
    return (await q.orderBy('seq').execute()).map(toEntry);
  }

  async ofBridge(bridgeId: string, limit = 500): Promise<StoredAuditEntry[]> {
    const rows = await this.db.selectFrom('audit').selectAll().where('bridge_id', '=', bridgeId).where('booking_id', 'is', null).orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(toEntry).reverse();
  }
}
