/**
 * The CMS client's one error: a request to a CMS that failed, with the HTTP status and the
 * `<failureDetails>` reason. Each caller maps it to its own service's catalogue.
 */
/** A request to a CMS that failed: HTTP status (undefined when the bridge could not be reached) and the CMS reason. */
export class CmsError extends Error {
  readonly method: string;
  readonly path: string;
  /** HTTP status; undefined = no answer (connection refused, reset, timeout). */
  readonly status: number | undefined;
  /** First element of `<failureDetails>`, e.g. `coSpaceDoesNotExist`, `parameterError`. */
  readonly reason: string | undefined;
  /** For `parameterError`: the parameter and its error. */
  readonly parameter: { readonly name: string; readonly error: string } | undefined;

  constructor(
    method: string,
    path: string,
    status: number | undefined,
    reason: string | undefined,
    message: string,
    parameter?: { name: string; error: string },
    /** The transport's `UpstreamError` when the bridge gave no answer. */
    cause?: unknown,
  ) {
    super(`${method} ${path}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = 'CmsError';
    this.method = method;
    this.path = path;
    this.status = status;
    this.reason = reason;
    this.parameter = parameter;
  }

  /** True when the error is the bridge giving no answer or answering 503 (busy): the client's retries ended on either. */
  get unreachable(): boolean {
    return this.status === undefined || this.status === 503;
  }

  /** `*DoesNotExist` or a 404: the object is not on the bridge. */
  get doesNotExist(): boolean {
    return this.status === 404 || (this.reason?.endsWith('DoesNotExist') ?? false);
  }
}
