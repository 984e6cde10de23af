/**
 * Whether a database failure is transient: the database is down, unreachable, locked, out of disk or
 * memory, shutting down, or the transaction lost a race (deadlock, serialisation). Sending the same
 * records again later can succeed, so the receiver answers 503. Anything else the database refuses
 * (a value it cannot hold, a key too large for an index, a constraint) is refused again on every
 * retry: the pipeline quarantines the post instead, so one post cannot stall a sender's delivery.
 *
 * PostgreSQL: by SQLSTATE class ("PostgreSQL Error Codes", appendix A of the PostgreSQL manual).
 * SQLite: by result code ("Result and Error Codes", sqlite.org/rescode.html), as better-sqlite3
 * names it in `code`. Errors without a database code are transient when they are about the
 * connection (a Node system error, a closed pool or handle).
 */

/** SQLSTATE classes and codes that a retry can fix. */
const TRANSIENT_PG_CLASSES = new Set([
  '08', // connection exception
  '40', // transaction rollback: serialisation failure, deadlock
  '53', // insufficient resources: disk full, out of memory, too many connections
  '57', // operator intervention: shutdown, query cancelled, cannot connect now
  '58', // system error: I/O error
  'XX', // internal error (data corrupted, index corrupted): not the post's fault
]);
const TRANSIENT_PG_CODES = new Set(['55P03', '55006']); // lock not available, object in use

/** SQLite primary result codes that a retry can fix (the extended codes start with them). */
const TRANSIENT_SQLITE = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_NOMEM', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PROTOCOL', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_INTERRUPT', 'SQLITE_PERM', 'SQLITE_NOLFS'];

/** Node system errors of a connection or a disk. */
const TRANSIENT_SYSTEM = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ENOSPC', 'EIO', 'EMFILE', 'ENFILE']);

/** Messages of a closed or lost connection (pg, kysely, better-sqlite3 set no code for them). */
const CONNECTION_MESSAGE = /connection (?:terminated|is not open|ended|closed)|terminating connection|timeout exceeded when trying to connect|cannot use a pool after calling end|client has encountered a connection error|driver has already been destroyed|database connection is not open|not queryable/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isTransientStorageError(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_PG_CLASSES.has(code.slice(0, 2)) || TRANSIENT_PG_CODES.has(code);
    if (code.startsWith('SQLITE_')) return TRANSIENT_SQLITE.some((c) => code === c || code.startsWith(`${c}_`));
    if (TRANSIENT_SYSTEM.has(code)) return true;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (CONNECTION_MESSAGE.test(message)) return true;
  // An AggregateError (a connection tried on several addresses) carries the system errors inside.
  if (error instanceof AggregateError) return error.errors.some(isTransientStorageError);
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error && isTransientStorageError(cause);
}
