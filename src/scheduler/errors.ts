/**
 * The scheduler's error catalogue: every failure its JSON API can answer, with its HTTP status and a
 * stable machine-readable `code`, plus `CmsError` for failures talking to a managed bridge. Services
 * throw these; one error handler in `api/` writes them as `{ error: { code, message, details } }`.
 */
import type { CmsError } from '../clients/cms/errors.ts';
import { errorEnvelope, ServiceError, type ErrorEnvelope } from '../shared/http/errors.ts';

export type SchedulerErrorCode =
  | 'badRequest'
  | 'validationFailed'
  | 'unauthorized'
  | 'notFound'
  | 'bridgeAlreadyManaged'
  | 'bookingConflict'
  | 'spaceNeeded'
  | 'invalidState'
  | 'bridgeNotConfigured'
  | 'bridgeUnreachable'
  | 'bridgeRefused'
  | 'provisioningFailed'
  | 'internal';

export class SchedulerError extends ServiceError<SchedulerErrorCode> {
  constructor(status: number, code: SchedulerErrorCode, message: string, details?: unknown) {
    super(status, code, message, { details });
    this.name = 'SchedulerError';
  }

  toJSON(): ErrorEnvelope<SchedulerErrorCode> {
    return errorEnvelope(this);
  }
}

export const schedulerErrors = {
  badRequest: (message: string, details?: unknown) => new SchedulerError(400, 'badRequest', message, details),
  validation: (issues: unknown) => new SchedulerError(400, 'validationFailed', 'the request body is not valid', issues),
  unauthorized: () => new SchedulerError(401, 'unauthorized', 'authentication required'),
  notFound: (what: string, id: string) => new SchedulerError(404, 'notFound', `${what} ${id} does not exist`),
  bridgeAlreadyManaged: (message: string, bridge: string) =>
    new SchedulerError(409, 'bridgeAlreadyManaged', message, { bridge }),
  /** `truncated`: the check stopped at its limit, so only the first conflicts are listed. */
  bookingConflict: (conflicts: unknown, truncated = false) =>
    new SchedulerError(409, 'bookingConflict', `the booking conflicts with other bookings${truncated ? ' (the first conflicts found are listed)' : ''}`, conflicts),
  spaceNeeded: (message: string, details?: unknown) => new SchedulerError(409, 'spaceNeeded', message, details),
  invalidState: (message: string) => new SchedulerError(409, 'invalidState', message),
  bridgeNotConfigured: (message: string) => new SchedulerError(409, 'bridgeNotConfigured', message),
  bridgeUnreachable: (error: CmsError) =>
    new SchedulerError(502, 'bridgeUnreachable', `the bridge could not be reached: ${error.message}`),
  bridgeRefused: (error: CmsError) =>
    new SchedulerError(502, 'bridgeRefused', `the bridge refused a request: ${error.message}`, {
      status: error.status,
      reason: error.reason,
      ...(error.parameter ? { parameter: error.parameter } : {}),
    }),
  provisioningFailed: (message: string) => new SchedulerError(502, 'provisioningFailed', message),
  internal: () => new SchedulerError(500, 'internal', 'internal error'),
} as const;

/** Maps a CMS failure met while serving an API request to the scheduler's catalogue. */
export function fromCmsError(error: CmsError): SchedulerError {
  return error.unreachable ? schedulerErrors.bridgeUnreachable(error) : schedulerErrors.bridgeRefused(error);
}
