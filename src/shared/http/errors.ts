/**
 * The one base class of every service's error catalogue (`src/<service>/errors.ts`): an HTTP status,
 * a stable machine-readable code, a message for people, and optionally the field at fault and
 * details. Each service decides how its errors look on the wire (CMS `<failureDetails>` XML, a JSON
 * envelope, an HTML page); `errorHandler.ts` writes them.
 */
export class ServiceError<Code extends string = string> extends Error {
  readonly status: number;
  readonly code: Code;
  /** The request field (parameter, form field) at fault, when there is one. */
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(status: number, code: Code, message: string, extra: { readonly field?: string | undefined; readonly details?: unknown } = {}) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.details = extra.details;
  }
}

/** The JSON envelope of the collector's and the scheduler's APIs: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorEnvelope<Code extends string = string> {
  readonly error: { readonly code: Code; readonly message: string; readonly details?: unknown };
}

export function errorEnvelope<Code extends string>(error: ServiceError<Code>): ErrorEnvelope<Code> {
  return { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
}
