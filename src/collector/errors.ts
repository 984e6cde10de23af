/**
 * The collector's one error catalogue. Every failure it answers (CDR ingest and the JSON query API)
 * is a CollectorError with an HTTP status, a stable code and a short reason; one error handler
 * writes them as `{"error": {"code", "message", "details"?}}`.
 *
 * The refusals of a CDR post (`malformedXml` to `emptyBody`, and `storageRefused`) are not answered
 * as errors: the pipeline quarantines the post, answers 200, and keeps the code and message as the
 * quarantine's reason (`ingest/ingestPipeline.ts`). What a CDR sender is answered with an error status:
 * `unauthorized`, `methodNotAllowed`, `bodyTooLarge`, and the transient `busy` and
 * `storageUnavailable` (503 with Retry-After: send again).
 */
import { errorEnvelope, ServiceError, type ErrorEnvelope } from '../shared/http/errors.ts';

export type CollectorErrorCode =
  | 'malformedXml'
  | 'wrongRoot'
  | 'missingSession'
  | 'recordWithoutType'
  | 'recordWithoutIndex'
  | 'invalidRecordAttribute'
  | 'emptyBody'
  | 'storageRefused'
  | 'busy'
  | 'badRequest'
  | 'bodyTooLarge'
  | 'unauthorized'
  | 'invalidParameter'
  | 'notFound'
  | 'methodNotAllowed'
  | 'storageUnavailable'
  | 'internal';

export class CollectorError extends ServiceError<CollectorErrorCode> {
  constructor(status: number, code: CollectorErrorCode, message: string, details?: unknown) {
    super(status, code, message, { details });
    this.name = 'CollectorError';
  }

  toJSON(): ErrorEnvelope<CollectorErrorCode> {
    return errorEnvelope(this);
  }
}

export const collectorErrors = {
  malformedXml: (detail: string) => new CollectorError(400, 'malformedXml', `malformed XML: ${detail}`),
  wrongRoot: (root: string) => new CollectorError(400, 'wrongRoot', `root element must be <records>, got <${root}>`),
  missingSession: () => new CollectorError(400, 'missingSession', '<records> has no session attribute'),
  recordWithoutType: (position: number) => new CollectorError(400, 'recordWithoutType', `record #${position} has no type`),
  recordWithoutIndex: (position: number) =>
    new CollectorError(400, 'recordWithoutIndex', `record #${position} has neither correlatorIndex nor recordIndex`),
  invalidRecordAttribute: (position: number, name: string, value: string) =>
    new CollectorError(400, 'invalidRecordAttribute', `record #${position} has an invalid ${name} "${value}"`),
  /** A request the HTTP layer could not read (framing, encoding). */
  badRequest: (status: number, detail: string) => new CollectorError(status, status === 413 ? 'bodyTooLarge' : 'badRequest', detail),
  emptyBody: () => new CollectorError(400, 'emptyBody', 'empty body: a CDR post is a <records> document'),
  /** The database refused the post for a reason sending it again cannot fix (`storage/failures.ts`). */
  storageRefused: (detail: string) => new CollectorError(400, 'storageRefused', `the database refused the records: ${detail}`),
  /** Too many post bodies are being received at once (`ingest/limits.ts`). */
  busy: () => new CollectorError(503, 'busy', 'too many large posts are being received; send again later'),
  unauthorized: () => new CollectorError(401, 'unauthorized', 'authentication required'),
  invalidParameter: (issues: readonly { path: string; message: string }[]) =>
    new CollectorError(400, 'invalidParameter', `invalid query parameter${issues.length === 1 ? '' : 's'}: ${issues.map((i) => `${i.path} (${i.message})`).join(', ')}`, issues),
  notFound: (what: string) => new CollectorError(404, 'notFound', `${what} not found`),
  methodNotAllowed: (method: string) => new CollectorError(405, 'methodNotAllowed', `${method} is not allowed here`),
  storageUnavailable: () => new CollectorError(503, 'storageUnavailable', 'records could not be committed; send them again'),
  internal: () => new CollectorError(500, 'internal', 'internal error'),
} as const;
